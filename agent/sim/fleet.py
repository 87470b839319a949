"""`hnth-agent sim fleet`: many lightweight simulated rooms speaking MQTT contract v1.

Each room holds its own MQTT connection with its own retained Will, so the board sees real
online/offline behaviour; all rooms share one asyncio loop (agent.sim.mqttwire is the codec).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from agent import __version__
from agent.config import parse_host_port
from agent.errors import RemoteProtocolError, UsageError
from agent.i18n import t
from agent.sim import mqttwire as w

log = logging.getLogger(__name__)

SNAPSHOT: Final = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCABaAKADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCzSUtJXzSPomFJS0laozYlJS0lbIzYUlLSVojJiUlLSVsjNhSUtJWqMmJSUtJWqM2FJS0laozYlJS0laoyYUlLSVqjNl6kpaSvkUfTsKSlpK1RmxKSlpK2RmwpKwNUuJ49QlVJpFUYwAxA6Cqn2u5/5+Jf++zXbDDtpO5xSxCTasdTSVy/2u5/5+Jf++zR9ruf+fiX/vs1oqD7mbrrsdRSVzH2u5/5+Jf++zR9quP+fiX/AL7NWqTRLqo6akrmvtVx/wA95f8Avs1JbXM7XUIaaQguAQWPPNUoWJ57nQ0lLSVaExKSlpK1RkwpKWkrVGbL1JS0lfIo+nYUlLSVqjNiUlLSVsjNnNav/wAhKb8P5CjTtLvdUkdLGAylBluQAPxPFGr/APISm/D+Qrc8JX9tHY32nzXiWEs+DFcAYbODnLHjAxx0+8cHNevT+Beh5FT42RXHgjV4Yw0YgnJONscmCPf5gBWTbaTeXUV7JHFgWS7pg52lfbB78E/ge+BW3J4d13QJzd6c/nYyu6AZbbnAyhHOfQZxj2zU+gXUl9p/ia6lCK8sG5gi7RnbJ2qyDnItMupdLm1FEBtoXCMdwzk+34j8/ritBDJcTxwxLukkYIozjJJwK7jwdaJf+E760fAEszrkru2nYuDj2PP4Vl+DtIlk8QO06ACwJ8xThvn5AHXsQTkZ+7QBgahZTadey2lwAJYjg7TkHjII+oIplp/x9w/9dF/nWt4y/wCRovP+Af8AoC1k2n/H3D/10X+dAI6akpaSkjRiUlLSVqjJhSUtJWqM2XqSlpK+RR9OwpKWkrVGbEpKWkrZGbOa1f8A5CU34fyFXND0E63FOIbyGO4jwVhcHLDuc9h9M++OKp6v/wAhKb8P5CqdevT+Beh5FT42dp4Z0fxFpuoJkCG1zmVJJQysOAcBSfmx0PHTr2qe2e1kbxa9kweFochlJILFH3EH/ez7enFcdNqd/cRNFPfXMsbdUeVmB/Amq6u6hgrEBxhgD94ZBwfxAP4VZB2Hhy+k03wZeXkYy0V2pI/vDMYI/EZFbd3NDpUscto0JfVb2LDIFB2HbuP+0Dg8/wDTTP180DuIygYhGIJXPBIzg4/E/nQzuwUMxIQYUE/dGScD8ST+NAGz4y/5Gi8/4B/6AtZNp/x9w/8AXRf50x3eSRnkYu7ElmY5JJ7k0+0/4+4f+ui/zoBHTUlLSUkaMSkpaStUZMKSlpK1Rmy9SUtJXyKPp2FJS0laozYlJS0lbIzZWm0+1nlMkkW5z1O4j+tR/wBl2X/PH/x4/wCNXaSt4zl3MHCPYpf2XZ/88f8Ax4/40f2XZ/8APH/x4/41cpK1U5dzNwj2Kf8AZdn/AM8f/Hj/AI0f2ZZ/88f/AB4/41cpK0Un3M3Fdin/AGZZ/wDPH/x4/wCNKmn2qOrrFhlOQdx/xq1SVomzNpBSUtJWqIYlJS0laoyYUlLSVqjNl6kpaSvkUfTsKSlpK1RmxKSlpK2RmwpKWkrRGTEpKWkrZGbCkpaStUZMSkpaStUZsKSlpK1RmxKSlpK1RkwpKWkrVGbP/9k="
)
DISTRICTS: Final = (
    "moc-chau",
    "yen-chau",
    "mai-son",
    "song-ma",
    "sop-cop",
    "thuan-chau",
    "quynh-nhai",
    "muong-la",
    "bac-yen",
    "phu-yen",
    "van-ho",
    "tp-son-la",
)
CHECKS: Final = ("host", "time", "network", "camera", "microphone", "speaker", "display", "ptz")
CRITICAL: Final = frozenset({"camera", "microphone", "display", "network", "ptz"})
# (check, status, summary, hint key): one realistic fault per line.
FAULTS: Final = (
    ("camera", "fail", "no signal: image is black (mean luma 3)", "fleet.hint.camera"),
    ("microphone", "fail", "silence: -92 dBFS", "fleet.hint.microphone"),
    ("network", "warn", "MCU 10.0.0.1: loss 12 %, jitter 41 ms", "fleet.hint.network"),
    ("display", "fail", "HDMI-A-1 disconnected", "fleet.hint.display"),
)
DIRECTIONS: Final = {
    "up": (0, 1),
    "down": (0, -1),
    "left": (-1, 0),
    "right": (1, 0),
    "up-left": (-1, 1),
    "up-right": (1, 1),
    "down-left": (-1, -1),
    "down-right": (1, -1),
}


def iso(dt: datetime) -> str:
    """Contract time: UTC with milliseconds and Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def now_iso() -> str:
    """The current time as the contract writes it."""
    return iso(datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class FleetSettings:
    """How many rooms, where, and how they behave."""

    host: str
    port: int
    rooms: int = 217
    province: str = "son-la"
    interval_s: float = 60.0
    fault_rate: float = 0.1
    keepalive_s: int = 30
    seed: int = 1
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    snapshots: bool = True
    offsets_min: tuple[float, ...] = (30.0, 5.0)


def room_names(n: int) -> list[tuple[str, str, str]]:
    """Return n (district, room slug, name) spread over the districts; room 0 is the hall."""
    out = [("_", "ubnd-tinh", "Hội trường UBND tỉnh")]
    for i in range(1, n):
        d = DISTRICTS[(i - 1) % len(DISTRICTS)]
        k = (i - 1) // len(DISTRICTS) + 1
        out.append((d, f"{d}-xa-{k:03d}", f"UBND xã {k:03d} ({d})"))
    return out[:n]


class SimRoom(asyncio.Protocol):
    """One simulated room: its MQTT connection, its readiness and its PTZ camera."""

    def __init__(self, fleet: Fleet, district: str, room: str, name: str) -> None:
        self.fleet = fleet
        self.district, self.room, self.name = district, room, name
        self.base = f"hnth/v1/{fleet.s.province}/{district}/{room}"
        self.rng = random.Random(f"{fleet.s.seed}/{room}")
        self.boot_id = uuid.uuid4().hex[:16]
        self.seq = 0
        self.rseq = 0
        self.packet_id = 0
        self.transport: asyncio.Transport | None = None
        self.decoder = w.Decoder()
        self.connected = asyncio.Event()
        self.closed = asyncio.Event()
        self.connack = -1
        self.fault: tuple[str, str, str, str] | None = None
        self.pan = self.tilt = self.zoom = 0
        self.presets: dict[int, tuple[int, int, int]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.meetings_done: set[tuple[str, float]] = set()
        self.silent = False
        self.last_sent = 0.0
        self.sessions = 0

    # -------------------------------------------------------- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        will = self.status_body("offline")
        s = self.fleet.s
        transport.write(
            w.connect(
                self.room,
                keepalive_s=s.keepalive_s,
                will_topic=f"{self.base}/status",
                will_payload=will,
                username=s.username,
                password=s.password,
            )
        )

    def data_received(self, data: bytes) -> None:
        try:
            packets = self.decoder.feed(data)
        except RemoteProtocolError as exc:
            log.warning("room %s: %s", self.room, exc)
            self.abort()
            return
        for p in packets:
            if isinstance(p, w.Publish):
                if p.qos == 1:
                    self.send(w.puback(p.packet_id))
                self.fleet.spawn(self.on_command(p))
            elif p.type is w.PacketType.CONNACK:
                self.connack = w.connack_code(p)
                if self.connack == 0:
                    self.connected.set()
                else:
                    self.abort()
            elif p.type is w.PacketType.PUBACK:
                self.fleet.acked += 1

    def connection_lost(self, _exc: Exception | None) -> None:
        self.transport = None
        self.closed.set()
        for task in self.tasks:
            task.cancel()
        if self.sessions and not self.silent and not self.fleet.stopping:
            self.fleet.spawn(self.reconnect())

    async def reconnect(self) -> None:
        """Come back after the broker does, with backoff and per-room jitter."""
        delay = 1.0
        while not self.fleet.stopping:
            await asyncio.sleep(self.rng.uniform(delay / 2, delay))
            try:
                await self.run()
            except (OSError, TimeoutError):
                delay = min(delay * 2, 30.0)
            else:
                return

    # -------------------------------------------------------- behaviour

    async def run(self) -> None:
        """Connect, announce, then report periodically; reconnects after a broker outage."""
        s = self.fleet.s
        loop = asyncio.get_running_loop()
        self.decoder = w.Decoder()
        self.connected = asyncio.Event()
        self.closed = asyncio.Event()
        transport, _ = await loop.create_connection(lambda: self, s.host, s.port)
        try:
            await asyncio.wait_for(self.connected.wait(), 15)
        except TimeoutError:
            transport.abort()
            raise
        first = self.sessions == 0
        self.sessions += 1
        self.send(w.subscribe(self.next_id(), f"{self.base}/cmd/#"))
        self.send(w.subscribe(self.next_id(), f"hnth/v1/{s.province}/schedule/+"))
        # As a real agent: on every (re)connect, online and then the latest readiness.
        self.pub(f"{self.base}/status", self.status_body("online"), retain=True)
        if first:
            self.event("agent.started")
        self.readiness("startup" if first else "periodic")
        if s.snapshots and first:
            self.snapshot()
        self.tasks = [
            asyncio.ensure_future(self.ping_loop()),
            asyncio.ensure_future(self.report_loop()),
        ]

    async def ping_loop(self) -> None:
        while True:
            await asyncio.sleep(self.fleet.s.keepalive_s * 0.75)
            if not self.silent:
                self.send(w.pingreq())

    async def report_loop(self) -> None:
        s = self.fleet.s
        await asyncio.sleep(self.rng.uniform(0, s.interval_s))
        while True:
            self.readiness("periodic")
            await asyncio.sleep(s.interval_s)

    def next_id(self) -> int:
        self.packet_id = self.packet_id % 65535 + 1
        return self.packet_id

    def send(self, data: bytes) -> None:
        if self.transport is not None and not self.silent:
            self.transport.write(data)
            self.last_sent = time.monotonic()

    def pub(self, topic: str, payload: bytes, *, retain: bool = False, **props: Any) -> None:
        self.send(w.publish(w.Publish(topic, payload, 1, retain, self.next_id(), **props)))
        self.fleet.published += 1

    def status_body(self, state: str) -> bytes:
        return json.dumps(
            {
                "schema": "hnth.status/1",
                "state": state,
                "boot_id": self.boot_id,
                "agent_version": f"{__version__}+sim",
                "ts": now_iso(),
            }
        ).encode()

    def event(self, kind: str, **fields: Any) -> None:
        self.seq += 1
        body = {
            "schema": "hnth.event/1",
            "boot_id": self.boot_id,
            "seq": self.seq,
            "ts": now_iso(),
            "kind": kind,
            **fields,
        }
        self.pub(f"{self.base}/events", json.dumps(body, ensure_ascii=False).encode())

    def readiness(self, trigger: str, meeting: dict[str, Any] | None = None) -> dict[str, Any]:
        """Publish a readiness report, sometimes with a realistic fault; return it."""
        old = self.fault
        self.fault = (
            self.rng.choice(FAULTS) if self.rng.random() < self.fleet.s.fault_rate else None
        )
        checks = []
        for name in CHECKS:
            status, summary, hint = "pass", f"{name} ok", None
            if self.fault and self.fault[0] == name:
                status, summary, hint = self.fault[1], self.fault[2], t(self.fault[3])
            checks.append(
                {
                    "name": name,
                    "status": status,
                    "summary": summary,
                    "hint": hint,
                    "metrics": {"sim": True},
                    "duration_ms": self.rng.randint(5, 900),
                }
            )
        verdict = "ready"
        if self.fault:
            verdict = (
                "not_ready"
                if self.fault[1] in ("fail", "error") and self.fault[0] in CRITICAL
                else "degraded"
            )
        self.rseq += 1
        self.seq += 1
        body = {
            "schema": "hnth.readiness/1",
            "boot_id": self.boot_id,
            "seq": self.seq,
            "ts": now_iso(),
            "room": {
                "province": self.fleet.s.province,
                "district": self.district,
                "room": self.room,
                "name": self.name,
            },
            "trigger": trigger,
            "meeting": meeting,
            "verdict": verdict,
            "duration_ms": 1830,
            "checks": checks,
        }
        self.pub(
            f"{self.base}/readiness", json.dumps(body, ensure_ascii=False).encode(), retain=True
        )
        if old != self.fault:
            if old:
                self.event("alert.cleared", check=old[0], status="pass", summary=f"{old[0]} ok")
            if self.fault:
                self.event(
                    "alert.raised", check=self.fault[0], status=self.fault[1], summary=self.fault[2]
                )
        self.event("check.completed", verdict=verdict, trigger=trigger)
        return body

    def snapshot(self) -> dict[str, Any]:
        ts = now_iso()
        self.pub(
            f"{self.base}/snapshot",
            SNAPSHOT,
            retain=True,
            content_type="image/jpeg",
            user_properties=(("ts", ts),),
        )
        return {"bytes": len(SNAPSHOT), "ts": ts}

    async def on_command(self, p: w.Publish) -> None:
        if "/schedule/" in p.topic:
            await self.on_meeting(p)
            return
        verb = p.topic.rsplit("/cmd/", 1)[-1]
        try:
            args = json.loads(p.payload or b"{}")
        except ValueError:
            args = None
        if not isinstance(args, dict):
            args = None
        request_id = str(
            (args or {}).get("request_id")
            or (p.correlation_data or b"").decode(errors="replace")
            or uuid.uuid4().hex
        )
        if args is None:
            resp: dict[str, Any] = {
                "ok": False,
                "error": {"code": "invalid_json", "message": "payload is not a JSON object"},
            }
        else:
            resp = await self.execute(verb, args)
        body = {"schema": "hnth.response/1", "request_id": request_id, **resp}
        topic = (
            p.response_topic
            if p.response_topic and p.response_topic.startswith(f"{self.base}/resp/")
            else f"{self.base}/resp/{request_id}"
        )
        props: dict[str, Any] = (
            {"correlation_data": p.correlation_data} if p.correlation_data is not None else {}
        )
        self.pub(topic, json.dumps(body, ensure_ascii=False).encode(), **props)
        self.event("command.executed", verb=verb, ok=resp["ok"], request_id=request_id)

    async def execute(self, verb: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer one contract command like a real agent with a PTZ camera would."""

        def bad(field: str, allowed: str) -> dict[str, Any]:
            return {
                "ok": False,
                "error": {"code": "invalid_argument", "message": f"{field}: allowed {allowed}"},
            }

        if verb == "check":
            return {"ok": True, "result": self.readiness("command")}
        if verb == "state":
            return {"ok": True, "result": {"status": "online", "boot_id": self.boot_id}}
        if verb == "snapshot":
            return {"ok": True, "result": self.snapshot()}
        if verb == "ptz.move":
            d = DIRECTIONS.get(str(args.get("direction")))
            speed = args.get("speed", 8)
            if d is None:
                return bad("direction", ", ".join(DIRECTIONS))
            if not isinstance(speed, int) or not 1 <= speed <= 24:
                return bad("speed", "1..24")
            duration = args.get("duration_ms", 300)
            await asyncio.sleep(
                min(float(duration) if isinstance(duration, int) else 0.3, 2000) / 1000
            )
            self.pan += d[0] * speed * 10
            self.tilt += d[1] * speed * 10
            return {"ok": True, "result": {"pan": self.pan, "tilt": self.tilt, "zoom": self.zoom}}
        if verb == "ptz.stop":
            return {"ok": True, "result": {}}
        if verb == "ptz.zoom":
            action = args.get("action")
            if action not in ("in", "out", "stop") and not isinstance(args.get("position"), int):
                return bad("action", "in, out, stop or position 0..16384")
            self.zoom = max(
                0, min(16384, self.zoom + {"in": 1000, "out": -1000}.get(str(action), 0))
            )
            return {"ok": True, "result": {"zoom": self.zoom}}
        if verb == "ptz.home":
            self.pan = self.tilt = 0
            return {"ok": True, "result": {"pan": 0, "tilt": 0, "zoom": self.zoom}}
        if verb.startswith("ptz.preset."):
            n = args.get("preset")
            if not isinstance(n, int) or not 0 <= n <= 254:
                return bad("preset", "0..254")
            if verb == "ptz.preset.set":
                self.presets[n] = (self.pan, self.tilt, self.zoom)
            elif verb == "ptz.preset.clear":
                self.presets.pop(n, None)
            else:
                self.pan, self.tilt, self.zoom = self.presets.get(n, (0, 0, 0))
            return {"ok": True, "result": {"pan": self.pan, "tilt": self.tilt, "zoom": self.zoom}}
        if verb == "ptz.position":
            return {"ok": True, "result": {"pan": self.pan, "tilt": self.tilt, "zoom": self.zoom}}
        if verb == "ptz.power":
            return {"ok": True, "result": {}}
        return {"ok": False, "error": {"code": "unknown_verb", "message": f"unknown verb {verb!r}"}}

    async def on_meeting(self, p: w.Publish) -> None:
        """Run the pre-meeting checks at T-30/T-5; an offset already passed runs now (catch-up)."""
        if not p.payload:
            return
        try:
            m = json.loads(p.payload)
            start = datetime.fromisoformat(str(m["start"]))
            patterns = list(m.get("rooms") or [])
        except (ValueError, KeyError, TypeError):
            return
        if not any(_matches(pat, self.district, self.room) for pat in patterns):
            return
        meeting = {"id": m.get("id"), "title": m.get("title"), "start": m.get("start")}
        for offset in sorted(self.fleet.s.offsets_min, reverse=True):
            key = (str(m.get("id")), offset)
            due = start - timedelta(minutes=offset)
            wait = (due - datetime.now(UTC)).total_seconds()
            if key in self.meetings_done or wait < -offset * 60:
                continue
            self.meetings_done.add(key)
            # Spread the rooms a little so the meeting view visibly fills in.
            await asyncio.sleep(max(wait, 0) + self.rng.uniform(0.2, 3.0))
            self.readiness("schedule", meeting)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def go_silent(self) -> None:
        """Go quiet but keep the TCP socket open: the broker must notice by keepalive."""
        self.silent = True
        if self.transport is not None:
            self.transport.pause_reading()


def _matches(pattern: str, district: str, room: str) -> bool:
    if pattern == "*":
        return True
    d, _, r = pattern.partition("/")
    return d in ("*", district) and r in ("*", room)


class Fleet:
    """Many SimRooms on one event loop; run it in the foreground or on a thread."""

    def __init__(self, settings: FleetSettings) -> None:
        self.s = settings
        self.rooms = [SimRoom(self, d, r, n) for d, r, n in room_names(settings.rooms)]
        self.published = 0
        self.acked = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.failed: list[str] = []
        self.stopping = False

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, duration_s: float = 0, on_ready: Callable[[], None] | None = None) -> None:
        """Connect every room (a few at a time), then keep running until stopped or `duration_s`."""
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        sem = asyncio.Semaphore(64)

        async def start(room: SimRoom) -> None:
            async with sem:
                try:
                    await room.run()
                except (OSError, TimeoutError) as exc:
                    self.failed.append(f"{room.room}: {exc or type(exc).__name__}")

        await asyncio.gather(*(start(r) for r in self.rooms))
        self._ready.set()
        if on_ready:
            on_ready()
        try:
            if duration_s:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), duration_s)
            else:
                await self._stop.wait()
        finally:
            self.stopping = True
            for room in self.rooms:
                for task in room.tasks:
                    task.cancel()
                room.send(w.disconnect())  # clean: the broker drops the Will, as a real agent would
                if room.transport is not None:
                    room.transport.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0.05)

    # -------------------------------------------------------- thread-side helpers (tests, bench)

    def start(self, timeout: float = 60.0) -> None:
        """Run the fleet on a background thread; return when every room has connected."""
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.run()), name="sim-fleet", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            msg = "simulated fleet did not connect in time"
            raise TimeoutError(msg)

    def stop(self) -> None:
        """Stop the fleet (clean disconnects) and join its thread."""
        if self.loop is not None and self._stop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def call(self, fn: Callable[[], Any]) -> None:
        """Run `fn` on the fleet's loop (thread-safe)."""
        assert self.loop is not None
        self.loop.call_soon_threadsafe(fn)

    def kill(self, room: str, *, silent: bool = True) -> None:
        """Make a room vanish: silently (the broker finds out by keepalive) or by a reset."""
        target = next(r for r in self.rooms if r.room == room)
        self.call(target.go_silent if silent else target.abort)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options of `sim fleet`."""
    p.add_argument("--rooms", type=int, default=217, help=t("fleet.opt.rooms"))
    p.add_argument(
        "--broker", default="127.0.0.1:1883", metavar="HOST:PORT", help=t("fleet.opt.broker")
    )
    p.add_argument("--province", default="son-la", help=t("fleet.opt.province"))
    p.add_argument(
        "--interval", type=float, default=60.0, metavar="S", help=t("fleet.opt.interval")
    )
    p.add_argument("--fault-rate", type=float, default=0.1, help=t("fleet.opt.fault_rate"))
    p.add_argument("--keepalive", type=int, default=30, metavar="S", help=t("fleet.opt.keepalive"))
    p.add_argument("--duration", type=float, default=0, metavar="S", help=t("fleet.opt.duration"))


def main(args: argparse.Namespace) -> int:
    """Run the simulated fleet until Ctrl-C (or --duration)."""
    hp = parse_host_port(args.broker)
    if hp is None or not 1 <= args.rooms <= 100_000 or not 0 <= args.fault_rate <= 1:
        raise UsageError(
            t("config.allowed.host_port") if hp is None else "--rooms 1..100000, --fault-rate 0..1"
        )
    settings = FleetSettings(
        host=hp[0],
        port=hp[1],
        rooms=args.rooms,
        province=args.province,
        interval_s=args.interval,
        fault_rate=args.fault_rate,
        keepalive_s=args.keepalive,
    )
    fleet = Fleet(settings)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: fleet._stop.set() if fleet._stop else None)

        def ready() -> None:
            if fleet.failed:
                print(
                    t(
                        "fleet.connect_failed",
                        n=len(fleet.failed),
                        broker=args.broker,
                        error=fleet.failed[0],
                    )
                )
            print(
                t(
                    "fleet.started",
                    n=len(fleet.rooms) - len(fleet.failed),
                    province=args.province,
                    broker=args.broker,
                )
            )

        await fleet.run(args.duration, ready)

    started = time.monotonic()
    asyncio.run(run())
    log.info("fleet ran %.0f s, %d publishes", time.monotonic() - started, fleet.published)
    return 1 if len(fleet.failed) == len(fleet.rooms) else 0
