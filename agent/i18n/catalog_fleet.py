"""Messages of the simulated fleet (`hnth-agent sim fleet`)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "fleet.check_ok": ("đạt (mô phỏng)", "passed (simulated)"),
    "fleet.opt.rooms": ("số phòng giả lập", "how many simulated rooms"),
    "fleet.opt.broker": ("máy chủ MQTT dạng host:port", "the MQTT broker as host:port"),
    "fleet.opt.province": (
        "mã tỉnh của các phòng giả lập",
        "the province slug of the simulated rooms",
    ),
    "fleet.opt.interval": (
        "giây giữa hai báo cáo sẵn sàng của mỗi phòng",
        "seconds between two readiness reports of each room",
    ),
    "fleet.opt.fault_rate": (
        "tỉ lệ báo cáo có lỗi (0–1)",
        "the share of reports with a fault (0–1)",
    ),
    "fleet.opt.duration": (
        "dừng sau số giây này (0: chạy đến khi Ctrl-C)",
        "stop after this many seconds (0: run until Ctrl-C)",
    ),
    "fleet.opt.keepalive": (
        "keepalive MQTT của mỗi phòng, giây",
        "each room's MQTT keepalive, seconds",
    ),
    "fleet.started": (
        "{n} phòng giả lập của tỉnh {province} đã kết nối tới {broker}; Ctrl-C để dừng",
        "{n} simulated rooms of province {province} connected to {broker}; Ctrl-C to stop",
    ),
    "fleet.connect_failed": (
        "không kết nối được {n} phòng giả lập tới {broker}: {error}",
        "{n} simulated rooms could not connect to {broker}: {error}",
    ),
    "fleet.hint.camera": (
        "kiểm tra nắp ống kính, nguồn camera và bộ chuyển HDMI/SDI",
        "check the lens cap, the camera power and the HDMI/SDI converter",
    ),
    "fleet.hint.microphone": (
        "kiểm tra micro đã bật, chưa tắt tiếng và dây cắm vào bộ trộn âm",
        "check the microphone is on, not muted, and plugged into the mixer",
    ),
    "fleet.hint.network": (
        "kiểm tra cáp mạng và đường truyền tới MCU; gọi trung tâm nếu mất gói kéo dài",
        "check the network cable and the path to the MCU; call the centre if loss persists",
    ),
    "fleet.hint.display": (
        "bật màn hình/TV và chọn đúng cổng HDMI",
        "switch the display/TV on and select the right HDMI input",
    ),
}
