"""Commands: the handler that runs the closed set of MQTT verbs, on lanes, rate-limited.

Nothing here touches MQTT; received messages become requests in agent.mqtt.parsing (sans-IO,
re-exported here). The link (agent/mqtt/link.py) feeds `parse()` a received message, answers
a refusal at once, and hands a valid request to `CommandHandler.execute()` on its lane::

    parsed = parse(msg, topics, max_bytes=65536, ptz=cfg.ptz)
    if parsed.error: reply(parsed.envelope, error)             # invalid_json, unknown_verb, …
    handler.admit(parsed.request)                              # rate_limited for PTZ moves
    result = handler.execute(parsed.request)                   # AgentError → its `code`

Lanes: `ptz.stop` runs on its own lane, never rate-limited and never behind another move;
other `ptz.*` verbs share one lane and one lock (`handler.ptz_lock`, which the daemon's PTZ
check may share); `check`, `state` and `snapshot` run on the general lane.
No verb runs a shell or a subprocess, and arguments only ever become typed values.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

from agent.contract import payloads
from agent.contract.requests import VERBS, CommandError, Lane
from agent.errors import AgentError, BusyError, DeviceError, DeviceUnavailableError
from agent.i18n import t
from agent.mqtt.parsing import Envelope, Parsed, Request, limits_for, parse
from agent.ptz import Hold

if TYPE_CHECKING:
    from agent.config import PtzConfig

log = logging.getLogger(__name__)

# Codes a response may carry; anything else an exception says becomes `internal`.
CONTRACT_CODES: Final = frozenset(
    {
        "invalid_json",
        "unknown_verb",
        "invalid_argument",
        "expired",
        "busy",
        "rate_limited",
        "device_unavailable",
        "device_error",
        "timeout",
        "internal",
    }
)


class Camera(Protocol):
    """What the PTZ verbs use of a camera (agent.ptz: VISCA or Pelco)."""

    def close(self) -> None: ...
    def power(self, on: bool) -> None: ...
    def drive(self, direction: str, pan_speed: int, tilt_speed: int | None = None) -> None: ...
    def stop(self) -> None: ...
    def zoom(self, action: str) -> None: ...
    def zoom_to(self, position: int) -> None: ...
    def home(self) -> None: ...
    def preset_recall(self, preset: int) -> None: ...
    def preset_set(self, preset: int) -> None: ...
    def preset_clear(self, preset: int) -> None: ...
    def position(self) -> Any: ...


class CommandHandler:
    """Runs validated requests; the daemon passes what each verb needs.

    - `check(only)` runs checks (`only` is a list of names or None) and returns the result
      (the link passes a wrapper that publishes readiness and returns the report object);
    - `state()` returns the latest readiness and status;
    - `snapshot()` publishes a fresh snapshot and returns its size and time;
    - `camera()` opens the PTZ camera, VISCA or Pelco (agent.ptz.open_camera); it is opened
      on first use, kept, and reopened after a DeviceUnavailableError.
    """

    def __init__(
        self,
        *,
        ptz: PtzConfig,
        check: Callable[[list[str] | None], Any] | None = None,
        state: Callable[[], Any] | None = None,
        snapshot: Callable[[], Any] | None = None,
        camera: Callable[[], Camera] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the handler; nothing is opened until a verb needs it."""
        self.ptz = ptz
        self._check = check
        self._state = state
        self._snapshot = snapshot
        self._camera_factory = camera
        self._clock = clock
        self.ptz_lock = threading.Lock()
        self._camera_lock = threading.Lock()
        self._camera: Camera | None = None
        self._stop_event = threading.Event()
        self._bucket = _TokenBucket(ptz.rate_limit_per_s, clock)
        # The dead-man of a ptz.move without duration_ms (docs/mqtt.md): STOP unless repeated.
        self.hold = Hold(self._hold_lapsed, ptz.hold_timeout_ms / 1000)

    def admit(self, request: Request) -> None:
        """Apply the PTZ rate limit at arrival; raise CommandError(rate_limited) when exceeded."""
        if request.lane is Lane.PTZ and not self._bucket.take():
            raise CommandError(
                "rate_limited", t("mqtt.cmd.rate_limited", rate=f"{self.ptz.rate_limit_per_s:g}")
            )

    def execute(self, request: Request) -> Any:
        """Run one request and return its result; raise AgentError (with its code) on failure."""
        if request.expires_at is not None and self._clock() > request.expires_at:
            raise CommandError("expired", t("mqtt.cmd.expired"))
        verb, args = request.verb, request.args
        if verb == "check":
            return _need(self._check, verb)(args.get("only"))
        if verb == "state":
            return _need(self._state, verb)()
        if verb == "snapshot":
            return _need(self._snapshot, verb)()
        if verb == "ptz.stop":
            self._stop_event.set()
            self.hold.release()
            self._cam().stop()
            return {}
        timeout = self.ptz.move_timeout_ms / 1000
        if not self.ptz_lock.acquire(timeout=timeout):
            raise BusyError(t("mqtt.cmd.ptz_busy", seconds=f"{timeout:g}"))
        try:
            self._stop_event.clear()
            return self._ptz(verb, args)
        finally:
            self.ptz_lock.release()

    def link_lost(self) -> None:
        """The MQTT connection dropped: a hold-to-move in progress is stopped now."""
        self.hold.lost()

    def close(self) -> None:
        """End a timed move's wait and the hold watcher, and close the camera if it is open."""
        self._stop_event.set()
        self.hold.close()
        with self._camera_lock:
            cam, self._camera = self._camera, None
        if cam is not None:
            try:
                cam.close()
            except Exception:
                log.debug("camera close failed", exc_info=True)

    def _ptz(self, verb: str, args: Mapping[str, Any]) -> Any:
        cam = self._cam()
        try:
            if verb == "ptz.move":
                speed = int(args["speed"])
                cam.drive(args["direction"], speed, min(speed, self.ptz.max_speed_tilt))
                duration = args.get("duration_ms")
                if duration is None:
                    self.hold.arm()  # a hold: repeated ptz.move keeps it, silence stops it
                    return {}
                self.hold.release()  # the timed move stops the camera itself
                # A ptz.stop on the urgent lane sets the event and ends the wait early.
                early = self._stop_event.wait(duration / 1000)
                cam.stop()
                return {"stopped_early": early}
            if verb == "ptz.zoom":
                if "position" in args:
                    cam.zoom_to(int(args["position"]))
                else:
                    cam.zoom(args["action"])
                return {}
            if verb == "ptz.home":
                self.hold.release()  # home replaces the hold's motion
                cam.home()
                return {}
            if verb == "ptz.preset.recall":
                self.hold.release()
                cam.preset_recall(int(args["preset"]))
                return _read_back(cam)
            if verb == "ptz.preset.set":
                cam.preset_set(int(args["preset"]))
                return {}
            if verb == "ptz.preset.clear":
                cam.preset_clear(int(args["preset"]))
                return {}
            if verb == "ptz.power":
                cam.power(bool(args["on"]))
                return {}
            if verb == "ptz.position":
                return position_dict(cam.position())
        except DeviceUnavailableError:
            self.close()  # the port is gone: reopen on the next command
            raise
        raise CommandError(
            "unknown_verb", t("mqtt.cmd.unknown_verb", verb=verb, known=", ".join(VERBS))
        )

    def _hold_lapsed(self) -> None:
        with self._camera_lock:
            cam = self._camera
        if cam is not None:
            cam.stop()

    def _cam(self) -> Camera:
        with self._camera_lock:
            if self._camera is None:
                if self._camera_factory is None:
                    raise DeviceUnavailableError(
                        t("mqtt.cmd.no_camera"), hint=t("mqtt.cmd.no_camera_hint")
                    )
                self._camera = self._camera_factory()
            return self._camera


