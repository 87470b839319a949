"""Messages of the central board, its web page and the availability report.

Registered with the agent's catalogue by `central/__init__.py` (`agent.i18n.register_part`), so
room PCs never load it.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- config and CLI
    "board.config.database": (
        "một URL 'sqlite:///đường/dẫn.sqlite' hoặc 'postgresql://người-dùng@máy:cổng/csdl' (để trống: board.sqlite trong thư mục trạng thái)",
        "a 'sqlite:///path/to.sqlite' or 'postgresql://user@host:port/db' URL (empty: board.sqlite in the state directory)",
    ),
    "board.config.timezone": (
        "tên múi giờ IANA, ví dụ 'Asia/Ho_Chi_Minh'",
        "an IANA time zone name, e.g. 'Asia/Ho_Chi_Minh'",
    ),
    "board.db.unavailable": (
        "không mở được cơ sở dữ liệu {where}: {error}",
        "cannot open the database {where}: {error}",
    ),
    "board.import.help": (
        "nạp các tin nhắn đã ghi (JSON lines: topic, payload, thời điểm nhận, qos, retain) qua đúng đường tiếp nhận trực tiếp; nạp lại cùng tệp không ghi gì hai lần",
        "ingest recorded messages (JSON lines: topic, payload, received time, qos, retain) through the live ingest path; importing a file twice stores nothing twice",
    ),
    "board.import.opt.file": (
        "tệp JSON lines ('-' là đầu vào chuẩn)",
        "the JSON lines file ('-' for standard input)",
    ),
    "board.import.done": (
        "{lines} dòng: {messages} tin nhắn ({ingested} đã tiếp nhận, {duplicates} trùng, {rejected} bị từ chối), {sessions} phiên tiếp nhận; {bad} dòng lỗi",
        "{lines} lines: {messages} messages ({ingested} ingested, {duplicates} duplicates, {rejected} refused), {sessions} ingest sessions; {bad} bad lines",
    ),
    "board.import.bad_line": ("dòng {line}: {reason}", "line {line}: {reason}"),
    "board.import.unreadable": (
        "không đọc được tệp {file}: {error}",
        "cannot read the file {file}: {error}",
    ),
    "board.export.help": (
        "ghi lịch sử đã lưu (trạng thái, meta, sẵn sàng, sự kiện, cuộc họp, phiên tiếp nhận) của các điểm cầu thành JSON lines, đúng định dạng của 'board import'",
        "write the stored history (status, meta, readiness, events, meetings, ingest sessions) of the rooms as JSON lines, the format of 'board import'",
    ),
    "board.export.opt.from": (
        "từ thời điểm này (YYYY-MM-DD hoặc ISO 8601; không có múi giờ: theo [board] timezone)",
        "from this time (YYYY-MM-DD or ISO 8601; without an offset: in [board] timezone)",
    ),
    "board.export.opt.to": ("đến trước thời điểm này", "up to (not including) this time"),
    "board.export.opt.output": (
        "ghi vào tệp này (mặc định: đầu ra chuẩn)",
        "write to this file (default: standard output)",
    ),
    "board.export.bad_time": (
        "thời điểm {value!r} không hợp lệ: dùng YYYY-MM-DD hoặc ISO 8601",
        "time {value!r} is not valid: use YYYY-MM-DD or ISO 8601",
    ),
    "board.export.done": ("đã ghi {n} dòng vào {output}", "{n} lines written to {output}"),
    "board.migrate.help": (
        "đưa cơ sở dữ liệu lịch sử lên phiên bản lược đồ mới nhất rồi thoát",
        "bring the history database to the latest schema version and exit",
    ),
    "board.migrate.done": (
        "cơ sở dữ liệu {where}: lược đồ phiên bản {version} (trước đó: {was})",
        "database {where}: schema version {version} (was: {was})",
    ),
    "board.missing_extra": (
        "thiếu thư viện web của bảng theo dõi ({module}); cài bằng: pip install 'hnth-agent[central]'",
        "the board's web libraries are missing ({module}); install them with: pip install 'hnth-agent[central]'",
    ),
    "board.opt.listen": (
        "địa chỉ:cổng để phục vụ trang web (mặc định 127.0.0.1:8080)",
        "host:port to serve the page on (default 127.0.0.1:8080)",
    ),
    "board.opt.add_user": (
        "tạo hoặc đổi người dùng TÊN rồi thoát; mật khẩu đọc từ stdin",
        "create or replace user NAME and exit; the password is read from stdin",
    ),
    "board.opt.role": (
        "vai trò của người dùng mới: viewer (chỉ xem) hoặc operator (điều khiển)",
        "the new user's role: viewer (read only) or operator (may act)",
    ),
    "board.opt.broker": (
        "máy chủ MQTT host:port, thay cho [mqtt] host/port",
        "the MQTT broker as host:port, instead of [mqtt] host/port",
    ),
    "board.opt.demo": (
        "tạo người dùng điều hành 'demo' với mật khẩu ngẫu nhiên (để trình diễn)",
        "create an operator 'demo' with a random password (for demos)",
    ),
    "board.demo_user": (
        "mở http://{listen}/ và đăng nhập: {user} / {password}",
        "open http://{listen}/ and sign in as {user} / {password}",
    ),
    "board.warn.exposed": (
        "bảng theo dõi đang lắng nghe trên {listen}, không phải loopback: hãy đặt một proxy TLS phía trước (rồi đặt [board] behind_tls_proxy = true)",
        "the board listens on {listen}, not loopback: put a TLS proxy in front of it (then set [board] behind_tls_proxy = true)",
    ),
    "board.no_broker_config": (
        "chưa cấu hình [mqtt] host: bảng theo dõi sẽ chỉ hiển thị lịch sử đã lưu",
        "[mqtt] host is not configured: the board will only show stored history",
    ),
    "board.started": (
        "bảng theo dõi: http://{listen}/ (cơ sở dữ liệu {db})",
        "board: http://{listen}/ (database {db})",
    ),
    "board.user.bad_name": (
        "tên người dùng '{name}' không hợp lệ: chữ, số, '.', '_', '@', '-', tối đa 64 ký tự",
        "user name '{name}' is invalid: letters, digits, '.', '_', '@', '-', at most 64 characters",
    ),
    "board.user.short_password": (
        "mật khẩu phải có ít nhất 8 ký tự",
        "the password must have at least 8 characters",
    ),
    "board.merge.help": (
        "ghi nhận đổi tên hoặc sáp nhập: lịch sử của các điểm cầu cũ được tính cho điểm cầu mới",
        "record a rename or a merge: the old rooms' history counts as the new room's",
    ),
    "board.merge.opt.old": (
        "điểm cầu cũ (tỉnh/mã), một hoặc nhiều",
        "the old room(s), as province/room",
    ),
    "board.merge.opt.into": ("điểm cầu mới (tỉnh/mã)", "the room they are now (province/room)"),
    "board.merge.opt.reason": ("lý do, ghi vào nhật ký", "why, for the audit log"),
    "board.merge.unknown_room": (
        "không biết điểm cầu {room}: trung tâm chưa từng nhận tin của nó (ghi dạng tỉnh/mã)",
        "no room {room}: central has never heard from it (write it as province/room)",
    ),
    "board.merge.into_itself": (
        "không thể sáp nhập {room} vào chính nó",
        "cannot merge {room} into itself",
    ),
    "board.merge.done": (
        "đã ghi: lịch sử của {old} nay tính cho {new}",
        "recorded: the history of {old} now counts as {new}",
    ),
    "board.user.saved": (
        "đã lưu người dùng {name} với vai trò {role}",
        "saved user {name} with role {role}",
    ),
    # ---- commands and meetings
    "board.cmd.unknown_verb": (
        "lệnh '{verb}' không có trong hợp đồng MQTT",
        "command '{verb}' is not part of the MQTT contract",
    ),
    "board.cmd.unknown_room": ("không biết điểm cầu '{room}'", "unknown room '{room}'"),
    "board.cmd.timeout": (
        "điểm cầu không trả lời trong {s} giây; kiểm tra máy tính điểm cầu và mạng",
        "the room did not answer within {s} s; check the room PC and its network",
    ),
    "board.cmd.no_broker": (
        "mất kết nối tới máy chủ MQTT; lệnh chưa được gửi",
        "no connection to the MQTT broker; the command was not sent",
    ),
    "board.cmd.denied": (
        "máy chủ MQTT từ chối (ACL): tài khoản trung tâm không có quyền gửi tới chủ đề này",
        "the MQTT broker refused it (ACL): the central account may not publish to this topic",
    ),
    "board.cmd.broker_error": (
        "máy chủ MQTT báo lỗi (mã {rc})",
        "the MQTT broker reported an error (code {rc})",
    ),
    "board.cmd.offline": (
        "điểm cầu đang mất kết nối: lệnh không được gửi; kiểm tra máy tính và mạng của điểm cầu",
        "the room is offline: the command was not sent; check the room PC and its network",
    ),
    "board.cmd.busy_room": (
        "điểm cầu này đang có nhiều lệnh chờ trả lời; thử lại sau ít giây",
        "this room already has several commands waiting for an answer; try again in a few seconds",
    ),
    "board.cmd.busy": (
        "bảng theo dõi đang chờ quá nhiều điểm cầu trả lời; thử lại sau ít giây",
        "the board is waiting on too many rooms already; try again in a few seconds",
    ),
    "board.meeting.bad_time": (
        "thời gian bắt đầu/kết thúc không hợp lệ",
        "the start or end time is invalid",
    ),
    "board.meeting.bad_id": (
        "mã cuộc họp và tỉnh phải là chữ thường, số, '-' hoặc '_'",
        "the meeting id and province must be lower-case letters, digits, '-' or '_'",
    ),
    "board.meeting.invalid": (
        "cuộc họp cần tiêu đề, thời gian kết thúc sau bắt đầu, và ít nhất một nhóm hoặc điểm cầu tham dự",
        "a meeting needs a title, an end after its start, and at least one group or room taking part",
    ),
    "board.meeting.unknown": ("không có cuộc họp '{id}'", "no meeting '{id}'"),
    # ---- availability report
    "board.report.bad_month": (
        "tháng '{month}' không hợp lệ; dùng dạng YYYY-MM, ví dụ 2026-10",
        "month '{month}' is invalid; use YYYY-MM, e.g. 2026-10",
    ),
    "board.report.opt.month": (
        "tháng cần báo cáo, dạng YYYY-MM",
        "the month to report, as YYYY-MM",
    ),
    "board.report.opt.csv": ("in CSV", "print CSV"),
    "board.report.kind": (
        "loại báo cáo (hiện có: availability)",
        "the report kind (available: availability)",
    ),
    "board.report.header": (
        "Tính sẵn sàng tháng {month} ({tz}) — {n} điểm cầu",
        "Availability for {month} ({tz}) — {n} rooms",
    ),
    "board.report.col.room": ("Phòng", "Room"),
    "board.report.col.online": ("% trực tuyến", "% online"),
    "board.report.col.ready": ("% sẵn sàng khi họp", "% ready in meetings"),
    "board.report.col.outages": ("Số lần mất", "Outages"),
    "board.report.col.longest": ("Mất lâu nhất", "Longest outage"),
    "board.report.col.missed": ("Kiểm tra trước họp bị lỡ", "Missed pre-meeting checks"),
    "board.report.col.no_data": ("Không có dữ liệu", "No data"),
    "board.report.no_data": ("chưa có dữ liệu", "no data"),
    # ---- the web page
    "board.web.title": ("Bảng theo dõi sẵn sàng HNTH", "HNTH readiness board"),
    "board.web.nav.fleet": ("Toàn tỉnh", "Fleet"),
    "board.web.nav.meetings": ("Cuộc họp", "Meetings"),
    "board.web.nav.report": ("Báo cáo", "Report"),
    "board.web.nav.audit": ("Nhật ký", "Audit log"),
    "board.web.logout": ("Đăng xuất", "Sign out"),
    "board.web.login.title": ("Đăng nhập", "Sign in"),
    "board.web.login.user": ("Tên đăng nhập", "User name"),
    "board.web.login.password": ("Mật khẩu", "Password"),
    "board.web.login.submit": ("Đăng nhập", "Sign in"),
    "board.web.role.viewer": ("xem", "viewer"),
    "board.web.role.operator": ("điều hành", "operator"),
    "board.web.broker.up": ("MQTT: đã kết nối", "MQTT: connected"),
    "board.web.broker.down": ("MQTT: mất kết nối {error}", "MQTT: disconnected {error}"),
    "board.web.state.ready": ("Sẵn sàng", "Ready"),
    "board.web.state.degraded": ("Có cảnh báo", "Degraded"),
    "board.web.state.not_ready": ("Chưa sẵn sàng", "Not ready"),
    "board.web.state.offline": ("Mất kết nối", "Offline"),
    "board.web.state.stale": ("Quá hạn báo cáo", "Stale"),
    "board.web.state.unknown": ("Chưa có báo cáo", "No report yet"),
    "board.web.search": ("Tìm điểm cầu (có dấu hoặc không)…", "Search rooms by name…"),
    "board.web.all_states": ("Mọi trạng thái", "All states"),
    "board.web.all_districts": ("Mọi nhóm", "All groups"),
    "board.web.province_level": ("cấp tỉnh", "province level"),
    "board.web.rooms_shown": ("{n}/{total} điểm cầu", "{n}/{total} rooms"),
    "board.web.never": ("chưa bao giờ", "never"),
    "board.web.last_seen": ("báo cáo lần cuối", "last report"),
    "board.web.schema_note": ("phiên bản lược đồ lạ: {schema}", "unknown schema version: {schema}"),
    "board.web.checks": ("Kết quả kiểm tra", "Checks"),
    "board.web.col.check": ("Hạng mục", "Check"),
    "board.web.col.status": ("Trạng thái", "Status"),
    "board.web.col.summary": ("Tóm tắt", "Summary"),
    "board.web.col.hint": ("Cần làm", "What to do"),
    "board.web.col.metrics": ("Số đo", "Metrics"),
    "board.web.rerun": ("Kiểm tra lại", "Re-run checks"),
    "board.web.snap_now": ("Chụp ảnh mới", "New snapshot"),
    "board.web.snapshot": ("Ảnh camera", "Camera snapshot"),
    "board.web.no_snapshot": ("chưa có ảnh", "no snapshot yet"),
    "board.web.camera": ("Điều khiển camera", "Camera control"),
    "board.web.viewer_only": (
        "chỉ người điều hành được điều khiển camera",
        "only operators may move the camera",
    ),
    "board.web.stop": ("DỪNG", "STOP"),
    "board.web.speed": ("Tốc độ", "Speed"),
    "board.web.zoom_in": ("Phóng to", "Zoom in"),
    "board.web.zoom_out": ("Thu nhỏ", "Zoom out"),
    "board.web.zoom_stop": ("Dừng zoom", "Stop zoom"),
    "board.web.home": ("Về vị trí gốc", "Home"),
    "board.web.preset": ("Vị trí đặt sẵn", "Preset"),
    "board.web.recall": ("Gọi", "Recall"),
    "board.web.save": ("Lưu", "Save"),
    "board.web.dir.up": ("lên", "up"),
    "board.web.dir.down": ("xuống", "down"),
    "board.web.dir.left": ("trái", "left"),
    "board.web.dir.right": ("phải", "right"),
    "board.web.dir.up-left": ("lên trái", "up-left"),
    "board.web.dir.up-right": ("lên phải", "up-right"),
    "board.web.dir.down-left": ("xuống trái", "down-left"),
    "board.web.dir.down-right": ("xuống phải", "down-right"),
    "board.web.sending": ("đang gửi {verb}…", "sending {verb}…"),
    "board.web.cmd_ok": ("{verb}: thành công {result}", "{verb}: ok {result}"),
    "board.web.cmd_failed": ("{verb}: thất bại — {error}", "{verb}: failed — {error}"),
    "board.web.audit": ("Nhật ký thao tác", "Audit log"),
    "board.web.events": ("Dòng sự kiện", "Event timeline"),
    "board.web.ok": ("thành công", "ok"),
    "board.web.failed": ("thất bại", "failed"),
    "board.web.participants": ("{n} điểm cầu tham dự", "{n} participating rooms"),
    "board.web.checked": ("đã kiểm tra T-{offset}", "checked at T-{offset}"),
    "board.web.checked_at": ("đã kiểm tra lúc {time}", "checked at {time}"),
    "board.web.not_checked": ("chưa kiểm tra cho cuộc họp này", "not yet checked for this meeting"),
    "board.web.checked_count": (
        "{n}/{total} điểm cầu đã gửi kết quả kiểm tra trước họp",
        "{n}/{total} rooms have sent their pre-meeting check",
    ),
    "board.web.cancel_meeting": ("Hủy cuộc họp", "Cancel meeting"),
    "board.web.confirm_cancel": ("Hủy cuộc họp “{title}”?", "Cancel the meeting “{title}”?"),
    "board.web.meeting_cancelled": ("đã hủy cuộc họp", "meeting cancelled"),
    "board.web.meeting_scheduled": ("đã lên lịch cuộc họp", "meeting scheduled"),
    "board.web.no_meetings": ("không có cuộc họp sắp tới", "no upcoming meetings"),
    "board.web.schedule": ("Lên lịch cuộc họp", "Schedule a meeting"),
    "board.web.meeting_title": ("Tiêu đề", "Title"),
    "board.web.meeting_id": ("Mã (tùy chọn)", "Id (optional)"),
    "board.web.start": ("Bắt đầu", "Start"),
    "board.web.end": ("Kết thúc", "End"),
    "board.web.rooms_patterns": (
        "Điểm cầu tham dự",
        "Rooms taking part",
    ),
    "board.web.month": ("Tháng", "Month"),
    "board.web.report.room": ("Điểm cầu", "Room"),
    "board.web.report.online": ("% trực tuyến", "% online"),
    "board.web.report.ready": ("% sẵn sàng khi họp", "% ready in meetings"),
    "board.web.report.outages": ("Số lần mất kết nối", "Outages"),
    "board.web.report.longest": ("Mất lâu nhất", "Longest outage"),
    "board.web.report.missed": ("Kiểm tra trước họp bị lỡ", "Missed pre-meeting checks"),
    "board.web.audit.time": ("Thời gian", "Time"),
    "board.web.audit.user": ("Người thực hiện", "User"),
    "board.web.audit.action": ("Thao tác", "Action"),
    "board.web.audit.target": ("Đối tượng", "Target"),
    "board.web.audit.result": ("Kết quả", "Result"),
    "board.web.err.login_required": ("cần đăng nhập", "please sign in"),
    "board.web.err.session_expired": (
        "phiên đăng nhập đã hết hạn; hãy đăng nhập lại",
        "your session has expired; please sign in again",
    ),
    "board.web.err.bad_login": ("sai tên đăng nhập hoặc mật khẩu", "wrong user name or password"),
    "board.web.err.csrf": (
        "yêu cầu bị từ chối (mã chống giả mạo CSRF không khớp); hãy tải lại trang",
        "request refused (the anti-forgery CSRF token does not match); reload the page",
    ),
    "board.web.err.forbidden": (
        "chỉ người điều hành được làm thao tác này; tài khoản của bạn chỉ có quyền xem",
        "only operators may do this; your account may only view",
    ),
    "board.web.err.no_room": ("không có điểm cầu '{room}'", "no room '{room}'"),
    "board.web.err.no_snapshot": ("chưa có ảnh camera", "no snapshot yet"),
    "board.web.err.too_big": ("yêu cầu quá lớn", "request too large"),
    "board.web.err.bad_json": ("yêu cầu không phải JSON hợp lệ", "the request is not valid JSON"),
    "board.web.err.network": ("mất kết nối tới bảng theo dõi", "lost the connection to the board"),
    "board.web.err.locked": (
        "quá nhiều lần đăng nhập sai: tạm khóa, thử lại sau {minutes} phút",
        "too many wrong passwords: locked, try again in {minutes} min",
    ),
    "board.web.err.busy": (
        "bảng theo dõi đang bận, thử đăng nhập lại sau ít giây",
        "the board is busy; try signing in again in a few seconds",
    ),
}
