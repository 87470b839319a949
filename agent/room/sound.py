"""The room's sound server as call detection sees it: where it is, and which source and sink.

The agent runs as its own system user and the call software as the desktop user, so the
desktop's PulseAudio/PipeWire socket is reachable only where the province gave the unit
access to it (docs/calls.md); `[room] pulse_server` names it, "off" turns it off, and ""
takes $PULSE_SERVER, then the session's own socket. The microphone's source and the speaker's
sink are `[microphone] pulse_source` and `[speaker] pulse_sink`, else the server's defaults,
pinned the first time they are real devices (not a sink's monitor), so that a microphone
unplugged later is seen as gone rather than replaced by whatever became the default.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import DeviceUnavailableError
from agent.room.call import Audio

if TYPE_CHECKING:
    from agent.config import Config
    from agent.room.pulse import Pulse

log = logging.getLogger(__name__)


def server_of(config: Config) -> str | None:
    """The libpulse server string to look at, or None when there is none to look at."""
    value = config.room.pulse_server.strip()
    if value == "off":
        return None
    if value:
        return value
    if os.environ.get("PULSE_SERVER"):
        return os.environ["PULSE_SERVER"]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and (Path(runtime) / "pulse" / "native").exists():
        return f"unix:{Path(runtime) / 'pulse' / 'native'}"
    return None


class Sound:
    """The server and the pinned source and sink names; thread-safe."""

    def __init__(self, config: Config) -> None:
        """Nothing is connected until `open()`."""
        self.server = server_of(config)
        self._lock = threading.Lock()
        self._source = config.microphone.pulse_source or None
        self._sink = config.speaker.pulse_sink or None
        self._warned = False

    def open(self) -> Pulse | None:
        """A short connection to the server (close it), or None when it cannot be reached."""
        if self.server is None:
            return None
        try:
            from agent.room.pulse import Pulse

            pulse = Pulse(self.server)
            self._pin(pulse)
        except DeviceUnavailableError as exc:
            if not self._warned:
                log.warning("sound server %s: %s", self.server, exc.message)
                self._warned = True
            return None
        self._warned = False
        return pulse

    def audio(self) -> Audio:
        """What call detection and presence look at."""
        with self._lock:
            return Audio(self.server, self._source, self._sink)

    def _pin(self, pulse: Pulse) -> None:
        with self._lock:
            if self._source is not None and self._sink is not None:
                return
        sources = {d.name: d for d in pulse.sources()}
        source = pulse.default_source()
        sink = pulse.default_sink()
        with self._lock:
            if self._source is None and source in sources and not sources[source].monitor:
                self._source = source
            if self._sink is None and sink:
                self._sink = sink


__all__ = ["Sound", "server_of"]
