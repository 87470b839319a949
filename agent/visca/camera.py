"""The VISCA camera: what a caller asks of it (move, zoom, presets, inquiries) over a `Client`.

Every call blocks until the camera answered; see `agent.visca.client` for the exchange.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from agent.errors import DeviceError, DeviceTimeoutError
from agent.ptz_moves import Direction
from agent.visca import commands as cmds
from agent.visca.client import Client, Timeouts
from agent.visca.commands import Limits
from agent.visca.errors import ViscaSyntaxError
from agent.visca.framing import decode_signed, decode_unsigned
from agent.visca.profiles import PROFILES, Profile, ProfileName, detect
from agent.visca.profiles import profile as profile_named
from agent.visca.text import msg, rendered

if TYPE_CHECKING:
    from collections.abc import Callable

    from agent.config import PtzConfig

log = logging.getLogger(__name__)

VENDORS: Final = {0x0001: "Sony", 0x0020: "Sony", 0x0009: "PTZOptics"}


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """The version inquiry's answer."""

    vendor: int
    model: int
    rom: int
    max_socket: int

    @property
    def vendor_name(self) -> str:
        """A readable vendor, or the id in hex."""
        return VENDORS.get(self.vendor, f"0x{self.vendor:04X}")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ids in hex as manuals print them."""
        return {
            "vendor": self.vendor_name,
            "vendor_id": f"0x{self.vendor:04X}",
            "model": f"0x{self.model:04X}",
            "rom": f"0x{self.rom:04X}",
            "max_socket": self.max_socket,
        }


@dataclass(frozen=True, slots=True)
class Position:
    """Pan, tilt (signed; positive is right/up) and zoom (0 is wide)."""

    pan: int
    tilt: int
    zoom: int

    def drift(self, other: Position) -> int:
        """The largest difference on any axis."""
        return max(
            abs(self.pan - other.pan), abs(self.tilt - other.tilt), abs(self.zoom - other.zoom)
        )


@dataclass(frozen=True, slots=True)
class Reading:
    """A position as far as the camera tells: zoom is None when it has no zoom inquiry."""

    pan: int
    tilt: int
    zoom: int | None


class Camera(Client):
    """A VISCA camera on a serial line, a chain, or the network; safe to share between threads."""

    def __init__(
        self,
        url: str,
        address: int = 1,
        *,
        timeouts: Timeouts | None = None,
        limits: Limits | None = None,
        profile: Profile | None = None,
    ) -> None:
        super().__init__(url, address, timeouts=timeouts)
        self.configured_address = self.address
        self.limits = limits or Limits()
        self.profile = PROFILES[ProfileName.AUTO]
        self.profile_detected = False  # True once "auto" was resolved by the version inquiry
        self.apply_profile(profile or self.profile)
        self.zoom_inquiry: bool | None = None  # None until asked once

    def apply_profile(self, profile: Profile) -> None:
        """Talk to the camera the way its family needs (see agent.visca.profiles)."""
        self.profile = profile
        over_ip = self.scheme != "serial"
        self.address = (
            profile.ip_address
            if over_ip and profile.ip_address is not None
            else self.configured_address
        )
        self.any_reply_address = over_ip and profile.any_reply_address
        with self._cond:
            self._session.any_address = self.any_reply_address
        self.limits = dataclasses.replace(
            self.limits,
            max_speed_pan=min(self.limits.max_speed_pan, profile.max_speed_pan),
            max_speed_tilt=min(self.limits.max_speed_tilt, profile.max_speed_tilt),
        )

    @classmethod
    def from_config(cls, ptz: PtzConfig) -> Camera:
        """Build a camera from the [ptz] config section."""
        return cls(
            ptz.port,
            ptz.address,
            timeouts=Timeouts(
                ack_ms=ptz.ack_timeout_ms,
                immediate_ms=max(ptz.ack_timeout_ms * 2, 1000),
                move_ms=ptz.move_timeout_ms,
                inquiry_retries=ptz.inquiry_retries,
            ),
            limits=Limits(
                max_speed_pan=ptz.max_speed_pan,
                max_speed_tilt=ptz.max_speed_tilt,
                max_preset=ptz.max_preset,
                position_nibbles=ptz.position_nibbles,
            ),
            profile=profile_named(ptz.profile),
        )

    def ranges(self) -> dict[str, tuple[int, int]]:
        """The allowed range of every argument, for callers that validate first (e.g. MQTT)."""
        return {
            "speed": (1, self.limits.max_speed_pan),
            "pan_speed": (1, self.limits.max_speed_pan),
            "tilt_speed": (1, self.limits.max_speed_tilt),
            "zoom_speed": (0, self.limits.max_zoom_speed),
            "zoom": (0, self.limits.max_zoom),
            "preset": (0, self.limits.max_preset),
            "pan": self.limits.position_range,
            "tilt": self.limits.position_range,
            "address": (1, 7),
        }

    # ---------------------------------------------------------------- the public calls

    @rendered
    def version(self) -> VersionInfo:
        """Vendor, model, ROM version and number of sockets."""
        data = self.execute(cmds.version_inquiry(), accept=lambda d: len(d) == 7).data
        info = VersionInfo(
            vendor=data[0] << 8 | data[1],
            model=data[2] << 8 | data[3],
            rom=data[4] << 8 | data[5],
            max_socket=data[6],
        )
        if self.profile.name is ProfileName.AUTO:
            self.apply_profile(detect(info.vendor))
            self.profile_detected = True
        return info

    @rendered
    def power(self, on: bool) -> None:
        """Power on or standby; waits until the camera reports it done."""
        self.execute(cmds.power(on))

    @rendered
    def power_status(self) -> bool:
        """True when powered on, False in standby."""
        data = self.execute(
            cmds.power_inquiry(), accept=lambda d: d in (b"\x02", b"\x03", b"\x04")
        ).data
        if data == b"\x02":
            return True
        if data == b"\x03":
            return False
        raise DeviceError(
            msg("ptz.power_fault", address=self.address), hint=msg("ptz.power_fault_hint")
        )

    @rendered
    def drive(
        self, direction: Direction | str, pan_speed: int, tilt_speed: int | None = None
    ) -> None:
        """Start moving in one of 8 directions (or "stop"); returns once the camera accepted it."""
        if tilt_speed is None:
            tilt_speed = (
                min(pan_speed, self.limits.max_speed_tilt)
                if isinstance(pan_speed, int)
                else pan_speed
            )
        command = cmds.drive(direction, pan_speed, tilt_speed, self.limits)
        if command.name == "stop":
            self.stop()
            return
        self.execute(command)

    @rendered
    def stop(self) -> None:
        """Stop pan and tilt now: sent ahead of anything waiting, never behind a silent command."""
        self.execute(cmds.stop(self.limits), jump=True)

    @rendered
    def halt(self, *, zoom: bool = False) -> None:
        """Stop pan-tilt (and zoom) now, for a caller about to go away: each jumps the queue.

        Both are tried even if the first fails; the first failure is raised afterwards.
        """
        first: Exception | None = None
        halts = [cmds.stop(self.limits), *([cmds.zoom("stop")] if zoom else [])]
        for command in halts:
            try:
                self.execute(command, jump=True)
            except Exception as exc:  # the zoom STOP must still go out
                first = first or exc
        if first is not None:
            raise first

    @rendered
    def zoom(self, action: str, speed: int | None = None) -> None:
        """Zoom "in", "out" or "stop", optionally at speed 0..7."""
        self.execute(cmds.zoom(action, speed, self.limits))

    @rendered
    def zoom_to(self, position: int) -> None:
        """Zoom to a direct position and wait until it is there."""
        self.execute(cmds.zoom_direct(position, self.limits))

    @rendered
    def focus(self, mode: str) -> None:
        """Focus "auto", "manual" or "one-push"."""
        self.execute(cmds.focus(mode))

    @rendered
    def home(self) -> None:
        """Go to the home position and wait for the Completion."""
        self.execute(cmds.home())

    @rendered
    def reset(self) -> None:
        """Re-initialise the pan-tilt mechanics and wait for the Completion."""
        self.execute(cmds.reset())

    @rendered
    def goto(
        self, pan: int, tilt: int, pan_speed: int | None = None, tilt_speed: int | None = None
    ) -> None:
        """Move to an absolute position (signed) and wait until the motion stops."""
        ps = self.limits.max_speed_pan if pan_speed is None else pan_speed
        ts = (
            (
                self.limits.max_speed_tilt
                if pan_speed is None
                else min(ps, self.limits.max_speed_tilt)
            )
            if tilt_speed is None
            else tilt_speed
        )
        self.execute(cmds.move(pan, tilt, ps, ts, limits=self.limits))

    @rendered
    def move_relative(
        self, pan: int, tilt: int, pan_speed: int | None = None, tilt_speed: int | None = None
    ) -> None:
        """Move by a signed offset and wait until the motion stops."""
        ps = self.limits.max_speed_pan if pan_speed is None else pan_speed
        ts = self.limits.max_speed_tilt if tilt_speed is None else tilt_speed
        self.execute(cmds.move(pan, tilt, ps, ts, relative=True, limits=self.limits))

    @rendered
    def preset_recall(self, n: int) -> None:
        """Recall preset `n` and wait until the camera is there."""
        self.execute(cmds.preset("recall", n, self.limits))

    @rendered
    def preset_set(self, n: int) -> None:
        """Store the current position as preset `n`."""
        self.execute(cmds.preset("set", n, self.limits))

    @rendered
    def preset_clear(self, n: int) -> None:
        """Clear preset `n`."""
        self.execute(cmds.preset("clear", n, self.limits))

    @rendered
    def position(self) -> Position:
        """Read pan, tilt and zoom; a camera that refuses the zoom inquiry raises."""
        pan, tilt = self.pan_tilt()
        zdata = self.execute(cmds.zoom_inquiry(), accept=_nibbles(4, 5)).data
        return Position(pan, tilt, decode_unsigned(zdata))

    @rendered
    def read_position(self) -> Reading:
        """Pan and tilt, and the zoom if the camera answers the zoom inquiry (None if not).

        Many cheap cameras (and obs-ptz's emulator) refuse or ignore `8x 09 04 47 FF`; once
        seen, the zoom is not asked again on this client.
        """
        pan, tilt = self.pan_tilt()
        zoom = None
        if self.zoom_inquiry is not False:
            try:
                zdata = self.execute(cmds.zoom_inquiry(), accept=_nibbles(4, 5)).data
            except (ViscaSyntaxError, DeviceTimeoutError):
                log.info("%s: camera %d has no zoom inquiry", self.label, self.address)
                self.zoom_inquiry = False
            else:
                self.zoom_inquiry = True
                zoom = decode_unsigned(zdata)
        return Reading(pan, tilt, zoom)

    @rendered
    def pan_tilt(self) -> tuple[int, int]:
        """Pan and tilt; the reply's length says how many nibbles each has.

        8 = 4 + 4, 10 = 5 + 5 (20-bit models), 9 = a 5-nibble pan with a 4-nibble tilt
        (BRC-300, BRC-H700: "PanTilt_Position y0 50 0p…0x FF, pqrst pan, uvwx tilt").
        """
        data = self.execute(cmds.position_inquiry(), accept=_nibbles(8, 9, 10)).data
        split = 5 if len(data) == 9 else len(data) // 2
        return decode_signed(data[:split]), decode_signed(data[split:])

    @rendered
    def discover(self) -> int:
        """Address Set: number the cameras on the chain 1..n and return n."""
        data = self.execute(cmds.address_set()).data
        self.network_changed = False
        return data[0]

    @rendered
    def if_clear(self, *, broadcast: bool = False) -> None:
        """Empty the camera's command buffers (or every camera's)."""
        self.execute(cmds.if_clear(broadcast=broadcast))

    @rendered
    def cancel(self, socket: int) -> None:
        """Cancel the command running in socket 1 or 2."""
        self.execute(cmds.cancel(socket))


def _nibbles(*lengths: int) -> Callable[[bytes], bool]:
    """Accept nibble-coded data of one of these lengths."""
    return lambda d: len(d) in lengths and all(b <= 0x0F for b in d)


__all__ = [
    "Camera",
    "Position",
    "Reading",
    "VersionInfo",
]
