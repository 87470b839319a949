"""`hnth-agent demo`: a whole simulated room, and what central sees of it, in one command."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent import programs
from agent.cli.common import add_json, print_json
from agent.contract import Selector, payloads, topics
from agent.errors import AgentError
from agent.i18n import current_language, set_language, t, tn

PROVINCE, ROOM, GROUP = "demo", "xa-mau", "cum-mau"
BASE = f"hnth/v2/{PROVINCE}/{ROOM}"
MEETING_ID = "hop-demo"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `demo`."""
    p.add_argument("--seconds", type=float, default=0, help=t("demo.opt.seconds"))
    p.add_argument(
        "--meeting-in", type=float, default=60, metavar="SEC", help=t("demo.opt.meeting_in")
    )
    add_json(p)


def main(args: argparse.Namespace) -> int:
    """Start the simulated room and print what a central subscriber sees until Ctrl-C."""
    set_language(args.lang or os.environ.get("HNTH_AGENT_LANG", "vi"))
    with tempfile.TemporaryDirectory(prefix="hnth-demo-") as tmp, contextlib.ExitStack() as stack:
        room = _Room(Path(tmp), stack, args)
        room.start()
        try:
            room.watch(args.seconds)
        except KeyboardInterrupt:
            pass
        finally:
            room.say("demo.stopping")
    return 0


