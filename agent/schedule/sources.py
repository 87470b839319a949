"""Meetings from every source, read one way for the daemon and `hnth-agent schedule`.

Sources: retained hnth.meeting/1 messages (fed in by whoever holds the MQTT link), one
calendar (a file, or an http(s) URL with its last good copy kept in the state dir), and the
weekly slots of the config. Problems go to one callback as (event kind, message): once when a
calendar goes bad, once when it recovers.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from agent.schedule.calendar import CalendarRead, read_calendar
from agent.schedule.core import (
    Meeting,
    ScheduleError,
    meeting_from_message,
    parse_meeting_message,
    takes_part,
    weekly_meetings,
)
from agent.schedule.fetch import FetchError, fetch, is_url

if TYPE_CHECKING:
    from agent.config import Config

log = logging.getLogger(__name__)

WINDOW: Final = timedelta(days=14)  # how far ahead the daemon expands calendars
LOOKBACK: Final = timedelta(days=1)  # meetings in progress still count
SLACK: Final = timedelta(days=1)
REEXPAND_S: Final = 3600.0  # a calendar that does not change still moves with the clock
CACHE_NAME: Final = "calendar-cache"

Notify = Callable[[str, str], None]


class CalendarSource:
    """One calendar, a path or a URL: the last good copy, its meetings and its health."""

    def __init__(
        self,
        location: str,
        *,
        default_tz: ZoneInfo,
        state_dir: str,
        refresh_s: float,
        timeout_s: float,
        max_bytes: int,
        notify: Notify,
    ) -> None:
        self.location = location
        self.url = is_url(location)
        self._tz = default_tz
        self._state = Path(state_dir)
        self._refresh_s = refresh_s
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._notify = notify
        self._lock = threading.Lock()
        self._body: bytes | None = None
        self._etag: str | None = None
        self._modified: str | None = None
        self._stamp: tuple[float, int] | None = None
        self._failing: str | None = None  # the event kind of the current outage
        self._next_fetch = 0.0
        self._expanded: tuple[datetime, datetime, float, CalendarRead] | None = None
        if self.url:
            self._load_cache()

    # ---------------------------------------------------------------- public

    def due(self) -> bool:
        """True when a refresh would do something now (files: always cheap; URLs: interval)."""
        return not self.url or time.monotonic() >= self._next_fetch

    def refresh(self, now: datetime) -> None:
        """Re-read the file if it changed, or fetch the URL if its interval passed."""
        if self.url:
            if self.due():
                self._next_fetch = time.monotonic() + self._refresh_s
                self._refresh_url(now)
        else:
            self._refresh_file(now)

    def meetings(self, start: datetime, end: datetime) -> list[Meeting]:
        """Return the last good copy's meetings overlapping [start, end]."""
        with self._lock:
            body = self._body
            cached = self._expanded
        if body is None:
            return []
        if (
            cached is not None
            and cached[0] <= start
            and end <= cached[1]
            and time.monotonic() - cached[2] < REEXPAND_S
        ):
            read = cached[3]
        else:
            # A day of slack, so the daemon's window, moving with the clock, reuses this.
            window = (start, end + SLACK)
            try:
                read = read_calendar(body, default_tz=self._tz, window=window)
            except ScheduleError as exc:
                log.warning("calendar %s: %s", self.location, exc)
                return []
            with self._lock:
                if self._body is body:
                    self._expanded = (*window, time.monotonic(), read)
        return [m for m in read.meetings if m.end > start and m.start <= end]

    # ---------------------------------------------------------------- private

    def _refresh_file(self, now: datetime) -> None:
        path = Path(self.location)
        try:
            st = path.stat()
        except OSError as exc:
            self._stamp = None
            self._fail("schedule.ics_missing", f"{path}: {exc.strerror}")
            return
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        if st.st_size > self._max_bytes:
            self._fail(
                "schedule.ics_invalid",
                f"{path}: {st.st_size} bytes, more than the {self._max_bytes} allowed",
            )
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            self._fail("schedule.ics_missing", f"{path}: {exc.strerror}")
            return
        self._accept(data, now)

    def _refresh_url(self, now: datetime) -> None:
        try:
            got = fetch(
                self.location,
                timeout_s=self._timeout_s,
                max_bytes=self._max_bytes,
                etag=self._etag if self._body is not None else None,
                last_modified=self._modified if self._body is not None else None,
            )
        except FetchError as exc:
            self._fail("schedule.ics_fetch_failed", str(exc))
            return
        if got.body is None:
            log.debug("calendar %s not modified", self.location)
            self._recovered()
            return
        if self._accept(got.body, now):
            self._etag, self._modified = got.etag, got.last_modified
            self._save_cache(got.body)

    def _accept(self, data: bytes, now: datetime) -> bool:
        """Validate new calendar bytes; make them the last good copy, or report them."""
        try:
            window = (now - LOOKBACK, now + WINDOW + SLACK)
            read = read_calendar(data, default_tz=self._tz, window=window)
        except ScheduleError as exc:
            self._fail("schedule.ics_invalid", f"{self.location}: {exc}")
            return False
        with self._lock:
            self._body = data
            self._expanded = (*window, time.monotonic(), read)
        log.info(
            "calendar %s: %d meetings in the next %d days",
            self.location,
            len(read.meetings),
            WINDOW.days,
        )
        if read.all_day:
            log.info("calendar %s: %d all-day events ignored", self.location, read.all_day)
        if read.skipped:
            log.warning("calendar %s: events not expanded: %s", self.location, read.skipped)
        if read.truncated:
            log.warning(
                "calendar %s: only the first %d meetings kept", self.location, len(read.meetings)
            )
        self._recovered()
        return True

    def _fail(self, kind: str, message: str) -> None:
        if self._failing is None:
            self._failing = kind
            self._notify(kind, message)
        else:
            log.info("%s (still failing): %s", kind, message)

    def _recovered(self) -> None:
        if self._failing is not None:
            self._failing = None
            self._notify("schedule.ics_recovered", f"{self.location}: calendar read again")

    def _cache_paths(self) -> tuple[Path, Path]:
        return self._state / f"{CACHE_NAME}.ics", self._state / f"{CACHE_NAME}.json"

    def _load_cache(self) -> None:
        body_path, meta_path = self._cache_paths()
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or meta.get("url") != self.location:
                return
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return
        self._body = body
        self._etag = meta.get("etag") if isinstance(meta.get("etag"), str) else None
        modified = meta.get("last_modified")
        self._modified = modified if isinstance(modified, str) else None
        log.info("calendar %s: using the copy kept in %s", self.location, body_path)

    def _save_cache(self, body: bytes) -> None:
        body_path, meta_path = self._cache_paths()
        meta = {"url": self.location, "etag": self._etag, "last_modified": self._modified}
        try:
            self._state.mkdir(parents=True, exist_ok=True)
            for path, data in ((body_path, body), (meta_path, json.dumps(meta).encode())):
                tmp = path.with_suffix(path.suffix + ".tmp")
                tmp.write_bytes(data)
                tmp.replace(path)
        except OSError as exc:
            log.warning("cannot keep the calendar copy in %s: %s", self._state, exc)


