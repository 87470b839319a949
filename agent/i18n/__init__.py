"""The one vi/en message catalogue: every user-facing string is looked up here.

The messages are gettext catalogues, one domain per package: the agent's is
`agent/locale/<lang>/LC_MESSAGES/hnth-agent.po`, compiled to the `.mo` beside it (shipped, so a
plain `pip install` needs no build step). Message ids are the keys the code uses
(`msgid "camera.black"`); texts use str.format `{name}` placeholders. A message that counts
things has plural forms, picked by its `n` parameter. How to add one: docs/translations.md.
"""

from __future__ import annotations

import importlib
import string
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, Self, cast

if TYPE_CHECKING:
    import gettext

__all__ = [
    "DEFAULT_LANG",
    "DOMAIN",
    "LANGUAGES",
    "LOCALEDIR",
    "Lang",
    "Text",
    "catalog",
    "current_language",
    "domains",
    "forms",
    "is_plural",
    "placeholders",
    "register_domain",
    "register_part",
    "set_language",
    "t",
    "tn",
]

Lang = Literal["vi", "en"]
LANGUAGES: Final = ("vi", "en")
DEFAULT_LANG: Lang = "vi"
DOMAIN: Final = "hnth-agent"
LOCALEDIR: Final = Path(__file__).resolve().parent.parent / "locale"

_current: Lang = DEFAULT_LANG
# (domain, locale dir): the agent's own, then those other packages add with `register_domain`
# when imported (the central side), so a room PC never loads them.
_domains: list[tuple[str, Path]] = [(DOMAIN, LOCALEDIR)]
# Legacy parts: modules holding MESSAGES: dict[key, (vi, en)], not yet moved to gettext.
_registered: list[str] = []
_loaded: dict[Lang, _Language] = {}


def set_language(lang: str) -> None:
    """Make `lang` the default for `t()`; unknown languages fall back to Vietnamese."""
    global _current  # noqa: PLW0603 - the process-wide default language, set once by the CLI
    _current = cast("Lang", lang) if lang in LANGUAGES else DEFAULT_LANG


def current_language() -> Lang:
    """Return the language `t()` uses when none is given."""
    return _current


def register_domain(domain: str, localedir: Path) -> None:
    """Add gettext domain `domain` (`localedir/<lang>/LC_MESSAGES/<domain>.mo`); idempotent.

    For packages outside the agent: `central` registers its domain on import, so its messages
    exist exactly when its code can run. Keys are one namespace across domains.
    """
    entry = (domain, localedir)
    if entry in _domains:
        return
    _domains.append(entry)
    for lang, loaded in _loaded.items():
        loaded.add_domain(domain, localedir, lang)


def register_part(module: str) -> None:
    """Add the legacy catalogue part in `module` (its MESSAGES: key -> (vi, en)); idempotent."""
    if module in _registered:
        return
    _registered.append(module)
    for lang, loaded in _loaded.items():
        loaded.add_part(module, lang)


def domains() -> tuple[tuple[str, Path], ...]:
    """Return the (domain, locale dir) pairs the catalogue is merged from, the agent's first."""
    return tuple(_domains)


def catalog() -> dict[str, tuple[str, str]]:
    """Return every message as (vi, en) text; a plural message gives its general (many) form."""
    vi, en = _language("vi"), _language("en")
    return {key: (vi.general(key), en.general(key)) for key in vi.keys | en.keys}


def has(key: str) -> bool:
    """Return whether the catalogue has message `key` (cheap: no catalogue is built)."""
    return key in _language("vi").keys or key in _language("en").keys


def is_plural(key: str) -> bool:
    """Return whether message `key` has plural forms (picked by its `n` parameter)."""
    return key in _language("en").plural


