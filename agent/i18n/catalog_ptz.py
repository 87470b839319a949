"""Messages for VISCA, the PTZ camera client, `hnth-agent ptz`, `sim visca` and the ptz check."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- camera error replies, named by cause
    "ptz.err.length": (
        "camera {address} báo lệnh {command} quá dài",
        "camera {address} says command {command} is too long",
    ),
    "ptz.err.length_hint": (
        "camera này không nhận lệnh dài; kiểm tra kiểu camera và [ptz] max_speed_pan",
        "this camera does not take long messages; check the camera model and [ptz] settings",
    ),
    "ptz.err.syntax": (
        "camera {address} không hiểu lệnh {command} (lỗi cú pháp hoặc tham số không hợp lệ)",
        "camera {address} does not understand {command} (syntax error or illegal parameter)",
    ),
    "ptz.err.syntax_hint": (
        "kiểm tra tốc độ, số preset và vị trí có nằm trong giới hạn của kiểu camera này",
        "check that speed, preset number and position are within this camera model's limits",
    ),
    "ptz.err.buffer_full": (
        "camera {address} đang bận cả hai ô lệnh, không nhận {command}",
        "camera {address} has both command sockets busy and refused {command}",
    ),
    "ptz.err.buffer_full_hint": (
        "chờ camera dừng chuyển động rồi thử lại, hoặc gửi lệnh dừng",
        "wait for the camera to finish moving and retry, or send stop",
    ),
    "ptz.err.cancelled": (
        "lệnh {command} của camera {address} đã bị hủy trước khi hoàn tất",
        "camera {address} cancelled {command} before it completed",
    ),
    "ptz.err.cancelled_hint": (
        "một lệnh hủy hoặc xóa bộ đệm đã dừng lệnh này; gửi lại nếu cần",
        "a cancel or interface clear stopped it; send it again if needed",
    ),
    "ptz.err.no_socket": (
        "camera {address}: không có lệnh nào trong ô cần hủy",
        "camera {address}: no command in that socket to cancel",
    ),
    "ptz.err.no_socket_hint": (
        "lệnh đó đã xong trước khi lệnh hủy tới; không cần làm gì",
        "that command had already finished; nothing to do",
    ),
    "ptz.err.not_executable": (
        "camera {address} không thể thực hiện {command} lúc này",
        "camera {address} cannot execute {command} now",
    ),
    "ptz.err.not_executable_hint": (
        "camera có thể đang ở chế độ chờ (standby): bật nguồn bằng 'hnth-agent ptz power on'",
        "the camera may be in standby: power it on with 'hnth-agent ptz power on'",
    ),
    # ---- local misuse and remote garbage
    "ptz.bad_address": (
        "địa chỉ camera {value} không hợp lệ; cho phép 1..7",
        "camera address {value} is invalid; allowed 1..7",
    ),
    "ptz.out_of_range": (
        "{field} = {value} nằm ngoài giới hạn; cho phép {lo}..{hi}",
        "{field} = {value} is out of range; allowed {lo}..{hi}",
    ),
    "ptz.bad_direction": (
        "hướng '{value}' không hợp lệ; cho phép: {allowed}",
        "direction '{value}' is invalid; allowed: {allowed}",
    ),
    "ptz.bad_choice": (
        "{field} = '{value}' không hợp lệ; cho phép: {allowed}",
        "{field} = '{value}' is invalid; allowed: {allowed}",
    ),
    "ptz.bad_nibbles": (
        "camera gửi số không đúng dạng VISCA (mỗi byte một nửa byte): {data}",
        "the camera sent a number that is not nibble-coded: {data}",
    ),
    "ptz.bad_packet": (
        "nhận được gói tin không phải trả lời VISCA: {data}",
        "received a packet that is not a VISCA reply: {data}",
    ),
    "ptz.bad_answer": (
        "câu trả lời cho {command} có độ dài không đúng: {data}",
        "the answer to {command} has the wrong length: {data}",
    ),
    "ptz.ip.bad_length": (
        "gói VISCA qua IP phải dài 1..16 byte, không phải {length}",
        "a VISCA-over-IP payload must be 1..16 bytes, not {length}",
    ),
    "ptz.ip.bad_length_hint": (
        "VISCA qua IP của Sony chở tối đa 16 byte; lệnh đến vị trí tuyệt đối của camera 20 bit"
        " (17 byte) không đi qua được: dùng cổng nối tiếp hoặc tcp://, hoặc dùng preset",
        "Sony's VISCA over IP carries at most 16 bytes, so a 20-bit absolute move (17 bytes)"
        " cannot go over it: use the serial line or tcp://, or presets",
    ),
    "ptz.ip.bad_datagram": (
        "gói UDP không đúng khuôn dạng VISCA qua IP: {data}",
        "a datagram that is not VISCA over IP: {data}",
    ),
    # ---- ports and transports
    "ptz.no_port": (
        "chưa cấu hình cổng điều khiển camera PTZ",
        "no PTZ camera port is configured",
    ),
    "ptz.no_port_hint": (
        "đặt [ptz] port trong tệp cấu hình (ví dụ /dev/ttyUSB0 hoặc visca-ip://192.168.1.20) hoặc dùng --port",
        "set [ptz] port in the config file (e.g. /dev/ttyUSB0 or visca-ip://192.168.1.20) or pass --port",
    ),
    "ptz.bad_url": (
        "không hiểu địa chỉ cổng '{url}'; dùng đường dẫn thiết bị hoặc một trong các dạng: {schemes}",
        "cannot use port '{url}'; give a device path or one of: {schemes}",
    ),
    "ptz.bad_option": (
        "tùy chọn {name}={value} trong địa chỉ cổng phải là số nguyên",
        "port option {name}={value} must be an integer",
    ),
    "ptz.port_missing": (
        "cổng nối tiếp {port} không tồn tại",
        "serial port {port} does not exist",
    ),
    "ptz.port_missing_hint": (
        "kiểm tra bộ chuyển đổi USB-RS232 đã cắm chưa (ls /dev/ttyUSB*) và [ptz] port",
        "check that the USB serial adapter is plugged in (ls /dev/ttyUSB*) and [ptz] port",
    ),
    "ptz.port_denied": (
        "không có quyền mở cổng {port}",
        "no permission to open {port}",
    ),
    "ptz.port_denied_hint": (
        "thêm người dùng của dịch vụ vào nhóm dialout rồi khởi động lại dịch vụ",
        "add the service's user to the dialout group and restart the service",
    ),
    "ptz.port_busy": (
        "cổng {port} đang được chương trình khác sử dụng",
        "port {port} is in use by another program",
    ),
    "ptz.port_busy_hint": (
        "đóng phần mềm điều khiển camera khác (hoặc dừng dịch vụ hnth-agent) rồi thử lại",
        "close the other camera-control software (or stop the hnth-agent service) and retry",
    ),
    "ptz.port_open_failed": (
        "không mở được cổng {port}: {error}",
        "cannot open port {port}: {error}",
    ),
    "ptz.port_lost": (
        "mất kết nối tới {port}: {error}",
        "lost the connection to {port}: {error}",
    ),
    "ptz.port_lost_hint": (
        "kiểm tra bộ chuyển đổi USB và dây cáp; tác tử sẽ tự mở lại cổng ở lệnh sau",
        "check the USB adapter and the cable; the agent reopens the port on the next command",
    ),
    "ptz.connect_failed": (
        "không kết nối được tới camera {url}: {error}",
        "cannot reach the camera at {url}: {error}",
    ),
    "ptz.connect_failed_hint": (
        "kiểm tra địa chỉ IP, cổng và giao thức: Sony dùng UDP 52381 (visca-ip://), nhiều hãng khác dùng TCP 5678 hoặc UDP 1259",
        "check the IP address, the port and the protocol: Sony uses UDP 52381 (visca-ip://), many others TCP 5678 or UDP 1259",
    ),
    "ptz.closed": ("cổng {port} đã đóng", "port {port} was closed"),
    # ---- the camera client
    "ptz.no_reply": (
        "camera {address} trên {port} không trả lời trong {ms} ms",
        "no reply from camera {address} on {port} within {ms} ms",
    ),
    "ptz.no_reply_hint": (
        "kiểm tra nguồn điện, dây nhận (RX) và tốc độ baud",
        "check power, the RX wire and the baud rate",
    ),
    "ptz.no_reply_ip_hint": (
        "kiểm tra nguồn camera, địa chỉ IP, cổng và việc bật VISCA qua IP trên camera (Sony: UDP 52381)",
        "check the camera's power, its IP address and port, and that VISCA over IP is enabled (Sony: UDP 52381)",
    ),
    "ptz.no_reply_tcp_hint": (
        "kiểm tra nguồn camera, địa chỉ IP và cổng TCP của VISCA thô (thường là 5678, như PTZOptics"
        " và nhiều camera OEM), và việc bật điều khiển VISCA qua TCP trên camera",
        "check the camera's power, its IP address and its raw-VISCA TCP port (often 5678, as on"
        " PTZOptics and many OEM cameras), and that VISCA over TCP is enabled on the camera",
    ),
    "ptz.no_reply_udp_hint": (
        "kiểm tra nguồn camera, địa chỉ IP và cổng UDP của VISCA thô (thường là 1259); camera"
        " Sony cần visca-ip:// (UDP 52381, có phần đầu 8 byte)",
        "check the camera's power, its IP address and its raw-VISCA UDP port (often 1259); a Sony"
        " camera needs visca-ip:// (UDP 52381, with the 8-byte header)",
    ),
    "ptz.garbled": (
        "camera {address} trên {port} gửi dữ liệu không đọc được ({data}) thay vì câu trả lời",
        "camera {address} on {port} sent unreadable bytes ({data}) instead of a reply",
    ),
    "ptz.garbled_hint": (
        "kiểm tra tốc độ baud (9600 hoặc 38400, thêm ?baud= vào [ptz] port), dây cáp và đầu nối",
        "check the baud rate (9600 or 38400; add ?baud= to [ptz] port), the cable and the connectors",
    ),
    "ptz.busy": (
        "camera {address} trên {port} vẫn chưa trả lời lệnh trước sau {ms} ms",
        "camera {address} on {port} has not answered the previous command after {ms} ms",
    ),
    "ptz.no_completion": (
        "camera {address} đã nhận {command} nhưng không báo hoàn tất trong {ms} ms",
        "camera {address} accepted {command} but did not report completion within {ms} ms",
    ),
    "ptz.no_completion_hint": (
        "camera có thể bị vướng hoặc đang chuyển động chậm; xem camera và tăng [ptz] move_timeout_ms nếu cần",
        "the camera may be blocked or moving slowly; look at it and raise [ptz] move_timeout_ms if needed",
    ),
    "ptz.no_camera": (
        "không có camera nào mang địa chỉ {address} trên {port}: gói tin quay về qua chuỗi",
        "no camera has address {address} on {port}: the packet came back around the chain",
    ),
    "ptz.no_camera_hint": (
        "chạy 'hnth-agent ptz discover' để đếm camera và kiểm tra [ptz] address",
        "run 'hnth-agent ptz discover' to count the cameras and check [ptz] address",
    ),
    "ptz.superseded.stop": (
        "lệnh {command} tới camera {address} bị lệnh dừng vượt lên trước khi camera trả lời",
        "{command} to camera {address} was overtaken by STOP before the camera answered",
    ),
    "ptz.superseded.socket_reused": (
        "camera {address} đã dùng lại ô lệnh của {command}: mất thông báo hoàn tất",
        "camera {address} reused the socket of {command}: its completion was lost",
    ),
    "ptz.superseded_hint": (
        "đọc lại vị trí bằng 'hnth-agent ptz position' và gửi lại lệnh nếu cần",
        "read the position back with 'hnth-agent ptz position' and send the command again if needed",
    ),
    "ptz.power_fault": (
        "camera {address} báo lỗi nguồn bên trong",
        "camera {address} reports an internal power fault",
    ),
    "ptz.power_fault_hint": (
        "tắt nguồn camera, chờ 10 giây rồi bật lại; nếu vẫn lỗi, báo kỹ thuật",
        "switch the camera off at the mains, wait 10 seconds, switch it on; if it persists, call support",
    ),
    "ptz.allowed.port_pelco": (
        "URL pelco-d:// hoặc pelco-p:// với đường dẫn cổng, ?address= 1..255 (Pelco-P: 1..256), baud= 50..4000000, home= 1..255",
        "a pelco-d:// or pelco-p:// URL with a device path, ?address= 1..255 (Pelco-P: 1..256), baud= 50..4000000, home= 1..255",
    ),
    "ptz.allowed.home_position": (
        "danh sách rỗng, [pan, tilt] hoặc [pan, tilt, zoom]",
        "an empty list, [pan, tilt] or [pan, tilt, zoom]",
    ),
    # ---- hnth-agent ptz
    "ptz.cli.which": (
        "chọn một lệnh: info, power, move, stop, zoom, zoom-to, focus, home, goto, preset, position, discover",
        "choose a command: info, power, move, stop, zoom, zoom-to, focus, home, goto, preset, position, discover",
    ),
    "ptz.cli.opt.port": (
        "cổng camera: /dev/ttyUSB0, serial:///dev/ttyUSB0?baud=9600, visca-ip://IP, tcp://IP:5678, udp://IP:1259, pelco-d:///dev/ttyUSB0?baud=2400&address=1, pelco-p://… (mặc định [ptz] port)",
        "camera port: /dev/ttyUSB0, serial:///dev/ttyUSB0?baud=9600, visca-ip://IP, tcp://IP:5678, udp://IP:1259, pelco-d:///dev/ttyUSB0?baud=2400&address=1, pelco-p://… (default [ptz] port)",
    ),
    "ptz.cli.opt.address": (
        "địa chỉ camera: VISCA 1..7 trên chuỗi, Pelco 1..255 (mặc định ?address= trong URL)",
        "camera address: VISCA 1..7 on the chain, Pelco 1..255 (default: the URL's ?address=)",
    ),
    "ptz.cli.opt.speed": (
        "tốc độ quay: VISCA 1..24 (0x18), Pelco 1..64 (64 = turbo)",
        "pan speed: VISCA 1..24 (0x18), Pelco 1..64 (64 = turbo)",
    ),
    "ptz.cli.opt.zoom_speed": ("tốc độ zoom 0..7", "zoom speed 0..7"),
    "ptz.cli.opt.duration": (
        "quay trong SEC giây rồi tự gửi lệnh dừng",
        "move for SEC seconds, then send stop",
    ),
    "ptz.cli.help.info": ("hãng, kiểu, phiên bản ROM, số ô lệnh", "vendor, model, ROM, sockets"),
    "ptz.cli.help.power": (
        "bật, tắt (chờ) hoặc xem trạng thái nguồn",
        "power on, standby, or show power",
    ),
    "ptz.cli.help.move": ("quay theo một trong 8 hướng", "move in one of 8 directions"),
    "ptz.cli.help.stop": ("dừng quay", "stop moving"),
    "ptz.cli.help.zoom": ("zoom vào, ra hoặc dừng", "zoom in, out or stop"),
    "ptz.cli.help.zoom-to": ("zoom tới vị trí N", "zoom to position N"),
    "ptz.cli.help.focus": (
        "lấy nét: VISCA auto, manual hoặc one-push; Pelco near, far hoặc stop",
        "focus: VISCA auto, manual or one-push; Pelco near, far or stop",
    ),
    "ptz.cli.help.home": ("về vị trí gốc", "go home"),
    "ptz.cli.help.goto": (
        "tới vị trí tuyệt đối PAN TILT (số có dấu)",
        "move to absolute PAN TILT (signed)",
    ),
    "ptz.cli.help.preset": ("gọi, lưu hoặc xóa preset N", "recall, set or clear preset N"),
    "ptz.cli.help.position": ("in pan, tilt, zoom hiện tại", "print pan, tilt and zoom"),
    "ptz.cli.help.discover": (
        "đếm số camera trên chuỗi (Address Set)",
        "count the cameras on the chain (Address Set)",
    ),
    "ptz.cli.info": (
        "{vendor} kiểu {model}, ROM {rom}, {max_socket} ô lệnh; trả lời sau {response_ms} ms ({port}, camera {address})",
        "{vendor} model {model}, ROM {rom}, {max_socket} sockets; answered in {response_ms} ms ({port}, camera {address})",
    ),
    "ptz.cli.power_on": ("camera {address} đang bật", "camera {address} is on"),
    "ptz.cli.power_standby": (
        "camera {address} đang ở chế độ chờ",
        "camera {address} is in standby",
    ),
    "ptz.cli.moving": (
        "đang quay {direction} tốc độ {speed}; dừng bằng 'hnth-agent ptz stop'",
        "moving {direction} at speed {speed}; stop with 'hnth-agent ptz stop'",
    ),
    "ptz.cli.zoom": ("zoom: {action}", "zoom: {action}"),
    "ptz.cli.focus": ("lấy nét: {mode}", "focus: {mode}"),
    "ptz.cli.preset_recall": ("đã tới preset {n}", "at preset {n}"),
    "ptz.cli.preset_set": ("đã lưu preset {n}", "preset {n} saved"),
    "ptz.cli.preset_clear": ("đã xóa preset {n}", "preset {n} cleared"),
    "ptz.cli.discover": ("{n} camera trên {port}", "{n} camera(s) on {port}"),
    "ptz.cli.done": ("xong", "done"),
    "ptz.cli.signal_stop": (
        "nhận {signal}: đã gửi lệnh dừng tới camera trước khi thoát",
        "got {signal}: sent STOP to the camera before exiting",
    ),
    "ptz.cli.signal_stop_failed": (
        "nhận {signal}: gửi lệnh dừng tới camera không thành công ({error}); camera có thể vẫn"
        " đang quay, hãy chạy lại 'hnth-agent ptz stop'",
        "got {signal}: STOP to the camera failed ({error}); it may still be moving, run"
        " 'hnth-agent ptz stop' again",
    ),
    "ptz.cli.position_no_zoom": (
        "pan {pan}  tilt {tilt}  zoom: không đọc được (camera không trả lời câu hỏi vị trí zoom)",
        "pan {pan}  tilt {tilt}  zoom unavailable (the camera does not answer the zoom inquiry)",
    ),
    "ptz.cli.cap.power_on": ("nguồn: đang bật", "power: on"),
    "ptz.cli.cap.power_standby": ("nguồn: đang chờ (standby)", "power: standby"),
    "ptz.cli.cap.power_none": (
        "nguồn: camera không trả lời câu hỏi nguồn",
        "power: the camera does not answer the power inquiry",
    ),
    "ptz.cli.cap.standby": (
        "camera đang chờ: bật nguồn ('hnth-agent ptz power on') để hỏi zoom và lấy nét",
        "the camera is in standby: power it on ('hnth-agent ptz power on') to probe zoom and focus",
    ),
    "ptz.cli.cap.zoom": ("vị trí zoom: {zoom}", "zoom position: {zoom}"),
    "ptz.cli.cap.zoom_none": (
        "vị trí zoom: không có (camera không trả lời câu hỏi zoom)",
        "zoom position: unavailable (the camera does not answer the zoom inquiry)",
    ),
    "ptz.cli.cap.focus": ("chế độ lấy nét: {mode}", "focus mode: {mode}"),
    "ptz.cli.cap.focus_none": (
        "chế độ lấy nét: không có (camera không trả lời câu hỏi lấy nét)",
        "focus mode: unavailable (the camera does not answer the focus inquiry)",
    ),
    "ptz.cli.cap.speed": (
        "tốc độ tối đa: pan {pan}, tilt {tilt}",
        "maximum speed: pan {pan}, tilt {tilt}",
    ),
    "ptz.cli.cap.speed_none": (
        "tốc độ tối đa: camera không cho biết",
        "maximum speed: not reported by the camera",
    ),
    "ptz.cli.cap.presets": (
        "preset: 0..{last} (theo [ptz] max_preset)",
        "presets: 0..{last} (from [ptz] max_preset)",
    ),
    "ptz.cli.cap.profile": (
        "hồ sơ đặc điểm: {name} (theo [ptz] profile)",
        "quirk profile: {name} (from [ptz] profile)",
    ),
    "ptz.cli.cap.profile_detected": (
        "hồ sơ đặc điểm: {name} (nhận ra từ câu hỏi phiên bản)",
        "quirk profile: {name} (detected from the version inquiry)",
    ),
    "ptz.cli.cap.range": ("giới hạn vị trí: {lo}..{hi}", "position range: {lo}..{hi}"),
    "ptz.cli.cap.range_none": (
        "giới hạn vị trí: camera không cho biết",
        "position range: not reported by the camera",
    ),
    "ptz.cli.info_pelco": (
        "camera {protocol} số {address} trên {port}, {baud} baud, preset home {home_preset}",
        "{protocol} camera {address} on {port}, {baud} baud, home preset {home_preset}",
    ),
    "ptz.cli.cap.pelco_position": (
        "trả lời lệnh hỏi vị trí (0x51/0x53/0x55)",
        "answers the position queries (0x51/0x53/0x55)",
    ),
    "ptz.cli.cap.pelco_no_position": (
        "không trả lời lệnh hỏi vị trí: không đọc được vị trí camera",
        "does not answer the position queries: the camera's position is unavailable",
    ),
    "ptz.cli.position_unavailable": (
        "không đọc được vị trí: {why}",
        "position unavailable: {why}",
    ),
    "ptz.cli.position": (
        "pan {pan}  tilt {tilt}  zoom {zoom}",
        "pan {pan}  tilt {tilt}  zoom {zoom}",
    ),
    # ---- the ptz check
    "ptz.check.no_port": ("chưa cấu hình camera PTZ", "no PTZ camera configured"),
    "ptz.check.zoom_unknown": ("không đọc được", "unavailable"),
    "ptz.check.no_port_hint": (
        "đặt [ptz] port (ví dụ /dev/ttyUSB0) để kiểm tra camera PTZ",
        "set [ptz] port (e.g. /dev/ttyUSB0) to check the PTZ camera",
    ),
    "ptz.check.pelco_unverified_home": (
        "camera {name} đã được gửi về preset {n}, nhưng không kiểm tra được vị trí: {why}",
        "camera {name} was sent to preset {n}, but its position cannot be verified: {why}",
    ),
    "ptz.check.pelco_unverified": (
        "camera {name}: không kiểm tra được vị trí: {why}",
        "camera {name}: its position cannot be verified: {why}",
    ),
    "ptz.check.pelco_partial": (
        "camera {name} không trả lời lệnh hỏi {axes}: không kiểm tra được vị trí",
        "camera {name} does not answer the {axes} query: its position cannot be verified",
    ),
    "ptz.check.pelco_partial_hint": (
        "kiểm tra dây RS-485 chiều camera → máy tính, tốc độ baud và địa chỉ; hoặc camera không hỗ trợ lệnh hỏi này",
        "check the RS-485 pair from camera to PC, the baud rate and the address; or the camera lacks this query",
    ),
    "ptz.check.powering_on": ("đang bật nguồn camera PTZ…", "powering the PTZ camera on…"),
    "ptz.check.standby": ("camera {name} đang ở chế độ chờ", "camera {name} is in standby"),
    "ptz.check.standby_hint": (
        "bật camera bằng 'hnth-agent ptz power on' hoặc đặt [ptz] power_on_before_meeting = true",
        "power it on with 'hnth-agent ptz power on' or set [ptz] power_on_before_meeting = true",
    ),
    "ptz.check.ok": (
        "{name} trả lời sau {ms} ms; pan {pan}, tilt {tilt}, zoom {zoom}",
        "{name} answered in {ms} ms; pan {pan}, tilt {tilt}, zoom {zoom}",
    ),
    "ptz.check.home_ok": (
        "{name} trả lời sau {ms} ms; đã về preset {n} (pan {pan}, tilt {tilt}, zoom {zoom}, lệch {drift})",
        "{name} answered in {ms} ms; at home preset {n} (pan {pan}, tilt {tilt}, zoom {zoom}, drift {drift})",
    ),
    "ptz.check.drift": (
        "camera không về đúng preset {n}: đang ở pan {pan}, tilt {tilt}, zoom {zoom}, mong đợi {ref} (lệch {drift} > {tolerance})",
        "camera did not reach preset {n}: at pan {pan}, tilt {tilt}, zoom {zoom}, expected {ref} (drift {drift} > {tolerance})",
    ),
    "ptz.check.drift_hint": (
        "xem camera có bị vướng không; nếu preset {n} được lưu lại có chủ ý, chạy 'hnth-agent ptz preset set {n}'",
        "check that nothing blocks the camera; if preset {n} was re-saved on purpose, run 'hnth-agent ptz preset set {n}'",
    ),
    # ---- hnth-agent sim visca
    "ptz.sim.help": (
        "giả lập camera VISCA (Sony EVI) trên pty, TCP hoặc VISCA qua IP",
        "emulate a VISCA camera (Sony EVI) on a pty, TCP or VISCA over IP",
    ),
    "ptz.sim.which": ("chọn thiết bị giả lập: {devices}", "choose a device to simulate: {devices}"),
    "ptz.sim.nothing": (
        "chọn ít nhất một đường vào: --pty, --link PATH hoặc --listen URL",
        "choose at least one way in: --pty, --link PATH or --listen URL",
    ),
    "ptz.sim.bad_cameras": (
        "số camera {value} không hợp lệ; cho phép 1..7",
        "{value} cameras is invalid; allowed 1..7",
    ),
    "ptz.sim.bad_listen": (
        "--listen {url}: dùng tcp://, udp:// hoặc visca-ip:// (cổng nối tiếp: dùng --pty)",
        "--listen {url}: use tcp://, udp:// or visca-ip:// (for serial use --pty)",
    ),
    "ptz.sim.not_loopback": (
        "chỉ nghe trên loopback (127.0.0.1) trừ khi có --allow-remote; {host} không phải loopback",
        "only loopback (127.0.0.1) unless --allow-remote is given; {host} is not loopback",
    ),
    "ptz.sim.listen_failed": (
        "không nghe được trên {url}: {error}",
        "cannot listen on {url}: {error}",
    ),
    "ptz.sim.bad_hex": (
        "--hang cần chuỗi hex, ví dụ 01043F02: {value}",
        "--hang needs hex such as 01043F02: {value}",
    ),
    "ptz.sim.running": (
        "camera VISCA giả lập: {cameras} camera, {baud} baud, {field_hz} Hz, lỗi giả lập: {faults}; Ctrl-C để dừng",
        "VISCA camera emulator: {cameras} camera(s), {baud} baud, {field_hz} Hz, faults: {faults}; Ctrl-C to stop",
    ),
    "ptz.sim.stopped": (
        "đã dừng giả lập sau {requests} gói tin",
        "emulator stopped after {requests} packets",
    ),
    "ptz.sim.opt.pty": (
        "mở một pty và in đường dẫn thiết bị",
        "open a pty and print its device path",
    ),
    "ptz.sim.opt.link": (
        "tạo liên kết cố định PATH tới pty (giữ nguyên khi cắm lại)",
        "make a stable symlink PATH to the pty (kept across replugs)",
    ),
    "ptz.sim.opt.listen": (
        "nghe tcp://127.0.0.1:5678, udp://127.0.0.1:1259 hoặc visca-ip://127.0.0.1:52381 (lặp lại được)",
        "listen on tcp://127.0.0.1:5678, udp://127.0.0.1:1259 or visca-ip://127.0.0.1:52381 (repeatable)",
    ),
    "ptz.sim.opt.cameras": ("số camera trên chuỗi, 1..7", "cameras on the chain, 1..7"),
    "ptz.sim.opt.baud": (
        "tốc độ đường truyền giả lập (0: không giới hạn)",
        "emulated line speed (0: unpaced)",
    ),
    "ptz.sim.opt.field_hz": (
        "tần số trường ảnh; camera trả lời sau một trường (0: ngay lập tức)",
        "video field rate; replies come one field later (0: at once)",
    ),
    "ptz.sim.opt.fault": ("bật một lỗi giả lập (lặp lại được)", "turn on a fault (repeatable)"),
    "ptz.sim.opt.hang": (
        "không bao giờ trả lời các gói bắt đầu bằng HEX (ví dụ 01043F02)",
        "never answer packets whose message starts with HEX (e.g. 01043F02)",
    ),
    "ptz.sim.opt.drop_rate": (
        "tỉ lệ byte bị mất với lỗi drop",
        "share of bytes lost with the drop fault",
    ),
    "ptz.sim.opt.slow_ms": ("độ trễ thêm với lỗi slow, ms", "extra delay with the slow fault, ms"),
    "ptz.sim.opt.motion_scale": (
        "tăng tốc mọi chuyển động lên N lần",
        "make every motion N times faster",
    ),
    "ptz.sim.opt.presets": ("số preset camera có", "how many presets the camera has"),
    "ptz.sim.opt.no_zoom_inquiry": (
        "từ chối câu hỏi vị trí zoom (8x 09 04 47 FF) như nhiều camera rẻ tiền",
        "refuse the zoom position inquiry (8x 09 04 47 FF), as many cheap cameras do",
    ),
    "ptz.sim.opt.profile": (
        "họ camera cần giả lập (sony, ptzoptics, lumens, generic-oem) với các đặc điểm riêng của nó",
        "the camera family to play (sony, ptzoptics, lumens, generic-oem), with its quirks",
    ),
    "ptz.sim.opt.speed_zero": (
        "nhận tốc độ 00 như tốc độ chậm nhất (như một số camera OEM), thay vì báo lỗi cú pháp",
        "take speed 00 as the slowest speed (as some OEM cameras do) instead of a syntax error",
    ),
    "ptz.sim.opt.nibbles": (
        "vị trí 4 hay 5 nửa byte (kiểu 20 bit)",
        "4- or 5-nibble positions (20-bit models)",
    ),
    "ptz.sim.opt.allow_remote": (
        "cho phép nghe trên địa chỉ không phải loopback",
        "allow listening on non-loopback addresses",
    ),
}
