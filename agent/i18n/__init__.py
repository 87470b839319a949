"""The one vi/en message catalogue: every user-facing string is looked up here."""

from __future__ import annotations

import importlib
import string
from typing import Final, Literal, cast

Lang = Literal["vi", "en"]
LANGUAGES: Final = ("vi", "en")
DEFAULT_LANG: Lang = "vi"

# Each part is a module `catalog_<part>` holding MESSAGES: dict[str, tuple[vi, en]].
# The catalogue is split by domain only so that files stay short; keys are one namespace.
_PARTS: Final = ("core", "ptz", "media", "mqtt", "daemon", "board", "pelco", "schedule")

_current: Lang = DEFAULT_LANG
_catalog: dict[str, tuple[str, str]] | None = None


def set_language(lang: str) -> None:
    """Make `lang` the default for `t()`; unknown languages fall back to Vietnamese."""
    global _current  # noqa: PLW0603 - the process-wide default language, set once by the CLI
    _current = cast("Lang", lang) if lang in LANGUAGES else DEFAULT_LANG


def current_language() -> Lang:
    """Return the language `t()` uses when none is given."""
    return _current


def catalog() -> dict[str, tuple[str, str]]:
    """Return the merged catalogue, loading it on first use."""
    global _catalog  # noqa: PLW0603 - loaded lazily to keep `--help` fast
    if _catalog is None:
        merged: dict[str, tuple[str, str]] = {}
        for part in _PARTS:
            try:
                module = importlib.import_module(f"agent.i18n.catalog_{part}")
            except ModuleNotFoundError:
                continue
            messages = cast("dict[str, tuple[str, str]]", module.MESSAGES)
            dup = merged.keys() & messages.keys()
            if dup:
                msg = f"duplicate message keys in catalog_{part}: {sorted(dup)}"
                raise RuntimeError(msg)
            merged.update(messages)
        _catalog = merged
    return _catalog


def t(key: str, /, lang: str | None = None, **params: object) -> str:
    """Return message `key` in `lang` (default: the current language), formatted with params."""
    entry = catalog().get(key)
    if entry is None:
        # A missing key must never crash a report: show the key and its params instead.
        extra = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{key}({extra})" if extra else key
    text = entry[0] if (lang or _current) == "vi" else entry[1]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def placeholders(text: str) -> set[str]:
    """Return the `{name}` fields used in a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
