"""Rendering Pelco messages: a catalogue key and its arguments become text in a language.

The sans-IO core (protocol, commands) never renders; the client, the transport and the
emulator's CLI do, through this module. It uses VISCA's `Text`, so the ptz check's
`localize` re-renders Pelco messages in a report's language exactly as it does VISCA's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from agent.pelco.protocol import PelcoLocalError, PelcoRemoteError
from agent.visca.text import Text, msg

__all__ = ["Text", "msg", "render", "rendered"]


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
