"""The acceptance test of the daemon: real broker, real VISCA emulator on a pty, real signals.

A meeting is published as central staff would; the daemon must prepare the room (camera on,
home preset) and report readiness with trigger "schedule" and that meeting's id, answer a
ptz.position command, survive a broken config on SIGHUP and go offline on SIGTERM.
"""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from agent.contract.clock import iso
from tests.daemon.rig import BASE, Daemon, Inbox
from tests.shapes import assert_readiness

pytestmark = pytest.mark.broker


def test_daemon_end_to_end(tmp_path, broker, mqtt_client, visca_emulator):
    cam = visca_emulator.state
    cam.powered = False  # the camera is in standby when the technician left last time
    cam.presets[1] = (400.0, 120.0, 0.0)  # the home preset, as raw VISCA positions
    cfg = tmp_path / "config.toml"
    good = (
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\nlanguage = "en"\n'
        '[room]\nprovince = "son-la"\ngroups = ["moc-chau"]\nid = "xa-chieng-son"\n'
        'name = "UBND xã Chiềng Sơn"\n'
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n'
        f'[ptz]\nport = "{visca_emulator.path}"\nhome_preset = 1\n'
        "[host]\ncpu_sample_s = 0\n"
        # Only ptz: the verdict must not depend on how busy the CI machine's CPU is.
        '[checks]\nenabled = ["ptz"]\ncritical = ["ptz"]\n'
        "[schedule]\noffsets_min = [0.05]\nperiodic_min = 60\n"
    )
    cfg.write_text(good, encoding="utf-8")

    central = mqtt_client(broker, "central")
    central.subscribe("hnth/v2/#")
    inbox = Inbox(central)
    d = Daemon(tmp_path, cfg)
    try:
        d.wait_for(lambda: d.notice("READY=1"), 20, "READY=1")
        d.wait_for(lambda: d.notice("WATCHDOG=1"), 10, "WATCHDOG=1")
        d.wait_for(
            lambda: inbox.find(f"{BASE}/status", lambda s: s["state"] == "online"), 10, "online"
        )
        boot_id = inbox.find(f"{BASE}/status")["boot_id"]
        d.wait_for(lambda: inbox.find(f"{BASE}/readiness"), 15, "the startup readiness")

        # Central staff schedule a meeting 8 s from now; T-3 s is this test's "T-5 min".
        start = datetime.now(UTC) + timedelta(seconds=8)
        meeting = {
            "schema": "hnth.meeting/1",
            "id": "hop-ubnd-0304",
            "title": "Họp UBND tỉnh",
            "start": iso(start),
            "end": iso(start + timedelta(hours=1)),
            "rooms": ["moc-chau/*"],
        }
        rc = central.publish_wait(
            "hnth/v2/son-la/_schedule/hop-ubnd-0304", json.dumps(meeting), retain=True
        )
        assert rc == 0

        def scheduled():
            return inbox.find(
                f"{BASE}/readiness",
                lambda r: (
                    r["trigger"] == "schedule" and (r["meeting"] or {}).get("id") == "hop-ubnd-0304"
                ),
            )

        d.wait_for(scheduled, 25, "the pre-meeting readiness")
        report = scheduled()
        assert_readiness(report)
        assert report["boot_id"] == boot_id
        assert report["meeting"]["title"] == "Họp UBND tỉnh"
        ptz = next(c for c in report["checks"] if c["name"] == "ptz")
        assert ptz["status"] == "pass", ptz
        # The room was prepared: camera on and really at its home preset.
        assert cam.powered
        assert abs(cam.pan - 400) <= 16
        assert abs(cam.tilt - 120) <= 16
        assert report["verdict"] == "ready"

        # An operator asks for the camera position (MQTT 5 request/response).
        central.subscribe(f"{BASE}/resp/#")
        central.publish(
            f"{BASE}/cmd/ptz.position",
            b"{}",
            response_topic=f"{BASE}/resp/op-1",
            correlation_data=b"corr-1",
        )
        d.wait_for(lambda: inbox.find(f"{BASE}/resp/op-1"), 10, "the ptz.position response")
        resp = inbox.find(f"{BASE}/resp/op-1")
        assert resp["ok"] is True, resp
        assert abs(resp["result"]["pan"] - 400) <= 16

        # A broken config on SIGHUP: keeps running, and central sees why.
        cfg.write_text(good.replace("[host]\n", "[host]\nbogus_key = 1\n"), encoding="utf-8")
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: inbox.events("config.invalid"), 10, "the config.invalid event")
        assert "bogus_key" in inbox.events("config.invalid")[0]["error"]
        assert d.proc.poll() is None

        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        d.proc.wait(10)
        assert time.monotonic() - t0 < 5
        assert d.proc.returncode == 0
        d.wait_for(
            lambda: inbox.find(f"{BASE}/status", lambda s: s["state"] == "offline"), 5, "offline"
        )
        assert inbox.find(f"{BASE}/status")["boot_id"] == boot_id
    finally:
        d.close()
