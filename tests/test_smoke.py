"""The package imports and the CLI answers --version."""

import pytest

from agent.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert "hnth-agent" in capsys.readouterr().out
