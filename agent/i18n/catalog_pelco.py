"""Messages for Pelco-D/P: the sans-IO core's error keys, the client, and `sim pelco`."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- the core: arguments we must not send, frames we cannot read
    "pelco.out_of_range": (
        "{field} = {value} nằm ngoài khoảng cho phép {lo}..{hi}",
        "{field} = {value} is outside the allowed range {lo}..{hi}",
    ),
    "pelco.bad_choice": (
        "{field} = '{value}' không hợp lệ; chọn một trong: {allowed}",
        "{field} = '{value}' is not valid; choose one of: {allowed}",
    ),
    "pelco.no_query": (
        "giao thức Pelco-{variant} không có lệnh hỏi vị trí {axis}",
        "the Pelco-{variant} protocol has no {axis} position query",
    ),
    "pelco.bad_frame": (
        "chuỗi byte không phải khung Pelco-{variant}: {data}",
        "bytes that are not a Pelco-{variant} frame: {data}",
    ),
    "pelco.bad_etx": (
        "khung Pelco-P có byte kết thúc {got} thay vì AF: {data}",
        "a Pelco-P frame ends with {got} instead of AF: {data}",
    ),
    "pelco.bad_checksum": (
        "khung Pelco sai tổng kiểm tra (cần {expected}, nhận {got}): {data}",
        "a Pelco frame with a wrong check byte (expected {expected}, got {got}): {data}",
    ),
    # ---- URLs and the line
    "pelco.bad_url": (
        "không hiểu địa chỉ cổng Pelco '{url}'; dùng dạng pelco-d:///dev/ttyUSB0?baud=2400&address=1 (kiểu: {schemes})",
        "cannot use Pelco port '{url}'; write it like pelco-d:///dev/ttyUSB0?baud=2400&address=1 (schemes: {schemes})",
    ),
    "pelco.unknown_option": (
        "địa chỉ cổng Pelco có tùy chọn lạ '{name}'; chỉ dùng: {allowed}",
        "the Pelco port URL has an unknown option '{name}'; use only: {allowed}",
    ),
    "pelco.bad_option": (
        "tùy chọn {name}={value} trong địa chỉ cổng Pelco phải là số nguyên trong khoảng {lo}..{hi}",
        "Pelco port option {name}={value} must be an integer in {lo}..{hi}",
    ),
    "pelco.closed": ("cổng {port} đã đóng", "port {port} was closed"),
    "pelco.port_lost": (
        "mất kết nối tới {port}: {error}",
        "lost the connection to {port}: {error}",
    ),
    "pelco.port_lost_hint": (
        "kiểm tra bộ chuyển đổi USB-RS485 và dây cáp; tác tử sẽ tự mở lại cổng ở lệnh sau",
        "check the USB-RS485 adapter and the cable; the agent reopens the port on the next command",
    ),
    # ---- position
    "pelco.no_position_protocol": (
        "giao thức Pelco-{variant} không có lệnh hỏi vị trí: không kiểm tra được camera đang ở đâu",
        "the Pelco-{variant} protocol has no position query: the camera's position cannot be verified",
    ),
    "pelco.no_position_protocol_hint": (
        "nếu camera hỗ trợ Pelco-D, chuyển camera và [ptz] port sang pelco-d:// để đọc được vị trí",
        "if the camera also speaks Pelco-D, switch it and [ptz] port to pelco-d:// to read its position",
    ),
    "pelco.no_position": (
        "camera {address} trên {port} không trả lời lệnh hỏi vị trí (0x51/0x53)",
        "camera {address} on {port} does not answer the position queries (0x51/0x53)",
    ),
    "pelco.no_position_hint": (
        "nhiều camera Pelco-D không hỗ trợ hỏi vị trí; nếu camera có hỗ trợ, kiểm tra dây RS-485 chiều camera → máy tính, tốc độ baud và địa chỉ",
        "many Pelco-D cameras have no position queries; if this one has, check the RS-485 pair from camera to PC, the baud rate and the address",
    ),
    # ---- what Pelco has not
    "pelco.unsupported": (
        "camera Pelco-{variant} không có lệnh {what}",
        "a Pelco-{variant} camera has no {what} command",
    ),
    "pelco.unsupported_hint": (
        "Pelco có: move, stop, zoom in/out/stop, focus near/far/stop, preset set/recall/clear, home, position (chỉ Pelco-D)",
        "Pelco has: move, stop, zoom in/out/stop, focus near/far/stop, preset set/recall/clear, home, position (Pelco-D only)",
    ),
    # ---- `hnth-agent sim pelco`
    "pelco.sim.help": (
        "giả lập camera PTZ Pelco-D/Pelco-P trên một pty",
        "emulate a Pelco-D/Pelco-P PTZ camera on a pty",
    ),
    "pelco.sim.opt.pty": (
        "mở một pty mới và in đường dẫn của nó",
        "open a new pty and print its path",
    ),
    "pelco.sim.opt.link": (
        "tạo liên kết tượng trưng cố định tới pty tại đường dẫn này",
        "make a stable symlink to the pty at this path",
    ),
    "pelco.sim.opt.protocol": (
        "giao thức: d (Pelco-D) hoặc p (Pelco-P)",
        "protocol: d (Pelco-D) or p (Pelco-P)",
    ),
    "pelco.sim.opt.address": (
        "địa chỉ camera (số đặt trên công tắc của camera)",
        "the camera's address (the number set on its switches)",
    ),
    "pelco.sim.opt.baud": (
        "tốc độ baud để giả lập thời gian truyền (mặc định 2400 cho D, 4800 cho P)",
        "baud rate whose wire time is emulated (default 2400 for D, 4800 for P)",
    ),
    "pelco.sim.opt.no_queries": (
        "không trả lời lệnh hỏi vị trí, như nhiều camera thật",
        "do not answer position queries, like many real cameras",
    ),
    "pelco.sim.opt.fault": (
        "lỗi đường truyền cho mọi câu trả lời: wrong-address (sai địa chỉ), bad-checksum (sai tổng kiểm tra), garbage (nhiễu), silent (im lặng)",
        "line fault on every answer: wrong-address, bad-checksum, garbage, silent",
    ),
    "pelco.sim.opt.motion_scale": (
        "nhân tốc độ chuyển động (để thử nghiệm nhanh hơn)",
        "multiply motion speed (to make tests quicker)",
    ),
    "pelco.sim.nothing": (
        "cần --pty hoặc --link để giả lập camera",
        "give --pty or --link to emulate a camera",
    ),
    "pelco.sim.running": (
        "đang giả lập camera Pelco-{variant} địa chỉ {address} ở {baud} baud; lỗi: {faults}; Ctrl-C để dừng",
        "emulating a Pelco-{variant} camera at address {address}, {baud} baud; faults: {faults}; Ctrl-C to stop",
    ),
    "pelco.sim.stopped": (
        "đã dừng giả lập sau {frames} khung lệnh",
        "emulator stopped after {frames} frames",
    ),
}
