"""VISCA errors as data: each carries a catalogue key and its arguments, never rendered text.

This module contains no I/O and does not import the message catalogue (h11's shape): the
caller renders an error with `agent.visca.text.render` when it reaches a person.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from agent.errors import DeviceError, LocalProtocolError, RemoteProtocolError


class ErrorCode(IntEnum):
    """The cause byte of an error reply `z0 6s cc FF`."""

    LENGTH = 0x01  # message too long
    SYNTAX = 0x02  # unknown command or illegal parameter
    BUFFER_FULL = 0x03  # both sockets busy
    CANCELLED = 0x04  # the command in that socket was cancelled
    NO_SOCKET = 0x05  # Cancel named an empty socket
    NOT_EXECUTABLE = 0x41  # impossible in the current mode (e.g. standby)


class Keyed:
    """Mixin: the error's message as catalogue key + arguments (and a hint key), not yet text."""

    key: str
    params: dict[str, object]
    hint_key: str | None = None
    hint_params: dict[str, object]


def unrendered(key: str, params: dict[str, object]) -> str:
    """The language-free stand-in for a message until the caller renders it (as in logs)."""
    extra = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"{key}({extra})" if extra else key


class ViscaLocalError(Keyed, LocalProtocolError):
    """We misused the protocol: an argument out of range, a packet we must not build."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(unrendered(key, params))
        self.key, self.params, self.hint_params = key, params, {}

    def hinted(self, hint_key: str, /, **params: object) -> ViscaLocalError:
        """Attach a catalogue hint (what to do instead); return self."""
        self.hint_key, self.hint_params = hint_key, params
        self.hint = unrendered(hint_key, params)
        return self


class ViscaRemoteError(Keyed, RemoteProtocolError):
    """The peer sent bytes that are not VISCA; the arguments name them in hex."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(unrendered(key, params))
        self.key, self.params, self.hint_params = key, params, {}


class ViscaReplyError(Keyed, DeviceError):
    """The camera refused a command; subclasses name the cause."""

    cause = ErrorCode.SYNTAX
    key = "ptz.err.syntax"

    def __init__(self, address: int, socket: int, command: str = "") -> None:
        params: dict[str, object] = {"address": address, "command": command or "?"}
        super().__init__(unrendered(self.key, params), hint=unrendered(self.key + "_hint", {}))
        self.params, self.hint_key, self.hint_params = params, self.key + "_hint", {}
        self.address = address
        self.socket = socket
        self.command = command


class MessageLengthError(ViscaReplyError):
    """The camera says the message was too long."""

    cause = ErrorCode.LENGTH
    key = "ptz.err.length"


class ViscaSyntaxError(ViscaReplyError):
    """The camera does not know the command or refuses a parameter (e.g. speed 00)."""

    cause = ErrorCode.SYNTAX
    key = "ptz.err.syntax"


class BufferFullError(ViscaReplyError):
    """Both command sockets are busy with motions."""

    cause = ErrorCode.BUFFER_FULL
    key = "ptz.err.buffer_full"


class CommandCancelledError(ViscaReplyError):
    """The command was cancelled (by Cancel or IF_Clear) before it completed."""

    cause = ErrorCode.CANCELLED
    key = "ptz.err.cancelled"


class NoSocketError(ViscaReplyError):
    """Cancel named a socket that holds no command."""

    cause = ErrorCode.NO_SOCKET
    key = "ptz.err.no_socket"


class NotExecutableError(ViscaReplyError):
    """The camera cannot do this now (in standby, or mid-operation)."""

    cause = ErrorCode.NOT_EXECUTABLE
    key = "ptz.err.not_executable"


ERRORS: Final[dict[int, type[ViscaReplyError]]] = {
    cls.cause: cls
    for cls in (
        MessageLengthError,
        ViscaSyntaxError,
        BufferFullError,
        CommandCancelledError,
        NoSocketError,
        NotExecutableError,
    )
}


def error_for(code: int, address: int, socket: int, command: str = "") -> ViscaReplyError:
    """Return the typed error for an error reply's cause byte."""
    return ERRORS.get(code, ViscaReplyError)(address, socket, command)
