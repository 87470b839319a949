"""The board reaches the broker through the agent's own settings code, with the same refusals."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent.config import loads
from agent.errors import ConfigError
from agent.mqtt.link import client_settings
from agent.sim.broker import free_port
from central.link import settings_for

HNTH = str(Path(sys.executable).parent / "hnth-agent")


def board(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # If the refusal were missing the board would serve until killed: the timeout fails the test.
    listen = f"127.0.0.1:{free_port()}"
    cmd = [HNTH, "board", "--lang", "en", "--listen", listen, "--config", str(config), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)


def write(tmp_path: Path, mqtt: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[board]\ndatabase = "sqlite:///{tmp_path / "board.sqlite"}"\n'
        f"[mqtt]\n{mqtt}",
        encoding="utf-8",
    )
    return path


def test_board_exits_3_on_plaintext_to_a_remote_broker(tmp_path):
    proc = board(write(tmp_path, 'host = "192.0.2.10"\n'))
    assert proc.returncode == 3, proc.stderr
    assert "refusing unencrypted MQTT to 192.0.2.10:1883" in proc.stderr
    assert "allow_insecure" in proc.stderr  # the hint, as the agent gives it
    assert "Traceback" not in proc.stderr
    # --broker goes through the same check as [mqtt] host.
    proc = board(write(tmp_path, 'host = "127.0.0.1"\n'), "--broker", "192.0.2.11:1883")
    assert proc.returncode == 3, proc.stderr
    assert "refusing unencrypted MQTT to 192.0.2.11:1883" in proc.stderr


def test_plaintext_allowed_only_to_loopback_or_when_insecure_is_explicit(tmp_path):
    local = settings_for(loads('[mqtt]\nhost = "127.0.0.1"\n'), "hnth-board")
    assert (local.host, local.port, local.tls) == ("127.0.0.1", 1883, None)
    with pytest.raises(ConfigError, match="allow_insecure"):
        settings_for(loads('[mqtt]\nhost = "192.0.2.10"\n'), "hnth-board")
    ok = settings_for(loads('[mqtt]\nhost = "192.0.2.10"\nallow_insecure = true\n'), "b")
    assert ok.tls is None
    # What the board changes on top of the agent's settings: its own id, no persistent session.
    assert (ok.client_id, ok.session_expiry_s, ok.clean_start, ok.will) == ("b", 0, True, None)


def test_readable_key_file_is_reported_exactly_as_the_agent_reports_it(tmp_path, caplog):
    if not shutil.which("openssl"):
        pytest.fail("openssl is missing: scripts/install installs it")
    from agent.sim.broker import make_pki

    pki = make_pki(tmp_path / "pki", clients=["hnth-board"])
    cert, key = pki.client("hnth-board")
    key.chmod(0o644)
    cfg = loads(
        f'[mqtt]\nhost = "192.0.2.10"\ntls = true\nca_file = "{pki.ca}"\n'
        f'cert_file = "{cert}"\nkey_file = "{key}"\n'
    )
    with caplog.at_level(logging.WARNING):
        client_settings(cfg)
    agent_says = [r.getMessage() for r in caplog.records]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        s = settings_for(cfg, "hnth-board")
    board_says = [r.getMessage() for r in caplog.records]
    assert board_says == agent_says
    assert any(f"chmod 600 {key}" in m for m in board_says), board_says
    assert s.tls is not None
    assert s.tls.key_file == str(key)
    key.chmod(0o600)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        settings_for(cfg, "hnth-board")
    assert "chmod" not in caplog.text
    # A TLS file that is not there is refused, not silently dropped.
    key.unlink()
    with pytest.raises(ConfigError, match="key_file"):
        settings_for(cfg, "hnth-board")


def test_password_file_is_read_and_checked_as_the_agent_does(tmp_path, caplog):
    secret = tmp_path / "board.password"
    secret.write_text("s3cret-board\n")
    secret.chmod(0o600)
    cfg = loads(f'[mqtt]\nhost = "127.0.0.1"\npassword_file = "{secret}"\n')
    s = settings_for(cfg, "hnth-board")
    assert (s.username, s.password) == ("hnth-board", "s3cret-board")
    named = loads(f'[mqtt]\nhost = "::1"\nusername = "bang"\npassword_file = "{secret}"\n')
    assert settings_for(named, "hnth-board").username == "bang"
    secret.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        settings_for(cfg, "hnth-board")
    assert "chmod 600" in caplog.text
    assert "s3cret-board" not in caplog.text
    missing = loads(f'[mqtt]\nhost = "127.0.0.1"\npassword_file = "{tmp_path / "nope"}"\n')
    with pytest.raises(ConfigError, match="password_file"):
        settings_for(missing, "hnth-board")
