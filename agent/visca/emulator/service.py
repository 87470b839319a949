"""The emulator's Service: the wire side of one link.

It parses requests, models the 9600-baud line in both directions and sends each reply one
video field after its packet has fully arrived.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import TYPE_CHECKING, Any

from agent.ptz_emulator import BITS_PER_BYTE, PacedService
from agent.visca.emulator.usecases import Fault
from agent.visca.framing import TERMINATOR, Garbage, PacketReader, hexs

if TYPE_CHECKING:
    from agent.visca.emulator.device import Emulator
    from agent.visca.emulator.links import Link, Route
    from agent.visca.emulator.model import Out

log = logging.getLogger(__name__)


class Service(PacedService):
    """Serve one link: parse requests, model the line timing, send replies one field later."""

    protocol_name = "VISCA"
    _log = log

    def __init__(self, emulator: Emulator, link: Link) -> None:
        super().__init__(emulator, link.label)
        self.emulator: Emulator = emulator
        self.link = link
        self._readers: dict[Any, PacketReader] = {}

    @property
    def byte_s(self) -> float:
        """Seconds per byte on the emulated line (0 when unpaced or not a serial line)."""
        baud = self.emulator.baud
        serial = self.link.stream and not self.link.ip_mode
        return BITS_PER_BYTE / baud if baud and serial else 0.0

    def reply_delay(self) -> float:
        """How long after a packet has arrived its first reply goes out: one video field."""
        emu = self.emulator
        delay = 1.0 / emu.field_hz if emu.field_hz else 0.0
        if Fault.SLOW in emu.faults.active:
            delay += emu.faults.slow_ms / 1000
        return delay

    def schedule(self, due: float, packet: bytes, route: Route, *, late: bool = False) -> None:
        """Queue a reply to go out at `due` (after earlier replies; `late` ones after any due then).

        A motion's Completion is `late`: the reader may not have queued its ACK yet.
        """
        self._push(due, packet, route, late=late)

    def wake(self) -> None:
        """Make the writer look at the motion state now."""
        with self._cond:
            self._cond.notify_all()

    # ---- receive side
    def _read_loop(self) -> None:
        while not self._stop.is_set():
            for data, route in self.link.recv(0.05):
                now = time.monotonic()
                self.emulator.received_bytes += len(data)
                if self.link.stream:
                    self._on_stream(data, route, now)
                else:
                    self._on_packet(data, route, now)

    def _on_stream(self, data: bytes, route: Route, now: float) -> None:
        reader = self._readers.setdefault(route, PacketReader())
        bs = self.byte_s
        # Bytes cross a pty at once; on a real 9600-baud line each takes 1.04 ms, so a
        # packet has arrived only once its last byte would have.
        start = max(now, self._line_free_at)
        # Bytes left from an earlier read were already on the line before `start`.
        consumed = -reader.buffered
        reader.receive_data(data)
        while True:
            before = reader.buffered
            item = reader.next_packet()
            if item is None:
                break
            consumed += before - reader.buffered
            if isinstance(item, Garbage):
                # Never silently: a packet too long for VISCA ends up here, counted and logged.
                self.emulator.skipped_bytes += len(item.data)
                log.info("emulator skipped bytes outside a packet: %s", hexs(item.data[:32]))
                continue
            self._on_packet(item, route, start + max(consumed, 0) * bs)
        self._line_free_at = start + len(data) * bs

    def _on_packet(self, packet: bytes, route: Route, arrival: float) -> None:
        emu = self.emulator
        faults = emu.faults
        if len(packet) < 3 or packet[-1] != TERMINATOR:
            return
        emu.requests.append(packet)
        log.debug("sim ← %s", hexs(packet))
        if Fault.DISCONNECT in faults.active:
            faults.active.discard(Fault.DISCONNECT)
            emu.usecases.disconnect()
            return
        if any(packet[1:].startswith(p) for p in faults.hang_prefixes):
            return
        origin = (self, route)
        outs: list[Out]
        if faults.script:
            outs = [(origin, p) for p in faults.script.popleft()]
            self._queue(outs, arrival)
        elif Fault.ERRORS in faults.active:
            addr = packet[0] & 0x07 or 1
            socket_ = 1 if packet[1:2] == b"\x01" else 0
            outs = [
                (origin, bytes([0x80 | addr << 4, 0x60 | socket_, faults.error_code, TERMINATOR]))
            ]
            self._queue(outs, arrival)
        else:
            # The replies are queued under the chain's lock, so a motion that ends at once
            # cannot have its Completion queued (by the writer) ahead of its ACK.
            with emu.chain.lock:
                outs = emu.chain.route(packet, origin, arrival, ip_mode=self.link.ip_mode)
                self._queue(outs, arrival)
        for svc in emu.services:
            svc.wake()

    def _queue(self, outs: list[Out], arrival: float) -> None:
        delay = self.reply_delay()
        for dest, reply in outs:
            dest[0].schedule(arrival + delay, reply, dest[1])

    # ---- send side
    def _write_loop(self) -> None:
        emu = self.emulator
        while not self._stop.is_set():
            busy = emu.chain.busy()  # outside _cond: the lock order is chain, then _cond
            item = self._next_due(poll_s=0.005 if busy else None)
            with emu.chain.lock:
                for (dest, reply), since in emu.chain.finished(time.monotonic()):
                    # Never ahead of the ACK, which goes out one field after `since`.
                    due = max(time.monotonic(), since + dest[0].reply_delay())
                    dest[0].schedule(due, reply, dest[1], late=True)
            if item is not None:
                self._transmit(*item)

    def _transmit(self, packet: bytes, route: Route) -> None:
        faults = self.emulator.faults
        sender = self.emulator.chain.cameras[0].model.reply_address
        if sender and self.link.ip_mode and packet[0] & 0x8F == 0x80 and packet[0] != 0x80:
            packet = bytes([0x80 | sender << 4]) + packet[1:]  # e.g. A0 41 FF for 90 41 FF
        if Fault.SILENT in faults.active:
            return
        if Fault.NO_ACK in faults.active and len(packet) == 3 and packet[1] & 0xF0 == 0x40:
            return
        data = packet
        if Fault.GARBAGE in faults.active:
            noise = bytes(
                faults.rng.randrange(0x00, 0x80) for _ in range(faults.rng.randrange(1, 6))
            )
            data = noise + data
        if Fault.DROP in faults.active:
            data = bytes(b for b in data if faults.rng.random() >= faults.drop_rate)
        log.debug("sim → %s", hexs(data))
        self._send_paced(data, self.byte_s, functools.partial(self.link.send, route=route))
