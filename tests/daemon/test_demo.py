"""`hnth-agent demo` end to end: the simulated room reports readiness before its meeting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shapes import assert_readiness

HNTH = str(Path(sys.executable).parent / "hnth-agent")


@pytest.mark.broker
@pytest.mark.slow
def test_demo_shows_a_ready_room_before_its_meeting():
    env = {k: v for k, v in os.environ.items() if k != "HNTH_AGENT_CONFIG"}
    out = subprocess.run(
        [HNTH, "demo", "--seconds", "40", "--meeting-in", "35", "--json", "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    topics = {m["topic"].rsplit("/", 1)[-1] for m in lines}
    assert {"status", "readiness", "snapshot", "events"} <= topics, topics
    reports = [m["payload"] for m in lines if m["topic"].endswith("/readiness")]
    for r in reports:
        assert_readiness(r)
    scheduled = [r for r in reports if r["trigger"] == "schedule"]
    assert scheduled, [r["trigger"] for r in reports]
    assert scheduled[-1]["meeting"]["id"] == "hop-demo"
    by_name = {c["name"]: c for c in scheduled[-1]["checks"]}
    for name in ("camera", "display", "ptz", "network"):
        assert by_name[name]["status"] == "pass", by_name[name]
    if "microphone" in by_name:  # PulseAudio was available: the whole room is simulated
        assert by_name["microphone"]["status"] == "pass", by_name["microphone"]
        assert by_name["speaker"]["status"] == "pass", by_name["speaker"]
    assert "what central receives" in out.stderr
