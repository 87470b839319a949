"""Tests of the media back ends: EDID, DSP, DRM/X11 readers, V4L2 listing, OpenCV capture."""
