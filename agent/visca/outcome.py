"""What one VISCA command's exchange produces: its deadlines, its Result, or the error.

The client's reader fills a `Waiter` from the session's events; `result_of` turns it into
the `Result` a caller gets, or the error it raises (a STOP that overtook a drive ends
stopped, which is what the later call asked for, so that one is a result).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from agent.errors import DeviceError, DeviceUnavailableError
from agent.visca.framing import Command, Finish
from agent.visca.text import msg


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long to wait for each kind of answer, in milliseconds."""

    ack_ms: int = 500  # first reply: ACK, error, or an inquiry's answer
    immediate_ms: int = 1000  # Completion of drive, stop, zoom, focus, preset set/clear
    move_ms: int = 10_000  # Completion of home, recall, absolute moves, power
    inquiry_retries: int = 1  # inquiries are resent this many times; moves never are


@dataclass(frozen=True, slots=True)
class Result:
    """What one command's exchange produced, with its timing."""

    command: str
    data: bytes
    ack_ms: float | None  # None for inquiries and for Completion without ACK
    done_ms: float
    acked: bool


class CommandSupersededError(DeviceError):
    """The command lost its reply: STOP jumped it, or its Completion was never seen."""


class Waiter:
    """What the reader has seen of one command: its ACK, Completion, error or supersession."""

    __slots__ = ("acked_at", "data", "done_at", "error", "finished", "superseded", "was_acked")

    def __init__(self) -> None:
        self.acked_at: float | None = None
        self.done_at: float | None = None
        self.data = b""
        self.error: BaseException | None = None
        self.finished = False
        self.superseded: str | None = None
        self.was_acked = False

    @property
    def first(self) -> bool:
        """True once the first reply (an ACK, or a Completion without one) came."""
        return self.finished or self.acked_at is not None


def result_of(
    waiter: Waiter, command: Command, *, address: int, port: str, sent_at: float
) -> Result:
    """The Result of a finished exchange, or raise the error its waiter holds."""
    if waiter.error is not None:
        raise waiter.error
    if waiter.superseded is not None:
        if waiter.superseded == "stop" and command.finish is Finish.IMMEDIATE:
            # A drive overtaken by STOP ends stopped, which the later call asked for.
            return Result(command.name, b"", None, (time.monotonic() - sent_at) * 1000, acked=False)
        if waiter.superseded == "no_camera":
            raise DeviceUnavailableError(
                msg("ptz.no_camera", address=address, port=port),
                hint=msg("ptz.no_camera_hint"),
            )
        raise CommandSupersededError(
            msg(
                f"ptz.superseded.{waiter.superseded}",
                address=address,
                command=command.name,
            ),
            hint=msg("ptz.superseded_hint"),
        )
    done_at = waiter.done_at or time.monotonic()
    return Result(
        command.name,
        waiter.data,
        None if waiter.acked_at is None else (waiter.acked_at - sent_at) * 1000,
        (done_at - sent_at) * 1000,
        waiter.was_acked,
    )


__all__ = ["CommandSupersededError", "Result", "Timeouts", "Waiter", "result_of"]
