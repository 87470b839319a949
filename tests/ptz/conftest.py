"""The PTZ rigs: the Pelco emulator on a real pty (from tests/pelco) and shared-client cleanup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent import ptz
from tests.pelco.conftest import pelco_emulator, pelco_factory

__all__ = ["close_shared_cameras", "pelco_emulator", "pelco_factory"]


@pytest.fixture(autouse=True)
def close_shared_cameras() -> Iterator[None]:
    """Every shared camera a test (or the check it runs) opened is closed afterwards."""
    yield
    ptz.close_shared()
