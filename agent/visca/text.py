"""Rendering VISCA messages: catalogue keys and arguments become text in a language.

The sans-IO core (framing, errors, session, ip, commands) never renders; the client,
the transports, the CLI and the check do, through this module.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from typing import ParamSpec, Self, TypeVar

from agent.errors import AgentError
from agent.i18n import t
from agent.visca.errors import ViscaLocalError, ViscaRemoteError, ViscaReplyError

E = TypeVar("E", bound=BaseException)
P = ParamSpec("P")
R = TypeVar("R")


class Text(str):  # noqa: SLOT000 - str subtypes cannot have non-empty __slots__
    """A catalogue message that keeps its key and params, so it can be shown in another language.

    Errors are raised in the process language; a check reporting in its run's language
    re-renders them with `localize`.
    """

    key: str
    params: dict[str, object]

    def __new__(cls, key: str, params: dict[str, object]) -> Self:
        obj = super().__new__(cls, t(key, None, **params))
        obj.key, obj.params = key, params
        return obj

    def render(self, lang: str) -> str:
        """The same message in `lang` (a catalogue message inside it, too)."""
        params = {k: v.render(lang) if isinstance(v, Text) else v for k, v in self.params.items()}
        return t(self.key, lang=lang, **params)


def msg(key: str, /, **params: object) -> Text:
    """Look up catalogue message `key` in the current language, remembering how."""
    return Text(key, params)


# The operating system's errors a PTZ line meets, worded by the catalogue (not in English).
_OS_ERRORS = {
    errno.ECONNREFUSED: "oserror.refused",
    errno.ETIMEDOUT: "oserror.timed_out",
    errno.EHOSTUNREACH: "oserror.unreachable",
    errno.ENETUNREACH: "oserror.unreachable",
    errno.ECONNRESET: "oserror.reset",
    errno.ENOENT: "oserror.missing",
    errno.EACCES: "oserror.denied",
    errno.EBUSY: "oserror.busy",
    errno.EIO: "oserror.io",
}


def os_error(exc: BaseException) -> object:
    """An OS error as a catalogue message when we know it; anything else as it is."""
    code = getattr(exc, "errno", None)
    key = _OS_ERRORS.get(code) if isinstance(code, int) else None
    return msg(key) if key else exc


def localize(text: str | None, lang: str) -> str | None:
    """Render a message in `lang` if it came from the catalogue; other text is kept as is."""
    return text.render(lang) if isinstance(text, Text) else text


def render(exc: E) -> E:
    """Give a core error (key + arguments) its text in the process language; return it.

    Other exceptions, and errors already rendered, are returned unchanged.
    """
    keyed = (ViscaLocalError, ViscaRemoteError, ViscaReplyError)
    if isinstance(exc, keyed) and not isinstance(exc.message, Text):
        exc.message = Text(exc.key, exc.params)
        if exc.hint_key is not None:
            exc.hint = Text(exc.hint_key, exc.hint_params)
        exc.args = (exc.message,)
    return exc


def rendered(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a public call: a core error leaving it carries its text, not just its key."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except AgentError as exc:
            render(exc)
            raise

    return call
