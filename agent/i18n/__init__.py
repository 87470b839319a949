"""The one vi/en message catalogue: every user-facing string is looked up here."""

from __future__ import annotations

import importlib
import string
from typing import Final, Literal, Self, cast

Lang = Literal["vi", "en"]
LANGUAGES: Final = ("vi", "en")
DEFAULT_LANG: Lang = "vi"

# Each part is a module `catalog_<part>` holding MESSAGES: dict[str, tuple[vi, en]].
# The catalogue is split by domain only so that files stay short; keys are one namespace.
_PARTS: Final = ("core", "ptz", "media", "mqtt", "daemon", "fleet", "pelco", "schedule")

_current: Lang = DEFAULT_LANG
_catalog: dict[str, tuple[str, str]] | None = None
# Parts owned by other packages (the central side), added by `register_part` when imported, so
# a room PC never loads them.
_registered: list[str] = []


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
            _merge(merged, module.__name__, module.MESSAGES)
        for name in _registered:
            _merge(merged, name, importlib.import_module(name).MESSAGES)
        _catalog = merged
    return _catalog


def register_part(module: str) -> None:
    """Add the catalogue part in `module` (its MESSAGES, as in catalog_*.py); idempotent.

    For packages outside the agent: `central` calls `register_part("central.catalog")` on
    import, so its messages exist exactly when its code can run.
    """
    if module in _registered:
        return
    _registered.append(module)
    if _catalog is not None:
        _merge(_catalog, module, importlib.import_module(module).MESSAGES)


def parts() -> tuple[str, ...]:
    """Return the modules the catalogue is merged from: the agent's own, then registered ones."""
    own = (f"agent.i18n.catalog_{p}" for p in _PARTS)
    return (*own, *_registered)


class Text(str):  # noqa: SLOT000 - a str subclass cannot have non-empty slots
    """A catalogue message: the rendered text, plus the key and params it was rendered from.

    It is a str everywhere; payloads also carry `key` and `params`, so a reader (the board)
    can render the same message in its viewer's language.
    """

    key: str
    params: dict[str, object]

    def __new__(
        cls, text: str = "", key: str = "", params: dict[str, object] | None = None
    ) -> Self:
        obj = super().__new__(cls, text)
        obj.key = key
        obj.params = params or {}
        return obj


def t(key: str, /, lang: str | None = None, **params: object) -> str:
    """Return message `key` in `lang` (default: the current language), formatted with params."""
    plain: dict[str, object] = {
        k: v if isinstance(v, int | float | bool) or v is None else str(v)
        for k, v in params.items()
    }
    entry = catalog().get(key)
    if entry is None:
        # A missing key must never crash a report: show the key and its params instead.
        extra = ", ".join(f"{k}={v}" for k, v in params.items())
        return Text(f"{key}({extra})" if extra else key, key, plain)
    text = entry[0] if (lang or _current) == "vi" else entry[1]
    try:
        return Text(text.format(**params), key, plain)
    except (KeyError, IndexError, ValueError):
        return Text(text, key, plain)


def placeholders(text: str) -> set[str]:
    """Return the `{name}` fields used in a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _merge(into: dict[str, tuple[str, str]], module: str, messages: object) -> None:
    part = cast("dict[str, tuple[str, str]]", messages)
    dup = into.keys() & part.keys()
    if dup:
        msg = f"duplicate message keys in {module}: {sorted(dup)}"
        raise RuntimeError(msg)
    into.update(part)
