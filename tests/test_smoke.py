"""The package imports and the CLI answers --version."""

from agent.cli import main


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "hnth-agent" in capsys.readouterr().out
