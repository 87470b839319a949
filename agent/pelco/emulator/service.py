"""Service: the wire side. Reads frames off the pty, paces both directions at the baud rate.

A pty moves bytes at once; a real 2400-baud line takes 10 bits (8N1) per byte, 4.17 ms.
So a frame counts as arrived only when its last byte would have, and answers leave one
byte at a time at the same pace.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from agent.pelco.emulator.links import PtyLink
from agent.pelco.emulator.usecases import Fault
from agent.pelco.protocol import Frame, Garbage, Parser, PelcoRemoteError, hexs
from agent.ptz_emulator import BITS_PER_BYTE, PacedService

if TYPE_CHECKING:
    from agent.pelco.emulator import Emulator

log = logging.getLogger(__name__)

# A camera's microcontroller answers a query a little after the frame's last byte.
ANSWER_DELAY_S = 0.002


class Service(PacedService):
    """Serve one pty: parse frames, hand them to the state, send the answers paced."""

    protocol_name = "Pelco"
    _log = log

    def __init__(self, emulator: Emulator, link: PtyLink) -> None:
        super().__init__(emulator, link.label)
        self.emulator: Emulator = emulator
        self.link = link
        self._parser = Parser(emulator.variant)

    @property
    def byte_s(self) -> float:
        """Seconds per byte on the emulated line (0 when unpaced)."""
        baud = self.emulator.baud
        return BITS_PER_BYTE / baud if baud else 0.0

    def schedule(self, due: float, data: bytes) -> None:
        """Queue bytes to go out at `due`, after anything queued earlier."""
        self._push(due, data, None, late=False)

    # ---- receive side
    def _read_loop(self) -> None:
        while not self._stop.is_set():
            data = self.link.recv(0.05)
            if data:
                self._on_bytes(data, time.monotonic())

    def _on_bytes(self, data: bytes, now: float) -> None:
        emu = self.emulator
        emu.received_bytes += len(data)
        bs = self.byte_s
        start = max(now, self._line_free_at)
        consumed = -self._parser.buffered  # bytes of an earlier read were on the line already
        self._parser.receive_data(data)
        while True:
            before = self._parser.buffered
            try:
                item = self._parser.next_event()
            except PelcoRemoteError as exc:
                emu.bad_frames += 1
                consumed += before - self._parser.buffered
                log.debug("sim: %s", exc)
                continue
            if item is None:
                break
            consumed += before - self._parser.buffered
            if isinstance(item, Garbage):
                log.debug("sim skipped %s", hexs(item.data))
                continue
            self._on_frame(item, start + max(consumed, 0) * bs)
        self._line_free_at = start + len(data) * bs

    def _on_frame(self, frame: Frame, arrival: float) -> None:
        emu = self.emulator
        emu.frames.append((arrival, frame))
        log.debug("sim ← %s", hexs(frame.to_bytes()))
        if frame.address != emu.state.address:
            return  # another camera on the bus
        with emu.lock:
            answers = emu.state.handle(frame, arrival)
        for answer in answers:
            self.schedule(arrival + ANSWER_DELAY_S, self._spoil(answer))

    def _spoil(self, answer: Frame) -> bytes:
        faults = self.emulator.faults.take()
        if Fault.SILENT in faults:
            return b""
        if Fault.WRONG_ADDRESS in faults:
            hi = 255 if answer.variant.value == "d" else 256
            answer = Frame(
                answer.variant,
                answer.address % hi + 1,
                answer.word1,
                answer.word2,
                answer.data1,
                answer.data2,
            )
        data = answer.to_bytes()
        if Fault.BAD_CHECKSUM in faults:
            data = data[:-1] + bytes([(data[-1] + 1) & 0xFF])
        if Fault.GARBAGE in faults:
            rng = self.emulator.faults.rng
            data = bytes(rng.randrange(0x00, 0x80) for _ in range(rng.randrange(1, 6))) + data
        return data

    # ---- send side
    def _write_loop(self) -> None:
        while not self._stop.is_set():
            item = self._next_due()
            if item is not None and item[0]:
                log.debug("sim → %s", hexs(item[0]))
                self._send_paced(item[0], self.byte_s, self.link.send)
