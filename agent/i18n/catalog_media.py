"""Messages for the camera, microphone, speaker and display checks and `hnth-agent devices`."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "media.cancelled": ("kiểm tra {name} đã bị hủy", "the {name} check was cancelled"),
    # ---- camera
    "camera.ok": (
        "{width}x{height} @ {fps} khung/giây, hình ảnh động",
        "{width}x{height} @ {fps} fps, image live",
    ),
    "camera.no_device": (
        "không tìm thấy camera nào (/dev/video*)",
        "no camera found (/dev/video*)",
    ),
    "camera.no_device_hint": (
        "cắm camera USB hoặc bộ chuyển HDMI/SDI sang USB; với camera IP, đặt [camera] source là địa chỉ "
        "rtsp:// hoặc http:// của camera; chạy `hnth-agent devices` để xem thiết bị",
        "plug in the USB camera or the HDMI/SDI-to-USB converter; for an IP camera set [camera] source "
        "to its rtsp:// or http:// URL; run `hnth-agent devices` to see what is attached",
    ),
    "camera.open_failed": (
        "không mở được nguồn video {source}: {error}",
        "cannot open video source {source}: {error}",
    ),
    "camera.open_failed_hint": (
        "kiểm tra nguồn điện và cáp của camera, và không có chương trình khác đang dùng camera; với "
        "camera IP kiểm tra địa chỉ URL, mạng và mật khẩu; chạy `hnth-agent devices`",
        "check the camera's power and cable, and that no other program holds the camera; for an IP "
        "camera check the URL, the network and the password; run `hnth-agent devices`",
    ),
    "camera.timeout": (
        "nguồn video {source} không cho hình trong {seconds} giây: {error}",
        "video source {source} gave no picture within {seconds} s: {error}",
    ),
    "camera.timeout_hint": (
        "camera hoặc bộ mã hóa bị treo, hoặc chương trình khác đang giữ camera: đóng chương trình đó, tắt "
        "rồi bật lại camera/bộ chuyển đổi; với camera IP kiểm tra mạng",
        "the camera or encoder hangs, or another program holds the camera: close that program, "
        "power-cycle the camera or converter; for an IP camera check the network",
    ),
    "camera.stalled": (
        "luồng video dừng sau {frames} khung hình",
        "the video stream stopped after {frames} frames",
    ),
    "camera.stalled_hint": (
        "camera/bộ mã hóa ngừng gửi hình: kiểm tra mạng tới camera IP, tắt bật lại camera",
        "the camera or encoder stops sending: check the network to the IP camera and power-cycle it",
    ),
    "camera.black": (
        "hình ảnh màu đen (độ sáng trung bình {luma}/255)",
        "image is black (mean luminance {luma} of 255)",
    ),
    "camera.black_hint": (
        "kiểm tra nắp che ống kính, nguồn điện camera và bộ chuyển đổi HDMI/SDI",
        "check the lens cap, the camera power and the HDMI/SDI converter",
    ),
    "camera.covered": (
        "hình ảnh đồng màu (độ tương phản {stddev}): ống kính bị che?",
        "image is uniform (contrast {stddev}): is the lens covered?",
    ),
    "camera.covered_hint": (
        "tháo nắp ống kính hoặc vật che camera (rèm, tấm che); kiểm tra camera hướng vào phòng họp",
        "remove the lens cap or whatever covers the camera (a curtain, a cover); check it faces the room",
    ),
    "camera.frozen": (
        "hình ảnh bị đứng (các khung hình giống hệt nhau)",
        "image is frozen (frames are identical)",
    ),
    "camera.frozen_hint": (
        "hình bị treo: tắt bật lại camera và bộ chuyển đổi/card thu hình HDMI/SDI",
        "the picture is stuck: power-cycle the camera and the HDMI/SDI capture converter or card",
    ),
    "camera.blurred": (
        "hình ảnh bị mờ (độ nét {focus}, cần từ {limit})",
        "image is out of focus (sharpness {focus}, expected {limit} or more)",
    ),
    "camera.blurred_hint": (
        "lau ống kính, bật lấy nét tự động hoặc gọi vị trí đặt sẵn (preset) của camera PTZ",
        "clean the lens, turn auto-focus on or recall the PTZ camera's home preset",
    ),
    "camera.low_fps": (
        "tốc độ khung hình {fps} khung/giây, thấp hơn {min}",
        "frame rate {fps} fps is below {min}",
    ),
    "camera.low_fps_hint": (
        "dùng cổng USB 3, tăng ánh sáng phòng (thiếu sáng làm giảm tốc độ) hoặc chọn định dạng MJPEG cho camera",
        "use a USB 3 port, add light (low light lowers the frame rate) or set the camera to MJPEG",
    ),
    "camera.wrong_size": (
        "độ phân giải {width}x{height}, cần {expect_width}x{expect_height}",
        "resolution {width}x{height}, expected {expect_width}x{expect_height}",
    ),
    "camera.wrong_size_hint": (
        "đặt lại độ phân giải đầu ra của camera hoặc bộ chuyển đổi, hoặc sửa [camera] expect_width/expect_height",
        "set the camera's or converter's output resolution, or fix [camera] expect_width/expect_height",
    ),
    "camera.snapshot_failed": ("không lưu được ảnh chụp: {error}", "snapshot not saved: {error}"),
    "camera.snapshot_failed_hint": (
        "kiểm tra thư mục {dir} ghi được và còn dung lượng đĩa",
        "check that {dir} is writable and the disk has space",
    ),
    # ---- microphone
    "mic.ok": (
        "{device}: mức {rms} dBFS, đỉnh {peak} dBFS",
        "{device}: level {rms} dBFS, peak {peak} dBFS",
    ),
    "mic.no_device": ("không dùng được micro: {error}", "no usable microphone: {error}"),
    "video.missing": ("không có tệp hoặc thiết bị này", "no such file or device"),
    "video.cannot_open": (
        "OpenCV không mở được (sai địa chỉ, mất mạng, sai mật khẩu hoặc định dạng không hỗ trợ)",
        "OpenCV cannot open it (wrong address, no network, wrong password or unsupported format)",
    ),
    "audio.kind.input": ("thu âm", "input"),
    "audio.kind.output": ("phát âm thanh", "output"),
    "audio.none_of_kind": (
        "máy không có thiết bị {kind} nào (PortAudio không thấy)",
        "this PC has no audio {kind} device (PortAudio sees none)",
    ),
    "audio.no_match": (
        "không có thiết bị {kind} nào khớp với {spec!r}; máy có: {names}",
        "no audio {kind} device matches {spec!r}; this PC has: {names}",
    ),
    "mic.no_device_hint": (
        "cắm micro hoặc bộ giao tiếp âm thanh USB; chạy `hnth-agent devices` và đặt [microphone] device",
        "plug in the microphone or USB audio interface; run `hnth-agent devices` and set [microphone] device",
    ),
    "mic.open_failed": (
        "micro {device} bị lỗi: {error}",
        "microphone {device} failed: {error}",
    ),
    "mic.open_failed_hint": (
        "kiểm tra micro không bị chương trình khác chiếm; khởi động lại dịch vụ âm thanh (PulseAudio/PipeWire) "
        "hoặc cắm lại thiết bị USB",
        "check no other program holds the microphone; restart the sound service (PulseAudio/PipeWire) "
        "or replug the USB device",
    ),
    "mic.timeout": (
        "micro {device} ngừng gửi âm thanh: {error}",
        "microphone {device} stopped delivering sound: {error}",
    ),
    "mic.timeout_hint": (
        "trình điều khiển âm thanh bị treo: rút ra cắm lại thiết bị USB hoặc khởi động lại dịch vụ âm thanh",
        "the audio driver hangs: unplug and replug the USB audio device or restart the sound service",
    ),
    "mic.silent": (
        "micro {device} im lặng tuyệt đối (toàn số 0)",
        "microphone {device} gives dead silence (exact zeros)",
    ),
    "mic.silent_hint": (
        "micro bị tắt tiếng hoặc rút cáp: kiểm tra nút tắt tiếng, bàn trộn âm, cáp và nguồn phantom",
        "the mic is muted or unplugged: check the mute button, the mixer, the cable and phantom power",
    ),
    "mic.clipping": (
        "micro {device} bị méo: {pct}% mẫu chạm mức tối đa",
        "microphone {device} clips: {pct}% of samples at full scale",
    ),
    "mic.clipping_hint": (
        "giảm độ khuếch đại (gain) micro trên bàn trộn hoặc trong cài đặt âm thanh",
        "lower the mic gain on the mixer or in the system sound settings",
    ),
    "mic.too_low": (
        "micro gần như không nghe thấy gì: mức nền {rms} dBFS (tối thiểu {min} dBFS)",
        "the microphone hears almost nothing: background level {rms} dBFS (minimum {min} dBFS)",
    ),
    "mic.too_low_hint": (
        "tăng gain micro; kiểm tra micro hướng về bàn họp và cáp micro",
        "raise the mic gain; check the mic faces the table and its cable",
    ),
    # ---- speaker
    "speaker.ok": (
        "micro nghe thấy tín hiệu thử: SNR {snr} dB, độ trễ {latency} ms",
        "probe heard by the microphone: SNR {snr} dB, latency {latency} ms",
    ),
    "speaker.disabled": (
        "kiểm tra loa bị tắt trong cấu hình",
        "the speaker test is disabled in the config",
    ),
    "speaker.in_meeting": (
        "đang có cuộc họp: không phát âm thanh thử",
        "a meeting is in progress: no probe is played",
    ),
    "speaker.no_output": (
        "không dùng được loa: {error}",
        "no usable speaker output: {error}",
    ),
    "speaker.no_output_hint": (
        "kiểm tra loa/bộ khuếch đại đã cắm; chạy `hnth-agent devices` và đặt [speaker] device",
        "check the speaker/amplifier is plugged in; run `hnth-agent devices` and set [speaker] device",
    ),
    "speaker.no_input": (
        "không thu được âm để kiểm tra loa: {error}",
        "no microphone to test the speaker with: {error}",
    ),
    "speaker.failed": (
        "không chạy được thử loa: {error}",
        "the speaker test could not run: {error}",
    ),
    "speaker.failed_hint": (
        "khởi động lại dịch vụ âm thanh (PulseAudio/PipeWire) hoặc cắm lại thiết bị âm thanh USB",
        "restart the sound service (PulseAudio/PipeWire) or replug the USB audio device",
    ),
    "speaker.silent": (
        "micro hoàn toàn im lặng khi phát tín hiệu thử",
        "the microphone heard dead silence while the probe played",
    ),
    "speaker.silent_hint": (
        "loa hoặc bộ khuếch đại bị tắt tiếng, hoặc micro bị tắt tiếng: kiểm tra nút mute của bộ khuếch đại "
        "và micro (xem kết quả kiểm tra micro)",
        "the amplifier or the mic is muted: check the amplifier's mute and the mic (see the microphone check)",
    ),
    "speaker.not_heard": (
        "micro không nghe thấy tín hiệu thử (SNR {snr} dB)",
        "the microphone did not hear the probe (SNR {snr} dB)",
    ),
    "speaker.not_heard_hint": (
        "loa/bộ khuếch đại tắt hoặc bị vặn nhỏ, hoặc âm thanh ra nhầm cổng (ví dụ HDMI của tivi): kiểm tra "
        "nguồn và âm lượng bộ khuếch đại, cáp loa, [speaker] device và đầu ra mặc định của hệ thống",
        "the speaker or amplifier is off or turned down, or sound goes to another output (e.g. the TV's "
        "HDMI): check the amplifier's power and volume, the speaker cable, [speaker] device and the "
        "system's default output",
    ),
    "speaker.weak": (
        "tín hiệu thử nghe yếu: SNR {snr} dB (tối thiểu {min} dB)",
        "the probe is faint: SNR {snr} dB (minimum {min} dB)",
    ),
    "speaker.weak_hint": (
        "tăng âm lượng bộ khuếch đại; giảm tiếng ồn trong phòng; kiểm tra vị trí loa",
        "raise the amplifier volume; reduce noise in the room; check where the speakers are",
    ),
    # ---- display
    "display.ok": ("{items}", "{items}"),
    "display.item": ("{name} {label} {mode}", "{name} {label} {mode}"),
    "display.none": (
        "không đọc được thông tin màn hình: không có {root} và không có X11",
        "no display information: nothing in {root} and no X11",
    ),
    "display.none_hint": (
        "đặt [display] sysfs_root, hoặc chạy agent trong phiên X11 (biến DISPLAY)",
        "set [display] sysfs_root, or run the agent in the X11 session (DISPLAY)",
    ),
    "display.missing": (
        "không có cổng màn hình {name} (có: {have})",
        "display output {name} not found (present: {have})",
    ),
    "display.missing_hint": (
        "so [display] expect_connectors với tên cổng trong `hnth-agent devices`",
        "compare [display] expect_connectors with the output names in `hnth-agent devices`",
    ),
    "display.disconnected": (
        "{name}: không có màn hình nào được cắm",
        "{name}: no display connected",
    ),
    "display.disconnected_hint": (
        "kiểm tra cáp HDMI, nguồn điện của màn hình/tivi và bộ kéo dài/bộ chia HDMI",
        "check the HDMI cable, the display's power and any HDMI extender or switch",
    ),
    "display.none_connected": ("không có màn hình nào được cắm", "no display is connected"),
    "display.asleep": (
        "{name} {label}: đã cắm nhưng đang ngủ (trạng thái nguồn {power})",
        "{name} {label}: connected but asleep (power {power})",
    ),
    "display.asleep_hint": (
        "màn hình đang ngủ, không phải bị rút cáp: đánh thức bằng điều khiển từ xa hoặc CEC và tắt chế độ "
        "tiết kiệm điện/hẹn giờ ngủ",
        "the display is asleep, not unplugged: wake it with its remote or CEC and turn off its power "
        "saving or sleep timer",
    ),
    "display.unused": (
        "{name} {label}: đã cắm nhưng máy tính không xuất hình ra cổng này",
        "{name} {label}: connected but the PC sends no picture to it",
    ),
    "display.unused_hint": (
        "bật màn hình này trong cài đặt hiển thị (nhân bản hoặc mở rộng)",
        "enable this display in the display settings (mirror or extend)",
    ),
    "display.wrong_mode": (
        "{name} {label}: {width}x{height}, cần {expect_width}x{expect_height}",
        "{name} {label}: {width}x{height}, expected {expect_width}x{expect_height}",
    ),
    "display.wrong_mode_hint": (
        "đặt độ phân giải hiển thị của máy tính; kiểm tra bộ chia/kéo dài HDMI (có thể báo EDID của màn hình khác)",
        "set the PC's display resolution; check the HDMI switch or extender (it may pass another display's EDID)",
    ),
    "display.bad_edid": ("{name}: EDID hỏng ({error})", "{name}: corrupt EDID ({error})"),
    "display.bad_edid_hint": (
        "thay cáp HDMI hoặc bộ kéo dài/bộ chia HDMI; một số KVM làm hỏng EDID",
        "replace the HDMI cable or the extender/switch; some KVMs corrupt the EDID",
    ),
    "display.power.on": ("bật", "on"),
    "display.power.standby": ("chờ", "standby"),
    "display.power.suspend": ("tạm ngưng", "suspend"),
    "display.power.off": ("tắt", "off"),
    "display.power.unknown": ("không rõ", "unknown"),
    "display.cec_standby": (
        "tivi báo trạng thái nguồn CEC: {state}",
        "the TV reports CEC power status: {state}",
    ),
    # ---- devices
    "devices.cameras": ("Camera", "Cameras"),
    "devices.inputs": ("Thiết bị thu âm", "Audio inputs"),
    "devices.outputs": ("Thiết bị phát âm", "Audio outputs"),
    "devices.displays": ("Màn hình", "Displays"),
    "devices.serial": ("Cổng nối tiếp", "Serial ports"),
    "devices.none": ("(không có)", "(none)"),
    "devices.default": ("mặc định", "default"),
    "devices.error": ("lỗi: {error}", "error: {error}"),
    "devices.asleep": ("đang ngủ", "asleep"),
    "devices.disconnected": ("chưa cắm", "disconnected"),
}
