"""hnth-agent: the room agent for provincial video-conference networks."""

__version__ = "0.1.0"
