"""One exception tree for the whole agent; each class tells the caller what to do."""

from __future__ import annotations


class AgentError(Exception):
    """Root of every error the agent raises on purpose; `code` is the MQTT contract code."""

    code = "internal"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(AgentError):
    """The configuration is unusable; the message names file, key, value and what is allowed."""

    code = "invalid_config"


class UsageError(AgentError):
    """The command line asked for something that does not exist."""

    code = "invalid_argument"


class AccessError(AgentError):
    """This account may not do that (a socket's or a file's permissions); the hint says who may."""

    code = "forbidden"


class InvalidArgumentError(AgentError):
    """An argument is of the wrong type or outside its range; the message names the field."""

    code = "invalid_argument"


class DeviceError(AgentError):
    """A device answered, but with an error."""

    code = "device_error"


class DeviceUnavailableError(AgentError):
    """A device is missing or unplugged; retry after the technician fixes it."""

    code = "device_unavailable"


class DeviceTimeoutError(AgentError, TimeoutError):
    """A device did not answer within its deadline."""

    code = "timeout"


class ProtocolError(AgentError):
    """A wire protocol was violated."""

    code = "device_error"


class LocalProtocolError(ProtocolError):
    """We misused the protocol: a bug or an argument out of range on our side."""

    code = "invalid_argument"


class RemoteProtocolError(ProtocolError):
    """The peer sent bytes that do not parse."""


class BrokerError(AgentError):
    """The MQTT broker could not be reached or refused us."""

    code = "broker_unavailable"


class BusyError(AgentError):
    """Another operation holds the resource; retry later."""

    code = "busy"
