"""Media back ends: the only modules that import cv2 and sounddevice.

- `video`: open a camera source (V4L2, file, RTSP/HTTP) and judge its frames;
- `audio`: capture and play through PortAudio (sounddevice), with deadlines;
- `dsp`: levels, noise floor and the matched filter (numpy only);
- `display`, `drm`, `edid`: displays from sysfs DRM, xrandr and HDMI-CEC, and the EDID parser;
- `v4l`: camera devices by id; `deadline`: bounded calls into blocking back ends.

Import the module you need: each pulls in its heavy library only when used.
"""

__all__ = ["audio", "deadline", "display", "drm", "dsp", "edid", "v4l", "video"]
