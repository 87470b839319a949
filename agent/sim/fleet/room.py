"""One simulated room: its own MQTT connection and Will, its readiness, its PTZ camera.

It speaks the contract through agent.contract, as the real agent does: v2 by default (a
`meta` birth message, topics without a district), v1 when asked (`district` set), and every
command is validated by the same code that validates the real agent's.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from agent import __version__
from agent.contract import payloads, requests, validate
from agent.contract.clock import iso, now_iso
from agent.contract.groups import Group, UnitKind
from agent.contract.names import REQUEST_ID_RE
from agent.contract.topics import Leaf, RoomTopics, Topic, parse, username
from agent.errors import AgentError, RemoteProtocolError
from agent.i18n import t
from agent.sim import mqttwire as w
from agent.sim.fleet.camera import SimCamera

if TYPE_CHECKING:
    from agent.sim.fleet import Fleet

log = logging.getLogger(__name__)

SNAPSHOT: Final = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCABaAKADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCzSUtJXzSPomFJS0laozYlJS0lbIzYUlLSVojJiUlLSVsjNhSUtJWqMmJSUtJWqM2FJS0laozYlJS0laoyYUlLSVqjNl6kpaSvkUfTsKSlpK1RmxKSlpK2RmwpKwNUuJ49QlVJpFUYwAxA6Cqn2u5/5+Jf++zXbDDtpO5xSxCTasdTSVy/2u5/5+Jf++zR9ruf+fiX/vs1oqD7mbrrsdRSVzH2u5/5+Jf++zR9quP+fiX/AL7NWqTRLqo6akrmvtVx/wA95f8Avs1JbXM7XUIaaQguAQWPPNUoWJ57nQ0lLSVaExKSlpK1RkwpKWkrVGbL1JS0lfIo+nYUlLSVqjNiUlLSVsjNnNav/wAhKb8P5CjTtLvdUkdLGAylBluQAPxPFGr/APISm/D+Qrc8JX9tHY32nzXiWEs+DFcAYbODnLHjAxx0+8cHNevT+Beh5FT42RXHgjV4Yw0YgnJONscmCPf5gBWTbaTeXUV7JHFgWS7pg52lfbB78E/ge+BW3J4d13QJzd6c/nYyu6AZbbnAyhHOfQZxj2zU+gXUl9p/ia6lCK8sG5gi7RnbJ2qyDnItMupdLm1FEBtoXCMdwzk+34j8/ritBDJcTxwxLukkYIozjJJwK7jwdaJf+E760fAEszrkru2nYuDj2PP4Vl+DtIlk8QO06ACwJ8xThvn5AHXsQTkZ+7QBgahZTadey2lwAJYjg7TkHjII+oIplp/x9w/9dF/nWt4y/wCRovP+Af8AoC1k2n/H3D/10X+dAI6akpaSkjRiUlLSVqjJhSUtJWqM2XqSlpK+RR9OwpKWkrVGbEpKWkrZGbOa1f8A5CU34fyFXND0E63FOIbyGO4jwVhcHLDuc9h9M++OKp6v/wAhKb8P5CqdevT+Beh5FT42dp4Z0fxFpuoJkCG1zmVJJQysOAcBSfmx0PHTr2qe2e1kbxa9kweFochlJILFH3EH/ez7enFcdNqd/cRNFPfXMsbdUeVmB/Amq6u6hgrEBxhgD94ZBwfxAP4VZB2Hhy+k03wZeXkYy0V2pI/vDMYI/EZFbd3NDpUscto0JfVb2LDIFB2HbuP+0Dg8/wDTTP180DuIygYhGIJXPBIzg4/E/nQzuwUMxIQYUE/dGScD8ST+NAGz4y/5Gi8/4B/6AtZNp/x9w/8AXRf50x3eSRnkYu7ElmY5JJ7k0+0/4+4f+ui/zoBHTUlLSUkaMSkpaStUZMKSlpK1Rmy9SUtJXyKPp2FJS0laozYlJS0lbIzZWm0+1nlMkkW5z1O4j+tR/wBl2X/PH/x4/wCNXaSt4zl3MHCPYpf2XZ/88f8Ax4/40f2XZ/8APH/x4/41cpK1U5dzNwj2Kf8AZdn/AM8f/Hj/AI0f2ZZ/88f/AB4/41cpK0Un3M3Fdin/AGZZ/wDPH/x4/wCNKmn2qOrrFhlOQdx/xq1SVomzNpBSUtJWqIYlJS0laoyYUlLSVqjNl6kpaSvkUfTsKSlpK1RmxKSlpK2RmwpKWkrRGTEpKWkrZGbCkpaStUZMSkpaStUZsKSlpK1RmxKSlpK1RkwpKWkrVGbP/9k="
)
CRITICAL: Final = frozenset({"camera", "microphone", "display", "network", "ptz"})
# (check, status, summary key and params, hint key): one realistic fault per line, worded by
# the agent's own catalogue so central can render it in its viewer's language.
FAULTS: Final = (
    ("camera", "fail", "camera.black", {"luma": 3}, "camera.black_hint"),
    ("microphone", "fail", "mic.silent", {"device": "room_mic"}, "mic.silent_hint"),
    (
        "network",
        "warn",
        "network.loss",
        {"loss": 12, "target": "10.0.0.1:5060"},
        "network.loss_hint",
    ),
    ("display", "fail", "display.disconnected", {"name": "HDMI-A-1"}, "display.disconnected_hint"),
)
Fault = tuple[str, str, str, dict[str, Any], str]


class SimRoom(asyncio.Protocol):
    """One simulated room: its MQTT connection, its readiness and its PTZ camera (SimCamera)."""

    def __init__(
        self, fleet: Fleet, room: str, name: str, group: Group | None, *, v1: bool = False
    ) -> None:
        self.fleet = fleet
        self.room, self.name, self.group = room, name, group
        province = fleet.s.province
        district = group.id if group is not None else "_"
        self.topics = (
            RoomTopics.v1(province, district, room) if v1 else RoomTopics.v2(province, room)
        )
        self.base = self.topics.base
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
        self.fault: Fault | None = None
        self.camera = SimCamera()
        self.tasks: list[asyncio.Task[None]] = []
        self.meetings_done: set[tuple[str, float]] = set()
        self.silent = False
        self.last_sent = 0.0
        self.sessions = 0

    @property
    def groups(self) -> tuple[Group, ...]:
        """The room's groups (its former district, as a label)."""
        return (self.group,) if self.group is not None else ()

    # -------------------------------------------------------- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        s = self.fleet.s
        v2 = self.topics.version == 2
        transport.write(
            w.connect(
                username(s.province, self.room) if v2 else self.room,
                keepalive_s=s.keepalive_s,
                will_topic=self.topics.status,
                will_payload=self.status_body("offline"),
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
        self.send(w.subscribe(self.next_id(), self.topics.cmd_filter))
        self.send(w.subscribe(self.next_id(), self.topics.schedule_filter))
        # As a real agent: on every (re)connect, meta (v2), online, then the latest readiness.
        if self.topics.version == 2:
            meta = payloads.meta(
                self.topics.id,
                name=self.name,
                unit=UnitKind.TINH if self.group is None else UnitKind.XA,
                groups=self.groups,
                agent_version=f"{__version__}+sim",
            )
            self.pub(self.topics.meta, payloads.encode(meta), retain=True)
        self.pub(self.topics.status, self.status_body("online"), retain=True)
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
        return payloads.encode(
            payloads.status(state, boot_id=self.boot_id, agent_version=f"{__version__}+sim")
        )

    def event(self, kind: str, **fields: Any) -> None:
        self.seq += 1
        body = payloads.event(kind, boot_id=self.boot_id, seq=self.seq, **fields)
        self.pub(self.topics.events, payloads.encode(body))

    def readiness(self, trigger: str, meeting: dict[str, Any] | None = None) -> dict[str, Any]:
        """Publish a readiness report, sometimes with a realistic fault; return it."""
        old = self.fault
        self.fault = (
            self.rng.choice(FAULTS) if self.rng.random() < self.fleet.s.fault_rate else None
        )
        checks = []
        for name in payloads.CHECK_NAMES:
            status, summary, hint = "pass", t("fleet.check_ok"), None
            if self.fault and self.fault[0] == name:
                status, summary, hint = (
                    self.fault[1],
                    t(self.fault[2], **self.fault[3]),
                    t(self.fault[4], **self.fault[3]),  # a hint may name what the summary does
                )
            checks.append(
                payloads.check_entry(name, status, summary, hint, {}, self.rng.randint(5, 900))
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
        body = payloads.readiness(
            room=self.topics.id,
            name=self.name,
            boot_id=self.boot_id,
            seq=self.seq,
            started_at=datetime.now(UTC),
            trigger=trigger,
            meeting=meeting,
            verdict=verdict,
            duration_ms=1830,
            checks=checks,
        )
        if self.topics.version == 1:
            body["schema"] = payloads.READINESS_V1
            body["room"]["district"] = self.topics.district
        self.pub(self.topics.readiness, payloads.encode(body), retain=True)
        if old != self.fault:
            if old:
                self.event(
                    "alert.cleared", check=old[0], status="pass", summary=t("fleet.check_ok")
                )
            if self.fault:
                summary = t(self.fault[2], **self.fault[3])
                self.event(
                    "alert.raised", check=self.fault[0], status=self.fault[1], summary=summary
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
        topic = parse(p.topic)
        if topic is None:
            return
        if topic.room is None:
            await self.on_meeting(topic, p)
            return
        verb = topic.extra if topic.leaf is Leaf.CMD else ""
        request_id = uuid.uuid4().hex
        try:
            args = json.loads(p.payload) if p.payload.strip() else {}
        except (UnicodeDecodeError, ValueError):
            args = None
        if isinstance(args, dict) and isinstance(args.get("request_id"), str):
            request_id = args["request_id"]
        elif p.correlation_data:
            request_id = p.correlation_data.decode(errors="replace")
        # The same validation as the real agent's: what it refuses, the simulation refuses.
        try:
            if args is None:
                raise requests.CommandError("invalid_json", t("mqtt.cmd.invalid_json", error="-"))
            clean = requests.validate(verb, args, requests.DEFAULT_LIMITS)
            body = payloads.response_ok(request_id, await self.execute(verb, clean))
        except AgentError as exc:
            body = payloads.response_error(request_id, exc.code, exc.message)
        if not REQUEST_ID_RE.fullmatch(request_id):
            request_id = uuid.uuid4().hex
        reply = (
            p.response_topic
            if p.response_topic and self.topics.owns_response_topic(p.response_topic)
            else self.topics.resp(request_id)
        )
        props: dict[str, Any] = (
            {"correlation_data": p.correlation_data} if p.correlation_data is not None else {}
        )
        self.pub(reply, payloads.encode(body), **props)
        self.event("command.executed", verb=verb, ok=body["ok"], request_id=request_id)

    async def execute(self, verb: str, args: dict[str, Any]) -> Any:
        """Run one validated command like a real agent with a PTZ camera would."""
        if verb == "check":
            return self.readiness("command")
        if verb == "state":
            return {"status": "online", "boot_id": self.boot_id}
        if verb == "snapshot":
            return self.snapshot()
        if verb == "ptz.move":
            await asyncio.sleep(min(args.get("duration_ms", 300), 2000) / 1000)
        if verb.startswith("ptz."):
            return self.camera.apply(verb, args)
        return self.camera.position()

    async def on_meeting(self, topic: Topic, p: w.Publish) -> None:
        """Run the pre-meeting checks at T-30/T-5; an offset already passed runs now (catch-up)."""
        if not p.payload:
            return
        try:
            m = validate.meeting(payloads.decode(p.payload), topic.extra)
        except RemoteProtocolError as exc:
            log.debug("room %s: meeting %s ignored: %s", self.room, topic.extra, exc)
            return
        if not m.selector.selects(self.room, [g.id for g in self.groups]):
            return
        meeting = {"id": m.id, "title": m.title, "start": iso(m.start)}
        for offset in sorted(self.fleet.s.offsets_min, reverse=True):
            key = (m.id, offset)
            due = m.start - timedelta(minutes=offset)
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
