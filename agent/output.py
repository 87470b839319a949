"""Text rendering for terminals: colours only on a TTY, widths that respect Vietnamese text."""

from __future__ import annotations

import os
import sys
import unicodedata
from typing import Final, TextIO

_COLOURS: Final = {
    "pass": "32",
    "ready": "32",
    "warn": "33",
    "degraded": "33",
    "fail": "31",
    "not_ready": "31",
    "error": "35",
    "skip": "90",
}


def use_colour(stream: TextIO = sys.stdout) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return stream.isatty() and "NO_COLOR" not in os.environ


def paint(text: str, state: str, colour: bool) -> str:
    """Wrap text in the ANSI colour of a status or verdict when colour is on."""
    code = _COLOURS.get(state)
    return f"\033[{code}m{text}\033[0m" if colour and code else text


def width(text: str) -> int:
    """Display width: Vietnamese letters may arrive decomposed, combining marks take no cell."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def pad(text: str, cells: int) -> str:
    """Left-align text in `cells` display cells."""
    return text + " " * max(cells - width(text), 0)


def table(
    rows: list[list[str]], states: list[str | None] | None = None, colour: bool = False
) -> str:
    """Render rows as aligned columns; the second column is painted with each row's state."""
    if not rows:
        return ""
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = [pad(c, widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row)]
        state = states[n] if states else None
        if state and len(cells) > 1:
            cells[1] = paint(cells[1], state, colour)
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
