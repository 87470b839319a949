"""The camera families the emulator can play, matching agent.visca.profiles.

Each differs from the default (an EVI-D70-like Sony) only where the evidence says so;
the comments name it. Vendor ids other than Sony's are placeholders where no public
document gives one, so "auto" detection sees those cameras as generic OEM.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from agent.visca.emulator.model import Model

MODELS: Final[dict[str, Model]] = {
    "sony": Model(),
    "ptzoptics": Model(
        vendor=0x0009,  # as agent.visca.profiles.VENDOR_PROFILES reads PTZOptics
        max_speed_tilt=0x14,  # tilt 01-14h (PTZOptics VISCA command list)
        reply_address=2,  # G3 firmware replies A0 41 FF (companion-module-ptzoptics-visca#57)
    ),
    "lumens": Model(
        vendor=0x0000,  # not published: a Lumens is chosen in config, not detected
        max_speed_tilt=0x18,  # pan and tilt 1-24 (companion-module-lumens-visca)
        ip_id=1,  # answers only its own camera id over IP (bitfocus/companion#774)
    ),
    "generic-oem": Model(
        vendor=0x0101,  # a placeholder unknown vendor: "auto" detects generic OEM
        max_speed_tilt=0x14,  # tilt 01-14h (HuddleCamHD HC20X manual)
        accepts_speed_zero=True,  # some accept speed 00 (field.md)
        zoom_inquiry=False,  # many cheap cameras refuse 8x 09 04 47 FF (issue 16)
        focus_inquiry=False,
    ),
}


def model(name: str, **changes: Any) -> Model:
    """The model of profile `name`, with `changes` (e.g. presets) applied."""
    return dataclasses.replace(MODELS[name], **changes)
