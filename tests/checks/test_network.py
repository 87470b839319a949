"""The network check against real loopback sockets: open, closed and unresolvable targets."""

from __future__ import annotations

from agent.checks import CheckContext, Status
from agent.checks.network import run
from agent.config import loads


def _ctx(targets, lang="en"):
    quoted = ", ".join(f'"{t}"' for t in targets)
    return CheckContext(
        loads(f"[network]\ntargets = [{quoted}]\nsamples = 3\ninterval_ms = 0\n"), lang=lang
    )


def test_open_port_passes_with_rtt(open_port):
    out = run(_ctx([f"127.0.0.1:{open_port}"]))
    assert out.status == Status.PASS
    probe = out.metrics["targets"][0]
    assert probe["rtt_ms"] is not None
    assert probe["rtt_ms"] >= 0
    assert probe["loss_pct"] == 0
    assert probe["sent"] == 3
    assert "ms" in out.summary


def test_closed_port_fails_and_hint_names_target(closed_port):
    out = run(_ctx([f"127.0.0.1:{closed_port}"]))
    assert out.status == Status.FAIL
    assert f"127.0.0.1:{closed_port}" in out.summary
    assert out.hint is not None
    assert str(closed_port) in out.hint
    assert out.metrics["targets"][0]["error"] == "refused"
    assert out.metrics["targets"][0]["loss_pct"] == 100


def test_unresolvable_host_fails_with_dns_hint():
    out = run(_ctx(["no-such-host.invalid:5060"]))
    assert out.status == Status.FAIL
    assert out.hint is not None
    assert "no-such-host.invalid" in out.hint
    assert out.metrics["targets"][0]["error"] == "dns"


def test_worst_target_decides(open_port, closed_port):
    out = run(_ctx([f"127.0.0.1:{open_port}", f"127.0.0.1:{closed_port}"]))
    assert out.status == Status.FAIL
    assert len(out.metrics["targets"]) == 2
    assert out.metrics["targets"][0]["error"] is None


def test_no_targets_skips():
    out = run(CheckContext(loads(""), lang="vi"))
    assert out.status == Status.SKIP
    assert out.hint is not None
    assert "targets" in out.hint


def test_vietnamese_hint(closed_port):
    out = run(_ctx([f"127.0.0.1:{closed_port}"], lang="vi"))
    assert "từ chối" in out.summary
