"""Fixtures of the schedule tests: a local calendar publisher."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.schedule.server import CalendarServer, serving


@pytest.fixture
def calendar_server() -> Iterator[CalendarServer]:
    """A calendar publisher on a free 127.0.0.1 port, stopped at teardown."""
    with serving() as server:
        yield server
