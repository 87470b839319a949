"""Messages of the daemon (`hnth-agent run`) and the demo."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "daemon.status": (
        "{activity}; kết luận gần nhất: {verdict}",
        "{activity}; last verdict: {verdict}",
    ),
    "daemon.activity.checking": ("đang kiểm tra ({trigger})", "checking ({trigger})"),
    "daemon.stopping": ("đang dừng", "stopping"),
    "demo.opt.seconds": (
        "dừng sau số giây này (0 = đến khi Ctrl-C)",
        "stop after this many seconds (0 = until Ctrl-C)",
    ),
    "demo.opt.meeting_in": (
        "cuộc họp mẫu bắt đầu sau số giây này",
        "the demo meeting starts this many seconds from now",
    ),
    "demo.part.ptz": (
        "camera PTZ giả lập (VISCA) tại {path}",
        "simulated PTZ camera (VISCA) on {path}",
    ),
    "demo.part.video": ("luồng hình camera giả lập: {url}", "simulated camera stream: {url}"),
    "demo.part.audio": (
        "phòng âm thanh PulseAudio: loa room_speaker, micro room_mic",
        "PulseAudio room: speaker room_speaker, mic room_mic",
    ),
    "demo.part.no_audio": ("bỏ qua âm thanh: {reason}", "no audio: {reason}"),
    "demo.part.display": (
        "màn hình giả lập HDMI-A-1 (sysfs tại {path})",
        "simulated display HDMI-A-1 (sysfs at {path})",
    ),
    "demo.part.broker": (
        "máy chủ MQTT riêng tại {host}:{port}",
        "private MQTT broker on {host}:{port}",
    ),
    "demo.part.no_broker": (
        "bỏ qua máy chủ MQTT, tác tử chỉ ghi nhật ký: {reason}",
        "no MQTT broker, the agent only logs: {reason}",
    ),
    "demo.no_broker_meeting": (
        "không có máy chủ MQTT nên không có lịch họp; xem nhật ký tác tử",
        "no broker, so no meeting schedule; watch the agent's log",
    ),
    "demo.config": ("cấu hình: {path}", "config: {path}"),
    "demo.daemon": ("tác tử đang chạy (pid {pid})", "agent running (pid {pid})"),
    "demo.daemon_exited": ("tác tử đã dừng với mã {code}", "the agent exited with code {code}"),
    "demo.meeting": (
        "đã lên lịch cuộc họp lúc {at} (sau {seconds} giây); kiểm tra trước họp ở T-45 và T-15 giây",
        "meeting scheduled at {at} ({seconds} s from now); pre-meeting checks at T-45 s and T-15 s",
    ),
    "demo.meeting_title": (
        "Họp trực tuyến toàn tỉnh (mô phỏng)",
        "Province-wide online meeting (demo)",
    ),
    "demo.watching": (
        "những gì trung tâm nhận được (Ctrl-C để dừng):",
        "what central receives (Ctrl-C to stop):",
    ),
    "demo.stopping": ("đang dừng điểm cầu mô phỏng", "stopping the simulated room"),
    "demo.subscriber_failed": (
        "không kết nối được máy chủ MQTT mô phỏng: {error}",
        "cannot reach the demo broker: {error}",
    ),
    "demo.msg.status": ("trạng thái {state}", "status {state}"),
    "demo.msg.meta": ("điểm cầu {name}, nhóm: {groups}", "room {name}, groups: {groups}"),
    "demo.msg.readiness": (
        "{verdict} ({trigger}, cuộc họp {meeting}): {checks}",
        "{verdict} ({trigger}, meeting {meeting}): {checks}",
    ),
    "demo.msg.snapshot": ("ảnh camera JPEG {size} byte", "camera JPEG {size} bytes"),
    "demo.msg.meeting": ("lịch họp: {title} lúc {start}", "meeting: {title} at {start}"),
}
