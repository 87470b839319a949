"""A small iCalendar (RFC 5545) reader: VEVENTs with DTSTART/DTEND/DURATION and simple RRULEs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.schedule import Meeting, ScheduleError, Source

_DURATION_RE: Final = re.compile(
    r"([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?"
)
_WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MAX_OCCURRENCES: Final = 1000


def parse(text: str, *, default_tz: ZoneInfo, window: tuple[datetime, datetime]) -> list[Meeting]:
    """Return the meetings of an iCalendar text that start inside `window` (aware datetimes)."""
    lines = _unfold(text)
    if not lines or lines[0].upper() != "BEGIN:VCALENDAR":
        raise ScheduleError("not an iCalendar file (no BEGIN:VCALENDAR on the first line)")
    meetings: list[Meeting] = []
    cancelled: set[tuple[str, datetime]] = set()
    for event in _events(lines):
        uid = event.get("UID", ("", {}))[0] or f"ics-{len(meetings)}"
        title = _unescape(event.get("SUMMARY", ("", {}))[0])
        if "DTSTART" not in event:
            raise ScheduleError(f"event {uid}: no DTSTART")
        start = _when(*event["DTSTART"], default_tz=default_tz)
        if "DTEND" in event:
            end = _when(*event["DTEND"], default_tz=default_tz)
        elif "DURATION" in event:
            end = start + _duration(event["DURATION"][0])
        else:
            end = start + timedelta(hours=1)
        if end <= start:
            raise ScheduleError(f"event {uid}: DTEND is not after DTSTART")
        if event.get("STATUS", ("", {}))[0].upper() == "CANCELLED":
            cancelled.add((uid, start.astimezone(UTC)))
            continue
        length = end - start
        for occ in _occurrences(start, event.get("RRULE", ("", {}))[0], uid, window[1]):
            if window[0] <= occ <= window[1]:
                stamp = occ.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
                suffix = "" if occ == start else "@" + stamp
                occ_utc = occ.astimezone(UTC)
                meetings.append(Meeting(uid + suffix, title, occ_utc, occ_utc + length, Source.ICS))
    return [m for m in meetings if (m.id.split("@")[0], m.start) not in cancelled]


def _unfold(text: str) -> list[str]:
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw.startswith((" ", "\t")) and out:
            out[-1] += raw[1:]
        elif raw.strip():
            out.append(raw.rstrip())
    return out


def _events(lines: list[str]) -> Iterator[dict[str, tuple[str, dict[str, str]]]]:
    event: dict[str, tuple[str, dict[str, str]]] | None = None
    depth = 0
    for line in lines:
        upper = line.upper()
        if upper == "BEGIN:VEVENT":
            event, depth = {}, 0
            continue
        if event is None:
            continue
        if upper.startswith("BEGIN:"):
            depth += 1  # VALARM and friends: their properties are not the event's
            continue
        if upper.startswith("END:") and depth:
            depth -= 1
            continue
        if upper == "END:VEVENT":
            yield event
            event = None
            continue
        if depth:
            continue
        name, params, value = _property(line)
        event.setdefault(name, (value, params))


def _property(line: str) -> tuple[str, dict[str, str], str]:
    head, sep, value = line.partition(":")
    if not sep:
        raise ScheduleError(f"malformed line {line[:60]!r}: no ':'")
    name, *raw_params = head.split(";")
    params = {}
    for p in raw_params:
        k, _, v = p.partition("=")
        params[k.upper()] = v.strip('"')
    return name.upper(), params, value


def _when(value: str, params: dict[str, str], *, default_tz: ZoneInfo) -> datetime:
    try:
        if params.get("VALUE", "").upper() == "DATE" or re.fullmatch(r"\d{8}", value):
            d = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
            return datetime(d.year, d.month, d.day, tzinfo=default_tz)
        dt = datetime.strptime(value.rstrip("Zz"), "%Y%m%dT%H%M%S")  # noqa: DTZ007 - zone set below
    except ValueError:
        raise ScheduleError(f"bad date-time {value!r}") from None
    if value.upper().endswith("Z"):
        return dt.replace(tzinfo=UTC)
    tz = default_tz
    if "TZID" in params:
        try:
            tz = ZoneInfo(params["TZID"])
        except (ZoneInfoNotFoundError, ValueError):
            tz = _windows_zone(params["TZID"]) or default_tz
    # Kept in its own zone so weekly rules expand on local weekdays; converted to UTC by parse().
    return dt.replace(tzinfo=tz)


def _windows_zone(name: str) -> ZoneInfo | None:
    # Outlook writes Windows zone names; Vietnam's is "SE Asia Standard Time" (UTC+7, no DST).
    table = {"SE Asia Standard Time": "Asia/Ho_Chi_Minh", "UTC": "UTC"}
    return ZoneInfo(table[name]) if name in table else None


def _duration(value: str) -> timedelta:
    m = _DURATION_RE.fullmatch(value.strip())
    if not m or value.strip() in ("P", "PT"):
        raise ScheduleError(f"bad DURATION {value!r}")
    sign = -1 if m.group(1) == "-" else 1
    w, d, h, mi, s = (int(g or 0) for g in m.groups()[1:])
    return sign * timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)


def _occurrences(start: datetime, rrule: str, uid: str, until: datetime) -> Iterator[datetime]:
    """Expand FREQ=DAILY|WEEKLY with INTERVAL, COUNT, UNTIL and BYDAY; anything else: once."""
    if not rrule:
        yield start
        return
    rule = dict(part.partition("=")[::2] for part in rrule.upper().split(";") if part)
    freq = rule.get("FREQ")
    if freq not in ("DAILY", "WEEKLY"):
        yield start  # rarer rules: keep the first occurrence rather than guess
        return
    try:
        interval = int(rule.get("INTERVAL", "1"))
        count = int(rule["COUNT"]) if "COUNT" in rule else None
        stop = _when(rule["UNTIL"], {}, default_tz=ZoneInfo("UTC")) if "UNTIL" in rule else None
    except ValueError:
        raise ScheduleError(f"event {uid}: bad RRULE {rrule!r}") from None
    names = [d[-2:] for d in rule.get("BYDAY", "").split(",")]
    bydays = [_WEEKDAYS.index(d) for d in names if d in _WEEKDAYS]
    if freq == "WEEKLY" and not bydays:
        bydays = [start.weekday()]
    emitted = 0
    step = 0
    while emitted < _MAX_OCCURRENCES:
        if freq == "DAILY":
            candidates = [start + timedelta(days=step * interval)]
        else:
            week0 = start - timedelta(days=start.weekday()) + timedelta(weeks=step * interval)
            candidates = sorted(week0 + timedelta(days=d) for d in bydays)
        for occ in candidates:
            if occ < start:
                continue
            past_stop = stop is not None and occ > stop
            if past_stop or (count is not None and emitted >= count) or occ > until:
                return
            emitted += 1
            yield occ
        step += 1


def _unescape(text: str) -> str:
    return re.sub(r"\\([nN,;\\])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)
