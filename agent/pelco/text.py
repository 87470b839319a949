"""Rendering Pelco messages: a catalogue key and its arguments become text in a language.

The sans-IO core (protocol, commands) never renders; the client, the transport and the
emulator's CLI do, through this module. `Text` keeps its key and arguments, so a report
in another language can render the same message again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Self

from agent.i18n import t
from agent.pelco.protocol import PelcoLocalError, PelcoRemoteError


class Text(str):  # noqa: SLOT000 - str subtypes cannot have non-empty __slots__
    """A catalogue message that remembers its key and params."""

    key: str
    params: dict[str, object]

    def __new__(cls, key: str, params: dict[str, object]) -> Self:
        obj = super().__new__(cls, t(key, None, **params))
        obj.key, obj.params = key, params
        return obj

    def render(self, lang: str) -> str:
        """The same message in `lang`."""
        return t(self.key, lang=lang, **self.params)


def msg(key: str, /, **params: object) -> Text:
    """Look up catalogue message `key` in the current language, remembering how."""
    return Text(key, params)


def render(exc: PelcoLocalError | PelcoRemoteError) -> PelcoLocalError | PelcoRemoteError:
    """Give a core error its text in the process language (once); return it."""
    if not isinstance(exc.message, Text):
        exc.message = Text(exc.key, exc.params)
        exc.args = (exc.message,)
    return exc


@contextlib.contextmanager
def rendered() -> Iterator[None]:
    """Render core errors raised inside the block before they reach the caller."""
    try:
        yield
    except (PelcoLocalError, PelcoRemoteError) as exc:
        raise render(exc) from None
