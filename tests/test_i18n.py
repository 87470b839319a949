"""The one vi/en catalogue: every key used in the code exists, in both languages, alike."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import central  # registers the central side's catalogue part, so its keys are checked too
from agent.i18n import catalog, parts, placeholders, t

REPO = Path(__file__).resolve().parents[1]
PACKAGES = (REPO / "agent", REPO / "central")
# t("key"…), ctx.t("key"…), _t("key"…): a literal first argument is a catalogue key.
CALL = re.compile(r"""\b(?:t|_t|ctx\.t|self\.t)\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")


def literal_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for root in PACKAGES:
        for path in root.rglob("*.py"):
            if path.name.startswith("catalog"):
                continue
            for key in CALL.findall(path.read_text(encoding="utf-8")):
                found.setdefault(key, str(path.relative_to(REPO)))
    return found


def test_every_part_is_in_the_catalogue_central_included():
    assert central.__name__ in {p.partition(".")[0] for p in parts()}
    merged = catalog()
    for name in parts():
        messages = importlib.import_module(name).MESSAGES
        assert messages, name
        assert all(merged[k] == v for k, v in messages.items()), name
    assert sum(len(importlib.import_module(n).MESSAGES) for n in parts()) == len(merged)


def test_every_literal_key_exists():
    known = catalog()
    missing = {k: where for k, where in literal_keys().items() if k not in known}
    assert not missing, f"keys used but not in the catalogue: {missing}"


def test_catalogue_is_big_enough_to_mean_something():
    assert len(catalog()) > 200
    assert len(literal_keys()) > 100


@pytest.mark.parametrize("key", sorted(catalog()))
def test_both_languages_present_with_same_placeholders(key):
    vi, en = catalog()[key]
    assert vi.strip(), f"{key}: empty Vietnamese text"
    assert en.strip(), f"{key}: empty English text"
    assert placeholders(vi) == placeholders(en), key


def test_vietnamese_is_vietnamese():
    texts = [vi for vi, _ in catalog().values()]
    with_marks = [
        s for s in texts if re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", s)
    ]
    assert len(with_marks) > 0.6 * len(texts)


def test_missing_key_never_crashes():
    assert t("no.such.key", x=1) == "no.such.key(x=1)"
