"""The pan-tilt drive directions, as the CLI and the MQTT contract spell them.

Pure: shared by the VISCA and Pelco sans-IO cores, each of which maps them to its own bytes.
"""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    """A pan-tilt drive direction."""

    UP = "up"  # tilt up
    DOWN = "down"  # tilt down
    LEFT = "left"  # pan left
    RIGHT = "right"  # pan right
    UP_LEFT = "up-left"  # both
    UP_RIGHT = "up-right"  # both
    DOWN_LEFT = "down-left"  # both
    DOWN_RIGHT = "down-right"  # both
    STOP = "stop"  # neither
