"""The `hnth-agent` command as a technician runs it: a real subprocess, real sockets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shapes import assert_readiness

HNTH = str(Path(sys.executable).parent / "hnth-agent")


def hnth(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "HNTH_AGENT_CONFIG"}
    full_env.update({"NO_COLOR": "1", **(env or {})})
    return subprocess.run(
        [HNTH, *args], capture_output=True, text=True, timeout=timeout, env=full_env, check=False
    )


@pytest.fixture
def cfg_file(tmp_path):
    def write(text: str) -> str:
        path = tmp_path / "config.toml"
        path.write_text(f'[agent]\nstate_dir = "{tmp_path / "state"}"\n' + text, encoding="utf-8")
        return str(path)

    return write


def test_version_and_help():
    out = hnth("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("hnth-agent ")
    top = hnth("--help")
    assert top.returncode == 0
    assert "check" in top.stdout
    for cmd in ("check", "devices", "ptz", "sim", "mqtt-test", "run", "demo", "board", "report"):
        sub = hnth(cmd, "--help", "--lang", "en")
        assert sub.returncode == 0, (cmd, sub.stderr)
        assert "--config" in sub.stdout
        assert "cli." not in sub.stdout, f"untranslated help key in {cmd} --help"
    for argv in (["sim", "visca"], ["sim", "fleet"], ["ptz", "move"], ["ptz", "preset"]):
        sub = hnth(*argv, "--help", "--lang", "en")
        assert sub.returncode == 0, (argv, sub.stderr)
        assert not re.search(
            r"\b(cli|ptz|fleet|board|media|mqtt)\.[a-z_]+\.[a-z_.]+\b", sub.stdout
        ), argv


def test_check_json_matches_contract(cfg_file, open_port):
    path = cfg_file(f'[network]\ntargets = ["127.0.0.1:{open_port}"]\nsamples = 2\n')
    out = hnth("check", "--config", path, "--json", "--only", "host,time,network")
    assert out.returncode in (0, 1), out.stderr
    doc = json.loads(out.stdout)  # exactly one JSON document on stdout
    assert_readiness(doc)
    assert doc["trigger"] == "manual"
    assert [c["name"] for c in doc["checks"]] == ["host", "time", "network"]
    net = doc["checks"][2]
    assert net["status"] == "pass"
    assert net["metrics"]["targets"][0]["rtt_ms"] is not None


def test_closed_port_is_not_ready_and_hint_names_target(cfg_file, closed_port):
    target = f"127.0.0.1:{closed_port}"
    path = cfg_file(f'[network]\ntargets = ["{target}"]\nsamples = 2\n')
    out = hnth("check", "--config", path, "--json", "--only", "network")
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    assert doc["verdict"] == "not_ready"
    assert target in doc["checks"][0]["summary"]
    assert str(closed_port) in doc["checks"][0]["hint"]


def test_network_non_critical_gives_degraded(cfg_file, closed_port):
    path = cfg_file(
        f'[network]\ntargets = ["127.0.0.1:{closed_port}"]\nsamples = 1\n[checks]\ncritical = []\n'
    )
    assert hnth("check", "--config", path, "--only", "network").returncode == 1


def test_text_report_in_vietnamese_and_english(cfg_file, closed_port):
    room = '[room]\nname = "UBND xã Chiềng Sơn"\n'
    path = cfg_file(room + f'[network]\ntargets = ["127.0.0.1:{closed_port}"]\nsamples = 1\n')
    vi = hnth("check", "--config", path, "--only", "network")
    assert "UBND xã Chiềng Sơn" in vi.stdout
    assert "CHƯA SẴN SÀNG" in vi.stdout
    assert "Cần làm" in vi.stdout
    assert "\033[" not in vi.stdout  # not a TTY: no colour codes
    en = hnth("check", "--config", path, "--only", "network", "--lang", "en")
    assert "NOT READY" in en.stdout
    assert "To do" in en.stdout


def test_bad_key_exits_3_and_names_it(cfg_file):
    path = cfg_file("[network]\ntargetz = []\n")
    out = hnth("check", "--config", path, "--lang", "en")
    assert out.returncode == 3
    assert "targetz" in out.stderr
    assert path in out.stderr
    assert "Traceback" not in out.stderr


def test_bad_target_exits_3(cfg_file):
    out = hnth("check", "--config", cfg_file('[network]\ntargets = ["mcu-without-port"]\n'))
    assert out.returncode == 3
    assert "mcu-without-port" in out.stderr


def test_malformed_and_missing_config_exit_3(cfg_file, tmp_path):
    bad = hnth("check", "--config", cfg_file("[room\n"), "--lang", "en")
    assert bad.returncode == 3
    assert "TOML" in bad.stderr
    missing = hnth("check", "--config", str(tmp_path / "nope.toml"), "--lang", "en")
    assert missing.returncode == 3
    assert "not found" in missing.stderr


def test_config_from_environment(cfg_file, closed_port):
    path = cfg_file(f'[network]\ntargets = ["127.0.0.1:{closed_port}"]\nsamples = 1\n')
    out = hnth("check", "--only", "network", "--json", env={"HNTH_AGENT_CONFIG": path})
    assert out.returncode == 2
    assert json.loads(out.stdout)["checks"][0]["status"] == "fail"


def test_unknown_only_name_exits_3(cfg_file):
    out = hnth("check", "--config", cfg_file(""), "--only", "host,camra", "--lang", "en")
    assert out.returncode == 3
    assert "camra" in out.stderr
    js = hnth("check", "--config", cfg_file(""), "--only", "camra", "--json")
    assert js.returncode == 3
    assert json.loads(js.stdout)["ok"] is False


def test_usage_error_exits_3():
    out = hnth("check", "--no-such-flag")
    assert out.returncode == 3