def forms(key: str, lang: str) -> dict[str, str]:
    """Return plural message `key`'s unformatted texts in `lang` by CLDR category (one, other).

    For a page that picks the form itself (`Intl.PluralRules`); our languages have at most
    those two categories: English "one" and "other", Vietnamese "other" only.
    """
    language = _language(cast("Lang", lang) if lang in LANGUAGES else "en")
    return {"one": language.text(key, 1) or key, "other": language.general(key)}


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
    """Return message `key` in `lang` (default: the current language), formatted with params.

    A plural message picks its form by the `n` parameter (the general form without one).
    """
    plain: dict[str, object] = {
        k: v if isinstance(v, int | float | bool) or v is None else str(v)
        for k, v in params.items()
    }
    chosen = lang or _current
    text = _language(cast("Lang", chosen) if chosen in LANGUAGES else "en").text(
        key, params.get("n")
    )
    if text is None:
        # A missing key must never crash a report: show the key and its params instead.
        extra = ", ".join(f"{k}={v}" for k, v in params.items())
        return Text(f"{key}({extra})" if extra else key, key, plain)
    try:
        return Text(text.format(**params), key, plain)
    except (KeyError, IndexError, ValueError):
        return Text(text, key, plain)


def tn(key: str, n: int, /, lang: str | None = None, **params: object) -> str:
    """Return plural message `key` for count `n` ("1 room", "2 rooms"); `{n}` in it is n."""
    return t(key, lang, n=n, **params)


def placeholders(text: str) -> set[str]:
    """Return the `{name}` fields used in a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# ---- loading, lazily: `hnth-agent --help` reads one language's .mo files, nothing more


class _Language:
    """One language's messages from every domain: key -> the translations that hold it."""

    def __init__(self) -> None:
        self.by_key: dict[str, gettext.NullTranslations] = {}
        self.legacy: dict[str, str] = {}
        self.plural: set[str] = set()
        self.keys: set[str] = set()

    def add_domain(self, domain: str, localedir: Path, lang: Lang) -> None:
        import gettext  # here: its import (locale, re) waits for the first message

        path = localedir / lang / "LC_MESSAGES" / f"{domain}.mo"
        try:
            with path.open("rb") as fp:
                trans = gettext.GNUTranslations(fp)
        except OSError as exc:
            msg = f"message catalogue {path} is missing or unreadable ({exc}): reinstall hnth-agent"
            raise RuntimeError(msg) from exc
        # GNUTranslations keeps its messages in `_catalog` (plural forms under (msgid, i)); there
        # is no public way to list them, and listing is what the board and the tests need.
        ids: dict[object, str] = vars(trans)["_catalog"]
        plural = {k[0] for k in ids if isinstance(k, tuple)}
        keys = {k for k in ids if isinstance(k, str) and k} | plural  # "" is the header
        self._claim(str(path), keys)
        self.plural |= plural
        self.by_key.update(dict.fromkeys(keys, trans))

    def add_part(self, module: str, lang: Lang) -> None:
        parts = cast("dict[str, tuple[str, str]]", importlib.import_module(module).MESSAGES)
        self._claim(module, set(parts))
        self.legacy.update({k: v[0] if lang == "vi" else v[1] for k, v in parts.items()})

    def text(self, key: str, n: object) -> str | None:
        """Return the unformatted text of `key` (for count `n` if plural); None if unknown."""
        trans = self.by_key.get(key)
        if trans is None:
            return self.legacy.get(key)
        if key not in self.plural:
            return trans.gettext(key)
        count = n if isinstance(n, int) and not isinstance(n, bool) else None
        if isinstance(n, float) and n.is_integer():
            count = int(n)
        # Without a usable count, the general form: what "2" picks in every language we have.
        return trans.ngettext(key, key, 2 if count is None else count)

    def general(self, key: str) -> str:
        """Return the text of `key`, its general form if plural."""
        return self.text(key, None) or key

    def _claim(self, source: str, keys: set[str]) -> None:
        dup = self.keys & keys
        if dup:
            msg = f"duplicate message keys in {source}: {sorted(dup)}"
            raise RuntimeError(msg)
        self.keys |= keys


def _language(lang: Lang) -> _Language:
    loaded = _loaded.get(lang)
    if loaded is None:
        loaded = _Language()
        for domain, localedir in _domains:
            loaded.add_domain(domain, localedir, lang)
        for module in _registered:
            loaded.add_part(module, lang)
        _loaded[lang] = loaded
    return loaded
