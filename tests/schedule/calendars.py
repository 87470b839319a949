"""Calendars written the way Google and Outlook export them, and the meetings they must give."""

from __future__ import annotations

# "Now" for the fixture: 2026-03-01 00:00 in Vietnam; the CLI lists 120 days from it.
NOW = "2026-03-01T00:00:00+07:00"
OFFSETS = (45.0, 10.0)  # the config's pre-meeting offsets in these tests


def crlf(text: str) -> bytes:
    """RFC 5545 line ends, as every exporter writes them."""
    return text.replace("\n", "\r\n").encode()


# Google: X-WR-TIMEZONE, a VTIMEZONE block, '@' UIDs, a weekly series with a deleted
# occurrence (EXDATE), a moved one (RECURRENCE-ID) and a cancelled one (STATUS:CANCELLED),
# a monthly rule without an end, a yearly rule, RDATE, an all-day event, a cancelled event,
# a floating time. Outlook: Windows zone names, one of them with daylight saving.
GOOGLE = crlf(
    """BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:UBND tỉnh Sơn La
X-WR-TIMEZONE:Asia/Ho_Chi_Minh
BEGIN:VTIMEZONE
TZID:Asia/Ho_Chi_Minh
X-LIC-LOCATION:Asia/Ho_Chi_Minh
BEGIN:STANDARD
TZOFFSETFROM:+0700
TZOFFSETTO:+0700
TZNAME:+07
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:SE Asia Standard Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0700
TZOFFSETTO:+0700
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART;TZID=Asia/Ho_Chi_Minh:20260302T080000
DTEND;TZID=Asia/Ho_Chi_Minh:20260302T093000
RRULE:FREQ=WEEKLY;WKST=MO;COUNT=6;BYDAY=MO
EXDATE;TZID=Asia/Ho_Chi_Minh:20260309T080000
DTSTAMP:20260220T031500Z
UID:5k2v9q1r0giaoban@google.com
CREATED:20260215T020000Z
SUMMARY:Giao ban tuần của UBND tỉnh với các xã\\, phường - họp trực tuyến qua h
 ệ thống hội nghị truyền hình
STATUS:CONFIRMED
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:This is an event reminder
TRIGGER:-P0DT0H15M0S
END:VALARM
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Ho_Chi_Minh:20260317T140000
DTEND;TZID=Asia/Ho_Chi_Minh:20260317T153000
DTSTAMP:20260220T031500Z
UID:5k2v9q1r0giaoban@google.com
RECURRENCE-ID;TZID=Asia/Ho_Chi_Minh:20260316T080000
SUMMARY:Giao ban tuần (dời sang chiều thứ Ba)
STATUS:CONFIRMED
SEQUENCE:1
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Ho_Chi_Minh:20260323T080000
DTEND;TZID=Asia/Ho_Chi_Minh:20260323T093000
DTSTAMP:20260220T031500Z
UID:5k2v9q1r0giaoban@google.com
RECURRENCE-ID;TZID=Asia/Ho_Chi_Minh:20260323T080000
SUMMARY:Giao ban tuần
STATUS:CANCELLED
SEQUENCE:2
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Ho_Chi_Minh:20260106T090000
DTEND;TZID=Asia/Ho_Chi_Minh:20260106T110000
RRULE:FREQ=MONTHLY;BYDAY=1TU
UID:hop-thang-7f3a@google.com
SUMMARY:Họp thường kỳ tháng
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Ho_Chi_Minh:20240420T090000
DTEND;TZID=Asia/Ho_Chi_Minh:20240420T100000
RRULE:FREQ=YEARLY
UID:ky-niem-ngay-thanh-lap@google.com
SUMMARY:Kỷ niệm ngày thành lập
END:VEVENT
BEGIN:VEVENT
DTSTART:20260310T070000Z
DTEND:20260310T090000Z
RDATE:20260312T070000Z
UID:hoi-thao@google.com
SUMMARY:Hội thảo chuyển đổi số
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20260430
DTEND;VALUE=DATE:20260501
UID:le-30-4@google.com
SUMMARY:Nghỉ lễ 30/4
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Ho_Chi_Minh:20260311T080000
DTEND;TZID=Asia/Ho_Chi_Minh:20260311T090000
UID:da-huy@google.com
SUMMARY:Họp đã hủy
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Ho_Chi_Minh:20260220T080000
DTEND;TZID=Asia/Ho_Chi_Minh:20260220T090000
UID:da-qua@google.com
SUMMARY:Họp đã qua
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Ho_Chi_Minh:20260715T080000
DTEND;TZID=Asia/Ho_Chi_Minh:20260715T090000
UID:qua-xa@google.com
SUMMARY:Họp sau 120 ngày
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=SE Asia Standard Time:20260304T080000
DTEND;TZID=SE Asia Standard Time:20260304T100000
UID:040000008200E00074C5B7101A82E00800000000
SUMMARY:Họp UBND tỉnh (Outlook)
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=W. Europe Standard Time:20260401T100000
DTEND;TZID=W. Europe Standard Time:20260401T110000
UID:040000008200E00074C5B7101A82E00800000001
SUMMARY:Họp với đối tác Đức (Outlook)
END:VEVENT
BEGIN:VEVENT
DTSTART:20260305T140000
DTEND:20260305T150000
UID:floating-1
SUMMARY:Giờ không có múi giờ
END:VEVENT
END:VCALENDAR
"""
)

