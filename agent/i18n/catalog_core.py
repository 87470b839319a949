"""Messages for config, the CLI, the check runner and the host/time/network checks."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- outside programs (agent/debian_packages.toml)
    "program.missing": (
        "chưa cài {program}: cài gói Debian {package} (apt-get install {package}, "
        "hoặc chạy scripts/install)",
        "{program} is not installed: install the Debian package {package} "
        "(apt-get install {package}, or run scripts/install)",
    ),
    # ---- config
    "config.missing": (
        "không tìm thấy tệp cấu hình {file}",
        "config file {file} not found",
    ),
    "config.unreadable": (
        "không đọc được tệp cấu hình {file}: {error}",
        "cannot read config file {file}: {error}",
    ),
    "config.bad_toml": (
        "tệp cấu hình {file} không đúng cú pháp TOML: {error}",
        "config file {file} is not valid TOML: {error}",
    ),
    "config.not_table": (
        "{file}: [{section}] phải là một bảng TOML (dòng [{section}] và các khóa bên dưới)",
        "{file}: [{section}] must be a TOML table (a [{section}] line with keys below it)",
    ),
    "config.bad_value": (
        "{file}: [{section}] {key} = {value} không hợp lệ; cho phép: {allowed}",
        "{file}: [{section}] {key} = {value} is invalid; allowed: {allowed}",
    ),
    "config.unknown_key": (
        "{file}: khóa không biết [{section}] {key}{suggestion}; các khóa hợp lệ: {known}",
        "{file}: unknown key [{section}] {key}{suggestion}; valid keys: {known}",
    ),
    "config.unknown_section": (
        "{file}: mục không biết [{section}]{suggestion}; các mục hợp lệ: {known}",
        "{file}: unknown section [{section}]{suggestion}; valid sections: {known}",
    ),
    "config.did_you_mean": (" (có phải ý bạn là '{name}'?)", " (did you mean '{name}'?)"),
    "config.allowed.slug": (
        "chữ thường a-z, số, '-' hoặc '_', bắt đầu bằng chữ hoặc số, tối đa 64 ký tự",
        "lower-case a-z, digits, '-' or '_', starting with a letter or digit, at most 64 characters",
    ),
    "config.allowed.district": (
        "'_' (không có huyện; từ 7/2025 không còn cấp huyện, hãy dùng groups) hoặc chữ thường "
        "a-z, số, '-', '_', tối đa 64 ký tự",
        "'_' (no district; the district tier is gone since July 2025, use groups) or lower-case "
        "a-z, digits, '-', '_', at most 64 characters",
    ),
    "config.allowed.unit": (
        "một loại đơn vị: xa (xã), phuong (phường), dac-khu (đặc khu), tinh (UBND/HĐND tỉnh), "
        "so-nganh (sở, ngành), cum (điểm cầu cụm), khac (khác)",
        "a unit kind: xa (commune), phuong (ward), dac-khu (special zone), tinh (provincial "
        "committee or council), so-nganh (provincial department), cum (regional point), "
        "khac (other)",
    ),
    "config.allowed.room_ref": (
        "mã điểm cầu (ví dụ xa-chieng-son) hoặc tỉnh/mã điểm cầu (ví dụ son-la/xa-chieng-son)",
        "a room id (e.g. xa-chieng-son) or province/room id (e.g. son-la/xa-chieng-son)",
    ),
    "config.allowed.positive": ("một số lớn hơn 0", "a number greater than 0"),
    "config.allowed.non_negative": ("một số từ 0 trở lên", "a number of 0 or more"),
    "config.allowed.check_names": (
        "tên kiểm tra trong: host, time, network, camera, microphone, speaker, display, ptz",
        "check names among: host, time, network, camera, microphone, speaker, display, ptz",
    ),
    "config.allowed.host_port": (
        'danh sách "máy:cổng", ví dụ ["mcu.tinh.vn:5060", "10.0.0.1:1720"]',
        'a list of "host:port", e.g. ["mcu.province.vn:5060", "10.0.0.1:1720"]',
    ),
    "config.allowed.weekly": (
        'dạng "thứ giờ:phút số-phút tiêu-đề", ví dụ "mon 08:00 120 Giao ban tuần" (mon..sun)',
        'the form "day HH:MM minutes title", e.g. "mon 08:00 120 Weekly briefing" (mon..sun)',
    ),
    "config.allowed.timezone": (
        'tên múi giờ IANA, ví dụ "Asia/Ho_Chi_Minh"',
        'an IANA time zone name, e.g. "Asia/Ho_Chi_Minh"',
    ),
    "config.allowed.range": ("từ {lo} đến {hi}", "from {lo} to {hi}"),
    "config.allowed.one_of": ("một trong {values}", "one of {values}"),
    "config.allowed.type": ("kiểu {type}", "type {type}"),
    # ---- runner
    "runner.overrun": (
        "kiểm tra {name} không xong trong {seconds} giây",
        "check {name} did not finish within {seconds} s",
    ),
    "runner.overrun_hint": (
        "thiết bị của mục {name} có thể bị treo: rút ra cắm lại hoặc khởi động lại máy, "
        "hoặc tăng [checks.timeouts] {name}",
        "the {name} device may be hung: replug it or restart the PC, "
        "or raise [checks.timeouts] {name}",
    ),
    "runner.crashed": ("kiểm tra {name} gặp lỗi: {error}", "check {name} crashed: {error}"),
    "runner.crashed_hint": (
        "chạy lại với --debug để xem chi tiết và báo cho trung tâm CNTT",
        "run again with --debug for details and tell the IT centre",
    ),
    "worker.failed": (
        "không chạy được kiểm tra {name} trong tiến trình phụ: {error}",
        "could not run check {name} in its worker process: {error}",
    ),
    # ---- host
    "host.summary": (
        "CPU {cpu}%, RAM {mem}%, đĩa trống {free}, nhiệt độ {temp}, chạy được {uptime}",
        "CPU {cpu}%, RAM {mem}%, disk free {free}, temperature {temp}, up {uptime}",
    ),
    "host.no_sensors": ("không có cảm biến", "no sensors"),
    "host.disk_low": (
        "ổ đĩa chỉ còn {free} MB trống tại {path}",
        "only {free} MB free on the disk holding {path}",
    ),
    "host.disk_low_hint": (
        "giải phóng ổ đĩa chứa {path} (cần ít nhất {need} MB): xóa bản ghi cũ, tệp tải về",
        "free space on the disk holding {path} (need at least {need} MB): remove old recordings and downloads",
    ),
    "host.cpu_high": ("CPU đang bận {cpu}%", "CPU busy at {cpu}%"),
    "host.cpu_high_hint": (
        "đóng các chương trình không cần thiết trên máy điều khiển",
        "close programs the meeting does not need on the control PC",
    ),
    "host.mem_high": ("RAM đã dùng {mem}%", "memory {mem}% used"),
    "host.mem_high_hint": (
        "đóng bớt chương trình hoặc khởi động lại máy trước cuộc họp",
        "close programs or restart the PC before the meeting",
    ),
    "host.temp_high": ("máy nóng {temp}°C", "PC running hot at {temp}°C"),
    "host.temp_high_hint": (
        "kiểm tra quạt, vệ sinh bụi và để máy nơi thoáng khí",
        "check the fans, clean out dust and give the PC room to breathe",
    ),
    # ---- time
    "time.ntp_unreachable": (
        "không hỏi được giờ từ máy chủ NTP {server}: {error}",
        "no answer from NTP server {server}: {error}",
    ),
    "time.ntp_unreachable_hint": (
        "kiểm tra địa chỉ [time] ntp_server = {server} và tường lửa cho cổng UDP 123",
        "check [time] ntp_server = {server} and that the firewall lets UDP port 123 through",
    ),
    "time.no_source": (
        "không có nguồn đồng bộ giờ để đo",
        "no time source to measure against",
    ),
    "time.no_source_hint": (
        "đặt [time] ntp_server (ví dụ máy chủ NTP của tỉnh) để đo độ lệch đồng hồ",
        "set [time] ntp_server (e.g. the province's NTP server) to measure the clock offset",
    ),
    "time.synced": ("đồng hồ đã đồng bộ NTP", "clock is NTP-synchronised"),
    "time.not_synced": ("đồng hồ chưa đồng bộ NTP", "clock is not NTP-synchronised"),
    "time.not_synced_hint": (
        "bật đồng bộ giờ: timedatectl set-ntp true, và kiểm tra máy chủ NTP",
        "enable time sync: timedatectl set-ntp true, and check the NTP server",
    ),
    "time.offset_high": (
        "đồng hồ lệch {offset} ms (ngưỡng {limit} ms)",
        "clock is off by {offset} ms (limit {limit} ms)",
    ),
    "time.offset_high_hint": (
        "đồng hồ sai làm lỗi TLS và lịch họp: bật đồng bộ NTP (timedatectl set-ntp true)",
        "a wrong clock breaks TLS and the meeting schedule: enable NTP (timedatectl set-ntp true)",
    ),
    "time.offset_ok": ("đồng hồ lệch {offset} ms", "clock offset {offset} ms"),
    # ---- network
    "network.no_targets": ("chưa cấu hình đích kiểm tra mạng", "no network targets configured"),
    "network.no_targets_hint": (
        'thêm MCU và gatekeeper vào [network] targets = ["mcu:5060", ...]',
        'add the MCU and gatekeeper to [network] targets = ["mcu:5060", ...]',
    ),
    "network.ok": ("thời gian kết nối: {targets}", "connect times: {targets}"),
    "network.dns_failed": ("không phân giải được tên {target}", "cannot resolve {target}"),
    "network.dns_failed_hint": (
        "kiểm tra tên máy {host} và máy chủ DNS của mạng hội nghị",
        "check the host name {host} and the conference network's DNS server",
    ),
    "network.refused": (
        "{target} từ chối kết nối",
        "{target} refused the connection",
    ),
    "network.refused_hint": (
        "máy {host} có mạng nhưng cổng {port} đóng: kiểm tra dịch vụ trên MCU và số cổng trong [network] targets",
        "{host} is reachable but port {port} is closed: check the service on the MCU and the port in [network] targets",
    ),
    "network.timeout": (
        "{target} không trả lời trong {timeout} ms",
        "no answer from {target} within {timeout} ms",
    ),
    "network.timeout_hint": (
        "kiểm tra đường truyền WAN, router và tường lửa tới {host} cổng {port}",
        "check the WAN link, the router and the firewall on the path to {host} port {port}",
    ),
    "network.unreachable": ("không có đường tới {target}", "no route to {target}"),
    "network.unreachable_hint": (
        "kiểm tra cáp mạng, router và đường truyền thuê bao tới {host}",
        "check the network cable, the router and the leased line to {host}",
    ),
    "network.loss": (
        "mất {loss}% gói kết nối tới {target}",
        "{loss}% of connects to {target} lost",
    ),
    "network.loss_hint": (
        "đường truyền tới {target} chập chờn: báo nhà mạng và kiểm tra router",
        "the link to {target} is unstable: call the telecom operator and check the router",
    ),
    "network.slow": (
        "{target} chậm: {rtt} ms (ngưỡng {limit} ms)",
        "{target} is slow: {rtt} ms (limit {limit} ms)",
    ),
    "network.jitter": (
        "{target} dao động {jitter} ms (ngưỡng {limit} ms)",
        "{target} jitter {jitter} ms (limit {limit} ms)",
    ),
    # ---- CLI
    "cli.description": (
        "Tác tử điểm cầu hội nghị truyền hình: tự kiểm tra, điều khiển camera PTZ, báo trạng thái về trung tâm.",
        "Video-conference room agent: self-tests, PTZ camera control, readiness reporting to central.",
    ),
    "cli.epilog": (
        "Mã thoát của 'check': 0 sẵn sàng, 1 hạn chế, 2 chưa sẵn sàng, 3 không chạy được.\n"
        "Cấu hình: --config, rồi $HNTH_AGENT_CONFIG, rồi /etc/hnth-agent/config.toml.",
        "Exit codes of 'check': 0 ready, 1 degraded, 2 not ready, 3 could not run.\n"
        "Config: --config, then $HNTH_AGENT_CONFIG, then /etc/hnth-agent/config.toml.",
    ),
    "cli.usage_error": ("lỗi cú pháp lệnh", "usage error"),
    "cli.interrupted": ("đã dừng theo yêu cầu", "interrupted"),
    "cli.unexpected": ("lỗi không lường trước: {error}", "unexpected error: {error}"),
    "cli.run_with_debug": ("chạy lại với --debug để xem chi tiết", "run with --debug for details"),
    "cli.opt.config": ("tệp cấu hình TOML", "TOML config file"),
    "cli.opt.lang": ("ngôn ngữ hiển thị (vi hoặc en)", "display language (vi or en)"),
    "cli.opt.debug": ("in chi tiết gỡ lỗi và traceback", "print debug logs and tracebacks"),
    "cli.opt.json": ("in kết quả dạng JSON", "print the result as JSON"),
    "cli.check.help": (
        "kiểm tra điểm cầu trước cuộc họp (camera, micro, loa, màn hình, mạng, máy tính)",
        "check the room before a meeting (camera, mic, speaker, display, network, host)",
    ),
    "cli.check.only": (
        "chỉ chạy các mục này, cách nhau bởi dấu phẩy: {names}",
        "run only these, comma-separated: {names}",
    ),
    "cli.check.in_meeting": (
        "đang trong cuộc họp: không phát âm thử ra loa",
        "a meeting is in progress: do not play the speaker probe",
    ),
    "cli.check.unknown": (
        "mục kiểm tra không tồn tại: {names}; các mục có: {known}",
        "no such check: {names}; available: {known}",
    ),
    "cli.devices.help": (
        "liệt kê camera, thiết bị âm thanh, màn hình và cổng nối tiếp của máy",
        "list the cameras, audio devices, displays and serial ports of this PC",
    ),
    "cli.ptz.help": ("điều khiển camera PTZ qua VISCA", "control the PTZ camera over VISCA"),
    "cli.sim.help": (
        "chạy thiết bị giả lập (camera VISCA, ...)",
        "run a simulated device (VISCA camera, ...)",
    ),
    "cli.sim.fleet.help": (
        "mô phỏng nhiều điểm cầu gửi trạng thái về trung tâm (trình diễn, thử tải)",
        "simulate many rooms reporting to central (demos and load tests)",
    ),
    "cli.mqtt_test.help": (
        "chẩn đoán kết nối tới máy chủ MQTT từng bước",
        "diagnose the link to the MQTT broker step by step",
    ),
    "cli.run.help": (
        "chạy tác tử thường trực (dịch vụ systemd)",
        "run the agent daemon (systemd service)",
    ),
    "cli.demo.help": (
        "chạy một điểm cầu giả lập đầy đủ để trình diễn",
        "run a whole simulated room for a demo",
    ),
    "cli.board.help": ("bảng theo dõi trạng thái tại trung tâm", "the central readiness board"),
    "cli.report.help": ("báo cáo tính sẵn sàng theo tháng", "monthly availability reports"),
    "cli.missing_package": (
        "lệnh '{command}' chạy ở trung tâm và cần gói {package}, chưa được cài trên máy này; cài bằng: pip install 'hnth-agent[{package}]' (hoặc scripts/install --dev)",
        "'{command}' runs at the centre and needs the {package} package, which is not installed on this machine; install it with: pip install 'hnth-agent[{package}]' (or scripts/install --dev)",
    ),
    # ---- report rendering
    "report.room": ("Điểm cầu: {name} ({path})", "Room: {name} ({path})"),
    "report.col.check": ("MỤC", "CHECK"),
    "report.col.status": ("KẾT QUẢ", "STATUS"),
    "report.col.summary": ("CHI TIẾT", "DETAILS"),
    "report.todo": ("Cần làm:", "To do:"),
    "report.snapshot": ("Ảnh chụp camera: {path}", "Camera snapshot: {path}"),
    "report.verdict": ("Kết luận: {verdict} ({ms} ms)", "Verdict: {verdict} ({ms} ms)"),
    "report.progress": (
        "Đang kiểm tra {done}/{total}… chờ: {waiting}",
        "Checking {done}/{total}… waiting for: {waiting}",
    ),
    "check.host": ("Máy tính", "Host PC"),
    "check.time": ("Đồng hồ", "Clock"),
    "check.network": ("Mạng", "Network"),
    "check.camera": ("Camera", "Camera"),
    "check.microphone": ("Micro", "Microphone"),
    "check.speaker": ("Loa", "Speaker"),
    "check.display": ("Màn hình", "Display"),
    "check.ptz": ("Điều khiển PTZ", "PTZ control"),
    "status.pass": ("ĐẠT", "PASS"),
    "status.warn": ("CẢNH BÁO", "WARN"),
    "status.fail": ("LỖI", "FAIL"),
    "status.skip": ("BỎ QUA", "SKIP"),
    "status.error": ("SỰ CỐ", "ERROR"),
    "verdict.ready": ("SẴN SÀNG", "READY"),
    "verdict.degraded": ("HẠN CHẾ", "DEGRADED"),
    "verdict.not_ready": ("CHƯA SẴN SÀNG", "NOT READY"),
}
