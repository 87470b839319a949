"""Calendar sources: a file or a URL that changes, goes down and comes back.

The publisher is a real HTTP server on 127.0.0.1 (tests/schedule/server.py); the source is
the one the daemon and `hnth-agent schedule` use (agent.schedule.CalendarSource/MeetingBook).
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent import config as config_mod
from agent.schedule import CalendarSource, MeetingBook
from tests.schedule.calendars import NOW, version

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime.fromisoformat(NOW)


class Events:
    """The notify callback: (kind, message) in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def __call__(self, kind: str, message: str) -> None:
        self.items.append((kind, message))

    def kinds(self) -> list[str]:
        return [k for k, _ in self.items]


def source(location: str, state_dir, events: Events, timeout_s: float = 1.0) -> CalendarSource:
    return CalendarSource(
        location,
        default_tz=HCM,
        state_dir=str(state_dir),
        refresh_s=0.0,
        timeout_s=timeout_s,
        max_bytes=5 * 1024 * 1024,
        notify=events,
    )


def titles(src: CalendarSource) -> list[str]:
    return [m.title for m in src.meetings(T0 - timedelta(days=1), T0 + timedelta(days=14))]


def test_url_follows_changes_uses_304_and_survives_the_outage(calendar_server, tmp_path):
    server = calendar_server
    events = Events()
    server.publish(version(1), '"v1"')
    src = source(server.url, tmp_path / "state", events, timeout_s=0.5)
    src.refresh(T0)
    assert titles(src) == ["v1"]
    assert server.seen("If-None-Match") == [None]

    src.refresh(T0)  # unchanged: a conditional request, answered 304
    assert server.seen("If-None-Match") == [None, '"v1"']
    assert server.state.answers[-1] == 304
    assert titles(src) == ["v1"]

    server.publish(version(2), '"v2"')
    src.refresh(T0)
    assert titles(src) == ["v2"]  # the schedule follows the calendar

    # Down in every way a link goes down: the last good schedule stays, one event in all.
    for mode in ("404", "html", "text", "slow", "big", "stream"):
        server.state.mode = mode
        src.refresh(T0)
        assert titles(src) == ["v2"], mode
    server.down()
    src.refresh(T0)
    assert titles(src) == ["v2"]
    assert events.kinds() == ["schedule.ics_fetch_failed"]
    assert "HTTP 404" in events.items[0][1]

    # A restart while the link is down: the copy kept in the state dir is the schedule.
    restarted = source(server.url, tmp_path / "state", Events(), timeout_s=0.5)
    restarted.refresh(T0)
    assert titles(restarted) == ["v2"]

    server.publish(version(3), '"v3"')
    server.up()
    src.refresh(T0)
    assert titles(src) == ["v3"]
    assert events.kinds() == ["schedule.ics_fetch_failed", "schedule.ics_recovered"]
    src.refresh(T0)
    assert events.kinds() == ["schedule.ics_fetch_failed", "schedule.ics_recovered"]


@pytest.mark.parametrize(
    ("mode", "kind", "needle"),
    [
        ("404", "schedule.ics_fetch_failed", "HTTP 404"),
        ("html", "schedule.ics_fetch_failed", "web page (HTML)"),
        ("text", "schedule.ics_invalid", "not an iCalendar file"),
        ("slow", "schedule.ics_fetch_failed", "within 0.5 s"),
        ("big", "schedule.ics_fetch_failed", "more than the"),
        ("stream", "schedule.ics_fetch_failed", "more than the"),
        ("refused", "schedule.ics_fetch_failed", "connection refused"),
    ],
)
def test_each_failure_is_one_clear_event_then_one_recovery(
    calendar_server, tmp_path, mode, kind, needle
):
    server = calendar_server
    events = Events()
    server.publish(version(1), '"v1"')
    src = source(server.url, tmp_path, events, timeout_s=0.5)
    src.refresh(T0)
    if mode == "refused":
        server.down()
    else:
        server.state.mode = mode
    t0 = time.monotonic()
    src.refresh(T0)
    src.refresh(T0)
    assert time.monotonic() - t0 < 5  # the timeout holds; a 50 MB body is not read
    assert titles(src) == ["v1"]
    assert len(events.items) == 1, events.items
    assert events.items[0][0] == kind
    assert needle in events.items[0][1]
    assert server.url in events.items[0][1]
    if mode == "refused":
        server.up()
    server.publish(version(2), '"v2"')
    src.refresh(T0)
    assert titles(src) == ["v2"]
    assert events.kinds() == [kind, "schedule.ics_recovered"]


def test_a_file_that_breaks_vanishes_and_comes_back(tmp_path):
    path = tmp_path / "meetings.ics"
    path.write_bytes(version(1))
    events = Events()
    src = source(str(path), tmp_path / "state", events)
    src.refresh(T0)
    assert titles(src) == ["v1"]

    path.write_bytes(b"<html>oops</html>")
    os.utime(path, (time.time() + 5, time.time() + 5))
    src.refresh(T0)
    assert titles(src) == ["v1"]
    path.unlink()
    src.refresh(T0)
    assert titles(src) == ["v1"]
    assert events.kinds() == ["schedule.ics_invalid"]

    path.write_bytes(version(2))
    src.refresh(T0)
    assert titles(src) == ["v2"]
    assert events.kinds() == ["schedule.ics_invalid", "schedule.ics_recovered"]


def test_a_missing_file_is_reported_once(tmp_path):
    events = Events()
    src = source(str(tmp_path / "nowhere.ics"), tmp_path, events)
    src.refresh(T0)
    src.refresh(T0)
    assert events.kinds() == ["schedule.ics_missing"]
    assert titles(src) == []


def test_the_daemon_fetches_in_the_background(calendar_server, tmp_path):
    server = calendar_server
    server.publish(version(1), '"v1"')
    server.state.mode = "slow"
    server.state.delay_s = 1.5
    cfg = config_mod.loads(
        f'[agent]\nstate_dir = "{tmp_path}"\n[schedule]\nics_file = "{server.url}"\n'
        "ics_timeout_s = 5\n"
    )
    events = Events()
    book = MeetingBook(cfg, events)
    t0 = time.monotonic()
    book.refresh_ics(T0)
    assert time.monotonic() - t0 < 0.5  # the main loop is not held up by a slow server
    deadline = time.monotonic() + 10
    while not book.meetings(T0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.title for m in book.meetings(T0)] == ["v1"]
    assert events.items == []


def test_a_50_mb_calendar_file_is_refused_unread(tmp_path):
    path = tmp_path / "huge.ics"
    path.write_bytes(version(1))
    events = Events()
    src = source(str(path), tmp_path / "state", events)
    src.refresh(T0)
    with path.open("r+b") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: the test writes nothing like 50 MB
    t0 = time.monotonic()
    src.refresh(T0)
    assert time.monotonic() - t0 < 1
    assert events.kinds() == ["schedule.ics_invalid"]
    assert "more than the" in events.items[0][1]
    assert titles(src) == ["v1"]