G = "5k2v9q1r0giaoban@google.com"
M = "hop-thang-7f3a@google.com"
# (id, title, start, end) in the room's zone, soonest first: exactly what `schedule` must list.
EXPECTED = [
    (f"{G}/20260302T010000Z", "giao-ban", "2026-03-02T08:00:00+07:00", "2026-03-02T09:30:00+07:00"),
    (
        f"{M}/20260303T020000Z",
        "Họp thường kỳ tháng",
        "2026-03-03T09:00:00+07:00",
        "2026-03-03T11:00:00+07:00",
    ),
    (
        "040000008200E00074C5B7101A82E00800000000",
        "Họp UBND tỉnh (Outlook)",
        "2026-03-04T08:00:00+07:00",
        "2026-03-04T10:00:00+07:00",
    ),
    (
        "floating-1",
        "Giờ không có múi giờ",
        "2026-03-05T14:00:00+07:00",
        "2026-03-05T15:00:00+07:00",
    ),
    (
        "hoi-thao@google.com/20260310T070000Z",
        "Hội thảo chuyển đổi số",
        "2026-03-10T14:00:00+07:00",
        "2026-03-10T16:00:00+07:00",
    ),
    (
        "hoi-thao@google.com/20260312T070000Z",
        "Hội thảo chuyển đổi số",
        "2026-03-12T14:00:00+07:00",
        "2026-03-12T16:00:00+07:00",
    ),
    # Moved from Monday 16 08:00: listed once, at its new time, named by its original start.
    (
        f"{G}/20260316T010000Z",
        "Giao ban tuần (dời sang chiều thứ Ba)",
        "2026-03-17T14:00:00+07:00",
        "2026-03-17T15:30:00+07:00",
    ),
    (f"{G}/20260330T010000Z", "giao-ban", "2026-03-30T08:00:00+07:00", "2026-03-30T09:30:00+07:00"),
    # W. Europe Standard Time is Europe/Berlin, on summer time (UTC+2) in April.
    (
        "040000008200E00074C5B7101A82E00800000001",
        "Họp với đối tác Đức (Outlook)",
        "2026-04-01T15:00:00+07:00",
        "2026-04-01T16:00:00+07:00",
    ),
    (f"{G}/20260406T010000Z", "giao-ban", "2026-04-06T08:00:00+07:00", "2026-04-06T09:30:00+07:00"),
    (
        f"{M}/20260407T020000Z",
        "Họp thường kỳ tháng",
        "2026-04-07T09:00:00+07:00",
        "2026-04-07T11:00:00+07:00",
    ),
    (
        "ky-niem-ngay-thanh-lap@google.com/20260420T020000Z",
        "Kỷ niệm ngày thành lập",
        "2026-04-20T09:00:00+07:00",
        "2026-04-20T10:00:00+07:00",
    ),
    (
        f"{M}/20260505T020000Z",
        "Họp thường kỳ tháng",
        "2026-05-05T09:00:00+07:00",
        "2026-05-05T11:00:00+07:00",
    ),
    (
        f"{M}/20260602T020000Z",
        "Họp thường kỳ tháng",
        "2026-06-02T09:00:00+07:00",
        "2026-06-02T11:00:00+07:00",
    ),
]
GIAO_BAN = (
    "Giao ban tuần của UBND tỉnh với các xã, phường - họp trực tuyến qua hệ thống hội nghị "
    "truyền hình"
)
EXPECTED = [(i, GIAO_BAN if t == "giao-ban" else t, s, e) for i, t, s, e in EXPECTED]


def calendar(*events: str, head: str = "") -> bytes:
    """A minimal calendar around some VEVENT bodies."""
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return crlf(f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{head}{body}END:VCALENDAR\n")


def version(n: int) -> bytes:
    """Calendar version n: one meeting titled vN, n days after NOW."""
    from datetime import datetime, timedelta

    start = (datetime.fromisoformat(NOW) + timedelta(days=n)).strftime("%Y%m%dT%H%M%S")
    return calendar(f"UID:hop-{n}@example.vn\nSUMMARY:v{n}\nDTSTART;TZID=Asia/Ho_Chi_Minh:{start}")
