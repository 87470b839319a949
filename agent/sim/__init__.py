"""Simulated devices and services for demos and tests: they speak the real protocols.

- `broker`: a real mosquitto as a child process, the shipped ACLs, a test PKI;
- `pulse`: a private PulseAudio room (speaker, a mic that hears it, an HDMI sink);
- `video`: an MJPEG camera over HTTP; `drm`: a sysfs DRM tree;
- `fleet`: many simulated rooms on one event loop (`hnth-agent sim fleet`);
- `mqttwire`: the sans-IO MQTT 5 codec the fleet uses.
"""

__all__ = ["broker", "drm", "fleet", "mqttwire", "pulse", "video"]
