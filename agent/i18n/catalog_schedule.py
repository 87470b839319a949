"""Messages of the meeting schedule: calendar settings and `hnth-agent schedule`."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "config.allowed.calendar": (
        "đường dẫn tệp .ics, hoặc địa chỉ http://, https:// hay webcal:// của lịch",
        "a path to an .ics file, or an http://, https:// or webcal:// calendar address",
    ),
    "cli.schedule.help": (
        "các cuộc họp của điểm cầu trong những ngày tới và giờ kiểm tra trước mỗi cuộc họp",
        "this room's meetings in the coming days and when each one's pre-meeting checks run",
    ),
    "schedule.cli.opt_days": (
        "số ngày tới cần liệt kê (mặc định {default})",
        "how many days ahead to list (default {default})",
    ),
    "schedule.cli.opt_now": (
        "coi thời điểm này là hiện tại (ISO 8601 có múi giờ, ví dụ 2026-03-02T07:00:00+07:00); dùng cho kiểm thử và gỡ lỗi",
        "take this time as now (ISO 8601 with an offset, e.g. 2026-03-02T07:00:00+07:00); for tests and debugging",
    ),
    "schedule.cli.opt_timeout": (
        "chờ broker MQTT tối đa bấy nhiêu giây (mặc định {default})",
        "wait at most this many seconds for the MQTT broker (default {default})",
    ),
    "schedule.cli.bad_now": (
        "--now {value!r}: cần thời điểm ISO 8601 có múi giờ, ví dụ 2026-03-02T07:00:00+07:00",
        "--now {value!r}: expected an ISO 8601 time with an offset, e.g. 2026-03-02T07:00:00+07:00",
    ),
    "schedule.cli.bad_days": (
        "--days {value}: cần số ngày từ 1 đến {max}",
        "--days {value}: expected a number of days from 1 to {max}",
    ),
    "schedule.cli.header": (
        "Điểm cầu {room}: các cuộc họp trong {days} ngày tới, từ {now} ({zone})",
        "Room {room}: meetings in the next {days} days, from {now} ({zone})",
    ),
    "schedule.cli.col.start": ("Bắt đầu", "Start"),
    "schedule.cli.col.end": ("Kết thúc", "End"),
    "schedule.cli.col.source": ("Nguồn", "Source"),
    "schedule.cli.col.title": ("Cuộc họp", "Meeting"),
    "schedule.cli.col.checks": ("Kiểm tra lúc", "Checks at"),
    "schedule.cli.source.mqtt": ("trung tâm (MQTT)", "central (MQTT)"),
    "schedule.cli.source.ics": ("lịch iCalendar", "iCalendar"),
    "schedule.cli.source.weekly": ("hằng tuần", "weekly"),
    "schedule.cli.untitled": ("(không tiêu đề)", "(untitled)"),
    "schedule.cli.none": (
        "Không có cuộc họp nào trong {days} ngày tới.",
        "No meetings in the next {days} days.",
    ),
    "schedule.cli.count": ("Tổng cộng: {count} cuộc họp.", "Total: {count} meeting(s)."),
    "schedule.cli.sources": (
        "Nguồn lịch: {sources}",
        "Schedule sources: {sources}",
    ),
    "schedule.cli.no_sources": (
        "Chưa cấu hình nguồn lịch nào ([mqtt] host, [schedule] ics_file, [schedule] weekly).",
        "No schedule source is configured ([mqtt] host, [schedule] ics_file, [schedule] weekly).",
    ),
    "schedule.cli.mqtt_failed": (
        "Không đọc được lịch từ broker MQTT ({error}); các nguồn khác vẫn được liệt kê.",
        "Could not read the schedule from the MQTT broker ({error}); the other sources are still listed.",
    ),
    "schedule.cli.problem": (
        "Cảnh báo lịch: {kind}: {message}",
        "Schedule warning: {kind}: {message}",
    ),
}