def error_code(exc: BaseException) -> str:
    """The contract error code for an exception raised by a verb."""
    if isinstance(exc, AgentError) and exc.code in CONTRACT_CODES:
        return exc.code
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "internal"


def response(
    request_id: str, *, result: Any = None, error: BaseException | None = None
) -> dict[str, Any]:
    """The one response body to a command: its result, or the error's contract code and text."""
    if error is None:
        return payloads.response_ok(request_id, result)
    message = (
        error.message
        if isinstance(error, AgentError)
        else t("mqtt.cmd.internal", error=type(error).__name__)
    )
    return payloads.response_error(request_id, error_code(error), message)


def position_dict(pos: Any) -> dict[str, int | None]:
    """Normalise a camera position (an object with pan/tilt/zoom, or a 3-tuple) to the contract.

    An axis the camera does not report (a Pelco camera without that query) is None.
    """
    if hasattr(pos, "pan"):
        pan, tilt, zoom = pos.pan, pos.tilt, pos.zoom
    else:
        pan, tilt, zoom = pos
    return {
        k: None if v is None else int(v) for k, v in (("pan", pan), ("tilt", tilt), ("zoom", zoom))
    }


def _read_back(cam: Camera) -> dict[str, Any]:
    """The position after a recall; a camera that cannot tell (Pelco-P) says so, not an error."""
    from agent.pelco import PositionUnavailableError

    try:
        return position_dict(cam.position())
    except PositionUnavailableError as exc:
        return {"pan": None, "tilt": None, "zoom": None, "unavailable": list(exc.axes)}


def _need(fn: Callable[..., Any] | None, verb: str) -> Callable[..., Any]:
    if fn is None:
        raise DeviceError(t("mqtt.cmd.not_wired", verb=verb))
    return fn


@dataclass
class _TokenBucket:
    """At most `rate` takes per second on average, bursts up to max(1, rate)."""

    rate: float
    clock: Callable[[], float]
    tokens: float = field(default=-1.0)
    last: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            now = self.clock()
            cap = max(1.0, self.rate)
            if self.tokens < 0:
                self.tokens, self.last = cap, now
            self.tokens = min(cap, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


__all__ = [
    "CONTRACT_CODES",
    "Camera",
    "CommandHandler",
    "Envelope",
    "Parsed",
    "Request",
    "error_code",
    "limits_for",
    "parse",
    "position_dict",
    "response",
]