class MeetingBook:
    """The merged meeting list: MQTT schedule messages, the calendar and weekly slots."""

    def __init__(self, config: Config, on_problem: Notify) -> None:
        self._lock = threading.Lock()
        self._mqtt: dict[str, Meeting] = {}
        self._config = config
        self._on_problem = on_problem
        self._calendar = _calendar_source(config, on_problem)
        self._fetching: threading.Thread | None = None

    def reconfigure(self, config: Config) -> None:
        """Apply a reloaded config (a new calendar setting is read on the next refresh)."""
        with self._lock:
            if _calendar_key(config) != _calendar_key(self._config):
                self._calendar = _calendar_source(config, self._on_problem)
            self._config = config

    def on_message(self, meeting_id: str, payload: bytes) -> None:
        """Apply a retained hnth.meeting/1 message; an empty payload cancels the meeting."""
        try:
            data = parse_meeting_message(meeting_id, payload)
            if data is None:
                with self._lock:
                    self._mqtt.pop(meeting_id, None)
                log.info("meeting %s cancelled", meeting_id)
                return
            meeting = meeting_from_message(meeting_id, data)
        except ScheduleError as exc:
            self._on_problem("schedule.invalid", str(exc))
            return
        room = self._config.room
        if not takes_part(data, meeting_id, room.id, [g.id for g in room.all_groups]):
            with self._lock:
                self._mqtt.pop(meeting_id, None)
            return
        with self._lock:
            self._mqtt[meeting_id] = meeting
        log.info("meeting %s %r at %s", meeting.id, meeting.title, meeting.start.isoformat())

    def refresh_ics(self, now: datetime, *, block: bool = False) -> None:
        """Refresh the calendar; a URL is fetched in the background unless `block`."""
        source = self._calendar
        if source is None or not source.due():
            return
        if not source.url or block:
            source.refresh(now)
            return
        if self._fetching is not None and self._fetching.is_alive():
            return
        # A slow calendar server must not hold up the main loop (checks, watchdog).
        self._fetching = threading.Thread(
            target=source.refresh, args=(now,), name="calendar-fetch", daemon=True
        )
        self._fetching.start()

    def meetings(self, now: datetime, horizon: timedelta = WINDOW) -> list[Meeting]:
        """Return every known meeting of this room from `now - 1 day` to `now + horizon`."""
        tz = ZoneInfo(self._config.schedule.timezone)
        weekly = weekly_meetings(self._config.schedule.weekly, now, tz, horizon.days + 1)
        source = self._calendar
        calendar = source.meetings(now - LOOKBACK, now + horizon) if source else []
        with self._lock:
            return [*self._mqtt.values(), *calendar, *weekly]


