"""Which of the room's devices are there now, without opening any of them.

`look()` answers True (present), False (gone) or None (cannot tell without opening it: a
stream URL, a network camera) for the camera, the PTZ port, the microphone and the speaker.
What to watch for changes is `paths()`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from agent.errors import DeviceUnavailableError
from agent.room import procfs
from agent.room.call import DEV_SND, Audio, camera_paths, ptz_path

if TYPE_CHECKING:
    from agent.config import Config
    from agent.room.pulse import Pulse

# The checks whose device presence is watched.
WATCHED: Final = ("camera", "ptz", "microphone", "speaker")


def look(
    config: Config,
    *,
    audio: Audio | None = None,
    pulse: Pulse | None = None,
    dev_snd: Path = DEV_SND,
    asound: Path = procfs.ASOUND,
) -> dict[str, bool | None]:
    """Present (True), gone (False) or unknown (None), for each watched device."""
    audio = audio or Audio()
    cams = camera_paths(config)
    source = config.camera.source.strip()
    camera: bool | None
    if cams:
        camera = any(Path(p).exists() for p in cams)
    elif source == "auto":
        camera = False  # no camera node at all
    else:
        camera = None  # a stream URL: only opening it would tell
    port = ptz_path(config)
    return {
        "camera": camera,
        "ptz": Path(port).exists() if port else None,
        "microphone": _sound(
            "capture", config.microphone.device, audio.source, pulse, dev_snd=dev_snd, asound=asound
        ),
        "speaker": _sound(
            "playback", config.speaker.device, audio.sink, pulse, dev_snd=dev_snd, asound=asound
        ),
    }


def paths(config: Config, dev_snd: Path = DEV_SND) -> tuple[str, ...]:
    """What the watcher watches: the camera's source, the PTZ port, the sound nodes' folder."""
    out = [*camera_paths(config)]
    if config.camera.source.strip() == "auto":
        out.append("/dev/video0")  # /dev: a camera plugged in later
    port = ptz_path(config)
    if port:
        out.append(port)
    out.append(str(dev_snd / "controlC0"))
    return tuple(out)


def _sound(
    stream: str,
    spec: str,
    pulse_name: str | None,
    pulse: Pulse | None,
    *,
    dev_snd: Path,
    asound: Path,
) -> bool | None:
    """A source or sink on the sound server when there is one; else an ALSA card and node."""
    if pulse is not None and pulse_name:
        try:
            names = {d.name for d in (pulse.sources() if stream == "capture" else pulse.sinks())}
        except DeviceUnavailableError:
            return None
        return pulse_name in names
    if spec and not spec.isdigit():
        # A card by name: present while a card of that name is. (An ALSA plugin's name never
        # matches, so it never changes: the sound server's events cover those.)
        cards = procfs.cards(asound=asound)
        return any(spec.lower() in f"{cid} {name}".lower() for _, cid, name in cards)
    suffix = "c" if stream == "capture" else "p"
    try:
        return any(n.name.endswith(suffix) for n in dev_snd.glob("pcmC*D*"))
    except OSError:
        return None


__all__ = ["WATCHED", "look", "paths"]
