"""`hnth-agent sim fleet`: many lightweight simulated rooms speaking the MQTT contract.

Each room holds its own MQTT connection with its own retained Will, so central sees real
online/offline behaviour; all rooms share one asyncio loop (agent.sim.mqttwire is the codec).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from agent.contract.groups import Group
from agent.sim import mqttwire as w
from agent.sim.fleet.cli import add_arguments, main
from agent.sim.fleet.room import SimRoom

__all__ = ["Fleet", "FleetSettings", "SimRoom", "add_arguments", "main", "room_names"]

# Son La's former districts: since July 2025 they are labels (groups), not a tier.
DISTRICTS: Final = (
    ("moc-chau", "Mộc Châu"),
    ("yen-chau", "Yên Châu"),
    ("mai-son", "Mai Sơn"),
    ("song-ma", "Sông Mã"),
    ("sop-cop", "Sốp Cộp"),
    ("thuan-chau", "Thuận Châu"),
    ("quynh-nhai", "Quỳnh Nhai"),
    ("muong-la", "Mường La"),
    ("bac-yen", "Bắc Yên"),
    ("phu-yen", "Phù Yên"),
    ("van-ho", "Vân Hồ"),
    ("tp-son-la", "TP Sơn La"),
)


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
    v1_rooms: int = 0  # how many rooms (the last ones) still speak contract v1


def room_names(n: int) -> list[tuple[str, str, Group | None]]:
    """Return n (room id, name, group) spread over the former districts; room 0 is the hall."""
    out: list[tuple[str, str, Group | None]] = [("ubnd-tinh", "Hội trường UBND tỉnh", None)]
    for i in range(1, n):
        gid, gname = DISTRICTS[(i - 1) % len(DISTRICTS)]
        k = (i - 1) // len(DISTRICTS) + 1
        out.append((f"{gid}-xa-{k:03d}", f"UBND xã {k:03d} ({gname})", Group(gid, gname)))
    return out[:n]


class Fleet:
    """Many SimRooms on one event loop; run it in the foreground or on a thread."""

    def __init__(self, settings: FleetSettings) -> None:
        self.s = settings
        names = room_names(settings.rooms)
        first_v1 = len(names) - settings.v1_rooms
        self.rooms = [SimRoom(self, r, n, g, v1=i >= first_v1) for i, (r, n, g) in enumerate(names)]
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