def _calendar_key(config: Config) -> tuple[object, ...]:
    s = config.schedule
    return (s.ics_file, s.ics_refresh_min, s.ics_timeout_s, s.ics_max_kb, s.timezone)


def _calendar_source(config: Config, notify: Notify) -> CalendarSource | None:
    s = config.schedule
    if not s.ics_file:
        return None
    return CalendarSource(
        s.ics_file,
        default_tz=ZoneInfo(s.timezone),
        state_dir=config.agent.state_dir,
        refresh_s=s.ics_refresh_min * 60,
        timeout_s=s.ics_timeout_s,
        max_bytes=s.ics_max_kb * 1024,
        notify=notify,
    )


def read_retained(config: Config, book: MeetingBook, timeout_s: float) -> str | None:
    """Feed the broker's retained schedule messages into `book`; return why not, or None."""
    from agent.contract.topics import schedule_filter
    from agent.errors import AgentError
    from agent.mqtt.client import MqttClient
    from agent.mqtt.link import client_settings

    try:
        settings = client_settings(config, client_id=f"{config.room.id}-schedule")
    except AgentError as exc:
        return exc.message
    client = MqttClient(settings)
    client.start()
    try:
        if not client.wait_connected(timeout_s):
            return client.failure_text() or f"no connection within {timeout_s:g} s"
        topic_filter = schedule_filter(config.room.province)
        codes = client.subscribe(topic_filter, timeout=timeout_s)
        if not codes or codes[0] >= 128:
            return f"subscription to {topic_filter} refused ({codes})"
        # Retained messages follow the SUBACK at once; a short quiet spell means all arrived.
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            msg = client.get_message(0.5)
            if msg is None:
                break
            book.on_message(msg.topic.rsplit("/", 1)[-1], msg.payload)
    finally:
        client.stop()
    return None


__all__ = ["WINDOW", "CalendarSource", "MeetingBook", "read_retained"]
