"""The daemon meets a broker that is down at startup and a camera that is unplugged mid-run."""

from __future__ import annotations

import signal

import pytest

from tests.daemon.rig import BASE, Daemon, Inbox

pytestmark = pytest.mark.broker


def test_broker_down_at_start_then_camera_unplugged(tmp_path, broker, mqtt_client, visca_emulator):
    broker.kill()  # the province broker is unreachable when the PC boots
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\nlanguage = "en"\n'
        '[room]\nprovince = "son-la"\ngroups = ["moc-chau"]\nid = "xa-chieng-son"\n'
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\nreconnect_max_s = 1\n'
        f'[ptz]\nport = "{visca_emulator.path}"\n'
        '[host]\ncpu_sample_s = 0\n[checks]\nenabled = ["host", "ptz"]\n',
        encoding="utf-8",
    )
    d = Daemon(tmp_path, cfg)
    try:
        # READY comes after a bounded wait even without a broker; the checks still run.
        d.wait_for(lambda: d.notice("READY=1"), 20, "READY=1 without a broker")
        d.wait_for(lambda: d.logged("checks (startup)"), 10, "the startup check")
        assert d.proc.poll() is None

        broker.start()  # same port
        central = mqtt_client(broker, "central")
        central.subscribe("hnth/v2/#")
        inbox = Inbox(central)
        d.wait_for(lambda: inbox.find(f"{BASE}/readiness"), 20, "the queued readiness")
        assert inbox.find(f"{BASE}/readiness")["trigger"] == "startup"
        d.wait_for(lambda: inbox.events("agent.started"), 10, "the queued agent.started event")
        d.wait_for(lambda: inbox.events("check.completed"), 10, "the queued check event")

        # The camera's USB adapter is pulled: a clear error, the daemon lives on.
        central.subscribe(f"{BASE}/resp/#")
        visca_emulator.usecases.disconnect()

        def ask(request_id: str) -> dict:
            central.publish(
                f"{BASE}/cmd/ptz.position",
                b"{}",
                response_topic=f"{BASE}/resp/{request_id}",
                correlation_data=request_id.encode(),
            )
            d.wait_for(lambda: inbox.find(f"{BASE}/resp/{request_id}"), 15, request_id)
            return inbox.find(f"{BASE}/resp/{request_id}")

        gone = ask("while-unplugged")
        assert gone["ok"] is False
        assert gone["error"]["code"] in ("device_unavailable", "timeout"), gone
        assert d.proc.poll() is None

        visca_emulator.usecases.reconnect()
        back = ask("plugged-back")
        assert back["ok"] is True, back
        assert set(back["result"]) >= {"pan", "tilt", "zoom"}

        d.signal(signal.SIGTERM)
        d.proc.wait(10)
        assert d.proc.returncode == 0
        d.wait_for(
            lambda: inbox.find(f"{BASE}/status", lambda s: s["state"] == "offline"), 5, "offline"
        )
    finally:
        d.close()
