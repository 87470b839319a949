"""Messages for the MQTT link: config, commands, snapshots, `check --publish`, `mqtt-test`."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- [mqtt] settings
    "mqtt.cfg.no_host": (
        "chưa cấu hình máy chủ MQTT: [mqtt] host đang để trống",
        "no MQTT broker configured: [mqtt] host is empty",
    ),
    "mqtt.cfg.no_host_hint": (
        'đặt [mqtt] host = "<máy chủ của tỉnh>" trong tệp cấu hình',
        'set [mqtt] host = "<the province broker>" in the config file',
    ),
    "mqtt.cfg.insecure": (
        "từ chối kết nối MQTT không mã hóa tới {host}:{port}: máy chủ không nằm trên máy này",
        "refusing unencrypted MQTT to {host}:{port}: the broker is not on this machine",
    ),
    "mqtt.cfg.insecure_hint": (
        "bật [mqtt] tls = true và đặt ca_file; chỉ khi thật sự cần mới đặt allow_insecure = true",
        "set [mqtt] tls = true with ca_file; only if you really must, set allow_insecure = true",
    ),
    "mqtt.cfg.missing_file": (
        "[mqtt] {key} = {path}: không tìm thấy tệp",
        "[mqtt] {key} = {path}: file not found",
    ),
    "mqtt.cfg.cert_pair": (
        "[mqtt] cert_file và key_file phải được đặt cùng nhau (chứng chỉ máy trạm và khóa của nó)",
        "[mqtt] cert_file and key_file must be set together (the client certificate and its key)",
    ),
    "mqtt.cfg.password_unreadable": (
        "không đọc được [mqtt] password_file {path}: {error}",
        "cannot read [mqtt] password_file {path}: {error}",
    ),
    "mqtt.cfg.password_empty": (
        "[mqtt] password_file {path} rỗng: dòng đầu tiên phải là mật khẩu",
        "[mqtt] password_file {path} is empty: its first line must be the password",
    ),
    "mqtt.cfg.exposed": (
        "tệp bí mật [mqtt] {key} = {path} có quyền {mode}: người khác đọc được; chạy chmod 600 {path}",
        "secret file [mqtt] {key} = {path} has mode {mode}: others can read it; run chmod 600 {path}",
    ),
    # ---- commands
    "mqtt.cmd.too_big": (
        "lệnh quá lớn: {size} byte; cho phép tối đa {limit} byte",
        "command too large: {size} bytes; allowed at most {limit} bytes",
    ),
    "mqtt.cmd.invalid_json": (
        "nội dung lệnh không phải JSON UTF-8 hợp lệ: {error}",
        "the command payload is not valid UTF-8 JSON: {error}",
    ),
    "mqtt.cmd.not_object": (
        "nội dung lệnh phải là một đối tượng JSON {{…}}, không phải {type}",
        "the command payload must be a JSON object {{…}}, not {type}",
    ),
    "mqtt.cmd.retained": (
        "lệnh được gửi với cờ retain: từ chối (lệnh không bao giờ được lưu giữ trên máy chủ)",
        "the command was sent retained: refused (commands must never be retained)",
    ),
    "mqtt.cmd.unknown_verb": (
        "lệnh không tồn tại: '{verb}'; các lệnh có: {known}",
        "unknown verb '{verb}'; known verbs: {known}",
    ),
    "mqtt.cmd.rate_limited": (
        "quá nhiều lệnh điều khiển camera: tối đa {rate} lệnh/giây",
        "too many camera commands: at most {rate} per second",
    ),
    "mqtt.cmd.expired": (
        "lệnh đã hết hạn trước khi được thực hiện",
        "the command expired before it could run",
    ),
    "mqtt.cmd.ptz_busy": (
        "camera đang thực hiện lệnh khác quá {seconds} giây",
        "the camera has been busy with another command for more than {seconds} s",
    ),
    "mqtt.cmd.queue_full": (
        "hàng đợi lệnh '{verb}' đang đầy; thử lại sau",
        "the queue for '{verb}' is full; try again later",
    ),
    "mqtt.cmd.no_camera": (
        "điểm cầu này chưa cấu hình camera PTZ",
        "this room has no PTZ camera configured",
    ),
    "mqtt.cmd.no_camera_hint": (
        "đặt [ptz] port (ví dụ serial:///dev/ttyUSB0) trong tệp cấu hình",
        "set [ptz] port (e.g. serial:///dev/ttyUSB0) in the config file",
    ),
    "mqtt.cmd.bad_field": (
        "trường '{field}' = {value} không hợp lệ; cho phép: {allowed}",
        "field '{field}' = {value} is invalid; allowed: {allowed}",
    ),
    "mqtt.cmd.missing": ("(thiếu)", "(missing)"),
    "mqtt.cmd.not_wired": (
        "lệnh '{verb}' chưa được hỗ trợ trong chế độ chạy này",
        "'{verb}' is not available in this mode of the agent",
    ),
    "mqtt.cmd.foreign_response_topic": (
        "response topic {topic} nằm ngoài nhánh của điểm cầu; trả lời tới {used}",
        "response topic {topic} is outside this room's subtree; answering on {used}",
    ),
    "mqtt.cmd.internal": (
        "lỗi nội bộ của agent ({error}); xem nhật ký của hnth-agent",
        "internal agent error ({error}); see the hnth-agent log",
    ),
    "mqtt.allowed.int": ("số nguyên {lo}..{hi}", "an integer {lo}..{hi}"),
    "mqtt.allowed.list": (
        "danh sách không rỗng gồm: {names}",
        "a non-empty list of: {names}",
    ),
    "mqtt.allowed.zoom": (
        'đúng một trong {{"action": "in|out|stop"}} hoặc {{"position": 0..{max}}}',
        'exactly one of {{"action": "in|out|stop"}} or {{"position": 0..{max}}}',
    ),
    "mqtt.allowed.request_id": (
        "1..128 ký tự [A-Za-z0-9_.:-], bắt đầu bằng chữ hoặc số",
        "1..128 characters [A-Za-z0-9_.:-], starting with a letter or digit",
    ),
    "mqtt.allowed.time": (
        "thời điểm ISO 8601 có múi giờ, ví dụ 2026-03-04T01:30:00.000Z",
        "an ISO 8601 time with offset, e.g. 2026-03-04T01:30:00.000Z",
    ),
    # ---- snapshots
    "mqtt.snapshot.bad": (
        "ảnh chụp không hợp lệ: {size} byte (phải là JPEG, tối đa {limit} byte)",
        "invalid snapshot: {size} bytes (must be a JPEG of at most {limit} bytes)",
    ),
    "mqtt.snapshot.none": (
        "camera không tạo được ảnh: {summary}",
        "the camera produced no image: {summary}",
    ),
    "mqtt.snapshot.unreadable": (
        "không đọc được ảnh {path}: {error}",
        "cannot read the snapshot {path}: {error}",
    ),
    # ---- check --publish
    "mqtt.publish.opt": (
        "gửi kết quả lên máy chủ MQTT ([mqtt]) rồi thoát",
        "publish the result to the MQTT broker ([mqtt]) and exit",
    ),
    "mqtt.publish.opt_timeout": (
        "chờ gửi xong tối đa bấy nhiêu giây (mặc định {default})",
        "wait at most this many seconds for delivery (default {default})",
    ),
    "mqtt.publish.done": (
        "đã gửi kết quả lên {broker}",
        "published the result to {broker}",
    ),
    "mqtt.publish.not_connected": (
        "chưa gửi được lên {broker} sau {seconds} giây: {error}; {count} sự kiện vẫn nằm trong hàng đợi và sẽ được gửi lần sau",
        "could not publish to {broker} within {seconds} s: {error}; {count} events stay queued for next time",
    ),
    "mqtt.publish.queued": (
        "hết {seconds} giây: còn {count} sự kiện trong hàng đợi, sẽ được gửi lần sau",
        "timed out after {seconds} s: {count} events are still queued and will be sent next time",
    ),
    "mqtt.publish.hint": (
        "chạy hnth-agent mqtt-test để chẩn đoán kết nối",
        "run hnth-agent mqtt-test to diagnose the link",
    ),
    # ---- mqtt-test
    "mqtt.test.opt_timeout": (
        "thời gian chờ mỗi bước, giây (mặc định {default})",
        "timeout of each step in seconds (default {default})",
    ),
    "mqtt.test.pass": ("ĐẠT", "PASS"),
    "mqtt.test.fail": ("LỖI", "FAIL"),
    "mqtt.test.warn": ("CHÚ Ý", "WARN"),
    "mqtt.test.skip": ("BỎ QUA", "SKIP"),
    "mqtt.test.step.config": ("Cấu hình", "Config"),
    "mqtt.test.step.dns": ("Phân giải tên (DNS)", "Name lookup (DNS)"),
    "mqtt.test.step.tcp": ("Kết nối TCP", "TCP connection"),
    "mqtt.test.step.tls": ("Bắt tay TLS và chứng chỉ", "TLS handshake and certificate"),
    "mqtt.test.step.auth": ("Đăng nhập MQTT", "MQTT login"),
    "mqtt.test.step.publish": ("Gửi lên nhánh của điểm cầu", "Publish to the room's subtree"),
    "mqtt.test.step.commands": ("Nhận lệnh (cmd/)", "Receive commands (cmd/)"),
    "mqtt.test.config_ok": (
        "{broker} với tên {client} ({security})",
        "{broker} as {client} ({security})",
    ),
    "mqtt.test.security.tls": ("TLS", "TLS"),
    "mqtt.test.security.mtls": ("TLS + chứng chỉ máy trạm", "TLS + client certificate"),
    "mqtt.test.security.plain": ("KHÔNG mã hóa", "NOT encrypted"),
    "mqtt.test.dns_ok": ("{host} → {addresses}", "{host} → {addresses}"),
    "mqtt.test.dns_fail": (
        "không phân giải được {host}: {error}",
        "cannot resolve {host}: {error}",
    ),
    "mqtt.test.dns_hint": (
        "kiểm tra tên máy chủ trong [mqtt] host, DNS của máy tính và đường mạng",
        "check [mqtt] host, this PC's DNS settings and the network link",
    ),
    "mqtt.test.tcp_ok": ("{address}:{port} mở ({ms} ms)", "{address}:{port} open ({ms} ms)"),
    "mqtt.test.tcp_fail": (
        "không kết nối được {address}:{port}: {error}",
        "cannot connect to {address}:{port}: {error}",
    ),
    "mqtt.test.tcp_hint": (
        "kiểm tra cổng {port} (1883 không mã hóa, 8883 TLS), tường lửa và máy chủ MQTT có đang chạy",
        "check port {port} (1883 plain, 8883 TLS), the firewall, and that the broker is running",
    ),
    "mqtt.test.tls_ok": (
        "{version}, chứng chỉ của {subject} hợp lệ, còn {days} ngày",
        "{version}, certificate of {subject} valid, {days} days left",
    ),
    "mqtt.test.tls_expiring": (
        "chứng chỉ của {subject} chỉ còn {days} ngày",
        "the certificate of {subject} expires in {days} days",
    ),
    "mqtt.test.tls_fail": ("bắt tay TLS thất bại: {error}", "TLS handshake failed: {error}"),
    "mqtt.test.tls_hint": (
        "kiểm tra [mqtt] ca_file là CA đã ký chứng chỉ máy chủ, đồng hồ máy tính và tên máy chủ trong chứng chỉ",
        "check that [mqtt] ca_file is the CA that signed the broker's certificate, this PC's clock and the name in the certificate",
    ),
    "mqtt.test.tls_expiring_hint": (
        "báo trung tâm gia hạn chứng chỉ máy chủ MQTT",
        "ask central staff to renew the broker certificate",
    ),
    "mqtt.test.plain": (
        "không dùng TLS (máy chủ trên máy này hoặc allow_insecure = true)",
        "no TLS (a local broker, or allow_insecure = true)",
    ),
    "mqtt.test.auth_ok": ("đăng nhập thành công với tên {user}", "logged in as {user}"),
    "mqtt.test.auth_fail": ("máy chủ từ chối: {error}", "the broker refused: {error}"),
    "mqtt.test.auth_hint": (
        "kiểm tra [mqtt] username, password_file và chứng chỉ máy trạm; hỏi trung tâm tài khoản của điểm cầu",
        "check [mqtt] username, password_file and the client certificate; ask central staff for the room's account",
    ),
    "mqtt.test.publish_ok": ("gửi tới {topic}: được chấp nhận", "publish to {topic}: accepted"),
    "mqtt.test.publish_denied": (
        "máy chủ từ chối gửi tới {topic} (mã {code})",
        "the broker refused a publish to {topic} (reason {code})",
    ),
    "mqtt.test.publish_timeout": (
        "không nhận được xác nhận PUBACK trong {seconds} giây",
        "no PUBACK within {seconds} s",
    ),
    "mqtt.test.publish_hint": (
        "ACL của máy chủ phải cho tài khoản này ghi vào hnth/v1/+/+/{room}/#; kiểm tra [room] province/district/id",
        "the broker ACL must let this account write hnth/v1/+/+/{room}/#; check [room] province/district/id",
    ),
    "mqtt.test.commands_ok": ("đã đăng ký {topic}", "subscribed to {topic}"),
    "mqtt.test.commands_denied": (
        "máy chủ từ chối đăng ký {topic} (mã {code})",
        "the broker refused the subscription to {topic} (reason {code})",
    ),
    "mqtt.test.commands_hint": (
        "ACL của máy chủ phải cho tài khoản này đọc hnth/v1/+/+/{room}/cmd/#",
        "the broker ACL must let this account read hnth/v1/+/+/{room}/cmd/#",
    ),
    "mqtt.test.commands_loop": (
        "máy chủ cho điểm cầu tự gửi lệnh cho chính nó: ACL có thể thiếu",
        "the broker lets a room send commands to itself: the ACL may be missing",
    ),
    "mqtt.test.commands_loop_hint": (
        "chỉ tài khoản trung tâm được ghi vào cmd/; xem docs/mosquitto/acl",
        "only the central account may write cmd/; see docs/mosquitto/acl",
    ),
    "mqtt.test.skipped": ("bỏ qua vì bước trước lỗi", "skipped because an earlier step failed"),
    "mqtt.test.summary_ok": ("Kết nối MQTT tốt.", "The MQTT link is fine."),
    "mqtt.test.summary_fail": (
        "Kết nối MQTT có lỗi: sửa bước đầu tiên bị LỖI rồi chạy lại.",
        "The MQTT link has a problem: fix the first FAIL step and run again.",
    ),
}
