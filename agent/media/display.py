"""Display power for the daemon: HDMI-CEC status and wake (the readers live in `drm`)."""

from __future__ import annotations

from agent.media.drm import cec_power, cec_wake

__all__ = ["cec_power", "cec_wake"]
