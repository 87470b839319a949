"""Names in the contract: slugs for provinces, rooms and groups; verbs and request ids.

A slug is `[a-z0-9][a-z0-9_-]{0,63}`, so no topic level built from one can hold `+`, `#` or `/`:
a room id can never widen an ACL pattern (CVE-2017-7650 was exactly that in mosquitto).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from agent.errors import InvalidArgumentError

SLUG_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
SLUG_PATTERN: Final = SLUG_RE.pattern
# Verbs and request ids become one topic level: no wildcards, no separators, bounded.
VERB_RE: Final = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
REQUEST_ID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def is_slug(value: object) -> bool:
    """True when `value` is a contract slug."""
    return isinstance(value, str) and SLUG_RE.fullmatch(value) is not None


def check_slug(value: object, field: str) -> str:
    """Return `value` if it is a contract slug, else raise InvalidArgumentError naming `field`."""
    if not is_slug(value):
        raise InvalidArgumentError(f"{field}={value!r} is not a slug [a-z0-9][a-z0-9_-]{{0,63}}")
    return str(value)


def check_request_id(value: object) -> str:
    """Return `value` if it can be a topic level `resp/{id}`, else raise InvalidArgumentError."""
    if not isinstance(value, str) or not REQUEST_ID_RE.fullmatch(value):
        raise InvalidArgumentError(
            f"request_id={value!r}: allowed 1..128 characters [A-Za-z0-9_.:-], "
            "starting with a letter or digit"
        )
    return value


def check_verb(value: object) -> str:
    """Return `value` if it is a well-formed verb, else raise InvalidArgumentError."""
    if not isinstance(value, str) or not VERB_RE.fullmatch(value):
        raise InvalidArgumentError(f"verb={value!r} is not a valid verb")
    return value


def slugify(text: str) -> str:
    """Make a slug from a Vietnamese name: "Xã Chiềng Sơn" → "xa-chieng-son"."""
    folded = fold(text)
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return slug[:64].rstrip("-") or "x"


def fold(text: str) -> str:
    """Lower-case `text` without diacritics, for search: "Chiềng Sơn" → "chieng son"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