class _Room:
    """The parts of the simulated room and the daemon that runs against them."""

    def __init__(self, tmp: Path, stack: contextlib.ExitStack, args: argparse.Namespace) -> None:
        self.tmp = tmp
        self.stack = stack
        self.args = args
        self.env = {k: v for k, v in os.environ.items() if k != "HNTH_AGENT_CONFIG"}
        self.subscriber: Any = None
        self.daemon: subprocess.Popen[str] | None = None

    def say(self, key: str, **params: object) -> None:
        """Tell the person watching what is happening (stderr, so --json stays clean)."""
        print(f"[demo] {t(key, None, **params)}", file=sys.stderr, flush=True)

    def start(self) -> None:
        """Start every part, then the daemon, then publish a meeting."""
        ptz_port = self._camera_ptz()
        video = self._video()
        audio = self._audio()
        drm = self._display()
        broker = self._broker()
        cfg = self._config(ptz_port, video, audio, drm, broker)
        if broker is not None:
            self._subscribe(broker)
        self._start_daemon(cfg)
        if broker is not None:
            self._publish_meeting()
        else:
            self.say("demo.no_broker_meeting")

    # ---------------------------------------------------------------- parts

    def _camera_ptz(self) -> str:
        from agent.visca.emulator import Emulator

        emu = Emulator()
        path = emu.add_pty(str(self.tmp / "ttyVISCA"))
        emu.state.powered = False
        emu.state.presets[1] = (600.0, 150.0, 0.0)
        emu.start()
        self.stack.callback(emu.close)
        self.say("demo.part.ptz", path=path)
        return path

    def _video(self) -> str:
        from agent.sim.video import MjpegCamera

        cam = MjpegCamera().start()
        self.stack.callback(cam.close)
        self.say("demo.part.video", url=cam.url)
        return cam.url

    def _audio(self) -> bool:
        from agent.sim import pulse

        reason = pulse.available()
        if reason:
            self.say("demo.part.no_audio", reason=reason)
            return False
        room = pulse.PulseRoom(self.tmp / "pa")
        try:
            room.start()
        except AgentError as exc:
            self.say("demo.part.no_audio", reason=exc.message)
            return False
        self.stack.callback(room.stop)
        # A quiet room is never digitally silent: a little noise keeps the mic check honest.
        room.ambient(-50.0, "noise")
        self.env.update(room.env)
        self.say("demo.part.audio")
        return True

    def _display(self) -> Path:
        from agent.sim.drm import Screen, write_tree

        root = write_tree(self.tmp / "drm", {"HDMI-A-1": Screen(name="Phong hop TV")})
        self.say("demo.part.display", path=root)
        return root

    def _broker(self) -> Any:
        if programs.which("mosquitto") is None:
            self.say("demo.part.no_broker", reason=programs.missing_message("mosquitto"))
            return None
        from agent.sim.broker import Mosquitto

        broker = Mosquitto(self.tmp / "broker").start()
        self.stack.callback(broker.stop)
        self.say("demo.part.broker", host=broker.host, port=broker.port)
        return broker

    def _config(self, ptz: str, video: str, audio: bool, drm: Path, broker: Any) -> Path:
        lang = current_language()
        media = (
            '[microphone]\ndevice = "room_mic"\n[speaker]\ndevice = "room_speaker"\n'
            if audio
            else ""
        )
        enabled = ["host", "time", "network", "camera", "display", "ptz"]
        if audio:
            enabled[4:4] = ["microphone", "speaker"]
        mqtt = f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n' if broker else ""
        network = f'[network]\ntargets = ["{broker.host}:{broker.port}"]\n' if broker else ""
        text = (
            (
                f'[room]\nprovince = "{PROVINCE}"\nid = "{ROOM}"\ngroups = ["{GROUP}"]\n'
                'name = "UBND xã Mẫu (mô phỏng)"\nunit = "xa"\n'
                f'[agent]\nlanguage = "{lang}"\nstate_dir = "{self.tmp / "state"}"\n'
                f"[checks]\nenabled = {json.dumps(enabled)}\n"
                f'[camera]\nsource = "{video}"\n'
                f'[display]\nsysfs_root = "{drm}"\nexpect_connectors = ["HDMI-A-1"]\n'
                f'[ptz]\nport = "{ptz}"\nhome_preset = 1\n'
                # T-45 s and T-15 s stand in for T-30 min and T-5 min.
                "[schedule]\noffsets_min = [0.75, 0.25]\nperiodic_min = 5\n"
            )
            + media
            + mqtt
            + network
        )
        path = self.tmp / "config.toml"
        path.write_text(text, encoding="utf-8")
        self.say("demo.config", path=path)
        return path

    def _subscribe(self, broker: Any) -> None:
        from agent.mqtt.client import ClientSettings, MqttClient

        client = MqttClient(ClientSettings(host=broker.host, port=broker.port, client_id="central"))
        client.start()
        self.stack.callback(client.stop)
        if not client.wait_connected(5):
            raise AgentError(t("demo.subscriber_failed", error=client.failure_text()))
        client.subscribe(f"{topics.V2}/#")
        self.subscriber = client

    def _start_daemon(self, cfg: Path) -> None:
        hnth = str(Path(sys.executable).parent / "hnth-agent")
        argv = (
            [hnth, "run", "--config", str(cfg)]
            if Path(hnth).exists()
            else [sys.executable, "-m", "agent", "run", "--config", str(cfg)]
        )
        self.daemon = subprocess.Popen(
            argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        proc = self.daemon

        def stop() -> None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

        self.stack.callback(stop)
        threading.Thread(target=self._daemon_log, daemon=True).start()
        self.say("demo.daemon", pid=proc.pid)

    def _daemon_log(self) -> None:
        assert self.daemon is not None
        assert self.daemon.stdout is not None
        for line in self.daemon.stdout:
            if self.subscriber is None or " WARNING " in f" {line}" or "ERROR" in line:
                print(f"[agent] {line.rstrip()}", file=sys.stderr, flush=True)

    def _publish_meeting(self) -> None:
        start = datetime.now(UTC) + timedelta(seconds=self.args.meeting_in)
        meeting = payloads.meeting(
            MEETING_ID,
            title=t("demo.meeting_title"),
            start=start,
            end=start + timedelta(hours=1),
            selector=Selector(groups=(GROUP,)),
        )
        self.subscriber.publish(
            topics.schedule(PROVINCE, MEETING_ID), payloads.encode(meeting), retain=True
        )
        local = start.astimezone().strftime("%H:%M:%S")
        self.say("demo.meeting", at=local, seconds=round(self.args.meeting_in))

    # ---------------------------------------------------------------- watching

    def watch(self, seconds: float) -> None:
        """Print each message central receives until Ctrl-C, the daemon dies or `seconds` pass."""
        deadline = time.monotonic() + seconds if seconds else None
        self.say("demo.watching")
        while deadline is None or time.monotonic() < deadline:
            if self.daemon is not None and self.daemon.poll() is not None:
                self.say("demo.daemon_exited", code=self.daemon.returncode)
                return
            if self.subscriber is None:
                time.sleep(0.2)
                continue
            msg = self.subscriber.get_message(0.2)
            if msg is None or not msg.payload:
                continue
            if self.args.json:
                print_json(
                    {"topic": msg.topic, "retain": msg.retain, "payload": _decode(msg.payload)}
                )
            else:
                print(describe(msg.topic, msg.payload), flush=True)


def describe(topic: str, payload: bytes) -> str:
    """One line per message, as a person watching central would want it."""
    now = datetime.now().strftime("%H:%M:%S")  # noqa: DTZ005 - the viewer's local clock
    short = topic.removeprefix(f"{BASE}/")
    if topic.endswith("/snapshot"):
        return f"{now}  {short:<12} {tn('demo.msg.snapshot', len(payload))}"
    doc = _decode(payload)
    if not isinstance(doc, dict):
        return f"{now}  {short:<12} {len(payload)} B"
    schema = str(doc.get("schema", ""))
    if schema.startswith("hnth.meta/"):
        text = t(
            "demo.msg.meta", name=doc.get("name"), groups=", ".join(map(str, doc.get("groups", [])))
        )
    elif schema.startswith("hnth.status/"):
        text = t("demo.msg.status", state=doc.get("state"))
    elif schema.startswith("hnth.readiness/"):
        checks = ", ".join(f"{c['name']} {c['status']}" for c in doc.get("checks", []))
        meeting = (doc.get("meeting") or {}).get("id") or "-"
        text = t(
            "demo.msg.readiness",
            verdict=t(f"verdict.{doc.get('verdict')}"),
            trigger=doc.get("trigger"),
            meeting=meeting,
            checks=checks,
        )
    elif schema.startswith("hnth.event/"):
        extra = {
            k: v for k, v in doc.items() if k not in ("schema", "boot_id", "seq", "ts", "kind")
        }
        text = f"{doc.get('kind')} #{doc.get('seq')} {json.dumps(extra, ensure_ascii=False)}"
    elif schema.startswith("hnth.meeting/"):
        text = t("demo.msg.meeting", title=doc.get("title"), start=doc.get("start"))
    else:
        text = json.dumps(doc, ensure_ascii=False)[:200]
    return f"{now}  {short:<12} {text}"


def _decode(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        return f"<{len(payload)} bytes>"
