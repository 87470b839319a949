"""The Pelco rig: a real emulated camera behind a real pty, paced at its baud rate.

- `pelco_factory(**opts)` → a started `Emulator` (options as its constructor: `variant`,
  `address`, `baud`, `model`, `faults`) on a pty reached through a stable symlink in the
  test's temp dir (`emu.path`; it survives `usecases.disconnect()` / `reconnect()`).
  Every emulator is closed at teardown, and a crashed emulator thread fails the test.
- `pelco_emulator`: Pelco-D, address 1, 9600 baud (short tests), motion 20× faster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.pelco.emulator import Emulator


@pytest.fixture
def pelco_factory(tmp_path: Path) -> Iterator[Callable[..., Emulator]]:
    made: list[Emulator] = []

    def make(**opts: Any) -> Emulator:
        emu = Emulator(link=str(tmp_path / f"ttyPELCO{len(made)}"), **opts)
        made.append(emu)
        return emu.start()

    yield make
    for emu in made:
        emu.close()
    crashed = [e for emu in made for e in emu.errors]
    assert not crashed, f"an emulator thread crashed: {crashed}"


@pytest.fixture
def pelco_emulator(pelco_factory: Callable[..., Emulator]) -> Emulator:
    emu = pelco_factory(baud=9600)
    emu.usecases.set_motion_scale(20)
    return emu
