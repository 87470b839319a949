"""Service: the wire side. Reads frames off the pty, paces both directions at the baud rate.

A pty moves bytes at once; a real 2400-baud line takes 10 bits (8N1) per byte, 4.17 ms.
So a frame counts as arrived only when its last byte would have, and answers leave one
byte at a time at the same pace.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent.pelco.emulator.links import PtyLink
from agent.pelco.emulator.usecases import Fault
from agent.pelco.protocol import Frame, Garbage, Parser, PelcoRemoteError, hexs

if TYPE_CHECKING:
    from agent.pelco.emulator import Emulator

log = logging.getLogger(__name__)

BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit
# A camera's microcontroller answers a query a little after the frame's last byte.
ANSWER_DELAY_S = 0.002


class Service:
    """Serve one pty: parse frames, hand them to the state, send the answers paced."""

    def __init__(self, emulator: Emulator, link: PtyLink) -> None:
        self.emulator = emulator
        self.link = link
        self._parser = Parser(emulator.variant)
        self._heap: list[tuple[float, int, bytes]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._line_free_at = 0.0  # when the controller's bytes so far have all arrived
        self._out_free_at = 0.0  # when our bytes so far have all left
        self._threads = [
            threading.Thread(target=self._guard(self._read_loop), name="pelco-sim-rx", daemon=True),
            threading.Thread(
                target=self._guard(self._write_loop), name="pelco-sim-tx", daemon=True
            ),
        ]

    @property
    def byte_s(self) -> float:
        """Seconds per byte on the emulated line (0 when unpaced)."""
        baud = self.emulator.baud
        return BITS_PER_BYTE / baud if baud else 0.0

    def start(self) -> None:
        """Start the reader and writer threads."""
        for th in self._threads:
            th.start()

    def stop(self) -> None:
        """Stop both threads and wait for them."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for th in self._threads:
            if th.is_alive() and th is not threading.current_thread():
                th.join(timeout=2.0)

    def schedule(self, due: float, data: bytes) -> None:
        """Queue bytes to go out at `due`, after anything queued earlier."""
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._seq), data))
            self._cond.notify_all()

    def _guard(self, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception:
                # A dead emulator thread would look like a silent camera: say so loudly.
                log.exception("Pelco emulator thread crashed")
                self.emulator.errors.append(sys.exc_info()[1])

        return run

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
            item = None
            with self._cond:
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    item = heapq.heappop(self._heap)
                else:
                    wait = self._heap[0][0] - now if self._heap else 0.5
                    self._cond.wait(max(wait, 0.0))
            if item is not None and item[2]:
                self._transmit(item[2])

    def _transmit(self, data: bytes) -> None:
        log.debug("sim → %s", hexs(data))
        bs = self.byte_s
        if not bs:
            self.link.send(data)
            return
        # Pace like a UART: byte i is complete at start + (i + 1) × byte time.
        t_next = max(time.monotonic(), self._out_free_at)
        for b in data:
            t_next += bs
            delay = t_next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.link.send(bytes([b]))
        self._out_free_at = t_next
