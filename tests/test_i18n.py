"""The vi/en message catalogues: every key used in the code exists, in both languages, alike.

The sources are gettext .po files, one domain per package (docs/translations.md); these tests
check what the shipped compiled catalogues (.mo) hold.
"""

from __future__ import annotations

import gettext
import io
import re
import string
from pathlib import Path
from typing import NamedTuple

import pytest

import central  # registers the central side's messages, so its keys are checked too
import central.report  # and the monthly report's
from agent import i18n
from agent.i18n import DOMAIN, LANGUAGES, Text, catalog, domains, is_plural, t, tn

REPO = Path(__file__).resolve().parents[1]
PACKAGES = (REPO / "agent", REPO / "central")
# t("key"…), tn("key"…), ctx.t("key"…), _t("key"…): a literal first argument is a catalogue key.
CALL = re.compile(
    r"""\b(?:t|tn|_t|ctx\.t|self\.t)\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']"""
)
PLURAL_FORMS = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
DOMAINS = [(d, path) for d, path in domains()]
PO = [(d, path, lang) for d, path in DOMAINS for lang in LANGUAGES]


class Message(NamedTuple):
    """One compiled message: its forms (one unless plural)."""

    plural: bool
    forms: tuple[str, ...]


def po_file(localedir: Path, lang: str, domain: str, ext: str = "po") -> Path:
    return localedir / lang / "LC_MESSAGES" / f"{domain}.{ext}"


def read_mo(data: bytes) -> tuple[dict[str, str], dict[str, Message]]:
    """Return a compiled catalogue's header fields and its messages."""
    trans = gettext.GNUTranslations(io.BytesIO(data))
    forms: dict[str, dict[int, str]] = {}
    single: dict[str, str] = {}
    for k, v in vars(trans)["_catalog"].items():
        if isinstance(k, tuple):
            forms.setdefault(k[0], {})[k[1]] = v
        elif k:
            single[k] = v
    messages = {k: Message(plural=False, forms=(v,)) for k, v in single.items()}
    messages |= {
        k: Message(plural=True, forms=tuple(v[i] for i in sorted(v))) for k, v in forms.items()
    }
    return trans.info(), messages


def fields(text: str) -> set[str]:
    """Return the `{name}` fields of a text; raise ValueError when one is broken or nameless."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    bad = sorted(n for n in names if not n.isidentifier())
    if bad:
        msg = f"placeholder without a name or not an identifier: {bad}"
        raise ValueError(msg)
    return names


def problems(vi: dict[str, Message], en: dict[str, Message]) -> list[str]:
    """Return what is wrong between the two languages of one domain; empty when all is well."""
    found = [f"{k}: only in {'vi' if k in vi else 'en'}" for k in sorted(vi.keys() ^ en.keys())]
    for key in sorted(vi.keys() & en.keys()):
        if vi[key].plural != en[key].plural:
            found.append(f"{key}: plural forms in one language only")
        seen: dict[str, set[str]] = {}
        for lang, message in (("vi", vi[key]), ("en", en[key])):
            for i, text in enumerate(message.forms):
                where = f"{key} ({lang}, form {i})"
                if not text.strip():
                    found.append(f"{where}: empty")
                try:
                    seen[f"{lang}[{i}]"] = fields(text)
                except ValueError as exc:
                    found.append(f"{where}: broken placeholder: {exc}")
        if len({frozenset(s) for s in seen.values()}) > 1:
            found.append(f"{key}: placeholders differ: {seen}")
        if en[key].plural and not all("n" in s for s in seen.values()):
            found.append(f"{key}: a plural message must show its count as {{n}}")
    return found


def literal_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for root in PACKAGES:
        for path in root.rglob("*.py"):
            for key in CALL.findall(path.read_text(encoding="utf-8")):
                found.setdefault(key, str(path.relative_to(REPO)))
    return found


# ---- the compiled catalogues


@pytest.mark.parametrize(("domain", "localedir", "lang"), PO, ids=lambda v: str(v).split("/")[-1])
def test_header_is_what_poedit_and_gettext_need(domain, localedir, lang):
    info, _ = read_mo(po_file(localedir, lang, domain, "mo").read_bytes())
    assert info["language"] == lang
    assert info["plural-forms"] == PLURAL_FORMS[lang]
    assert info["content-type"] == "text/plain; charset=UTF-8"
    assert info["project-id-version"] == domain


@pytest.mark.parametrize(("domain", "localedir"), DOMAINS, ids=[d for d, _ in DOMAINS])
def test_every_message_in_both_languages_with_the_same_placeholders(domain, localedir):
    vi, en = (read_mo(po_file(localedir, lang, domain, "mo").read_bytes())[1] for lang in LANGUAGES)
    assert len(vi) > 100
    assert problems(vi, en) == []


# ---- the runtime catalogue


def test_every_domain_is_loaded_central_included():
    assert domains()[0] == ("hnth-agent", REPO / "agent" / "locale")
    assert central.__name__ == "central"
    assert any(k.startswith("board.") for k in catalog())


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
    assert fields(vi) == fields(en), key


def test_vietnamese_is_vietnamese():
    texts = [vi for vi, _ in catalog().values()]
    with_marks = [
        s for s in texts if re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", s)
    ]
    assert len(with_marks) > 0.6 * len(texts)


# English words that are not Vietnamese ones ("in" and "to" are: print, big); quoted names,
# placeholders, [config] sections and command lines are left out before looking.
ENGLISH = re.compile(
    r"\b(the|is|are|not|and|with|cannot|could|should|please|was|were|from|this|that|has|have"
    r"|will|of|for|room|rooms|meeting|meetings|failed|missing|invalid)\b",
    re.IGNORECASE,
)
QUOTED = re.compile(r"\{[^}]*\}|\[[^]]*\]|'[^']*'|\"[^\"]*\"|`[^`]*`|“[^”]*”")
# Texts that may read the same in both languages: one word (Camera, TLS, zoom), bare layouts.
NEUTRAL = {"ptz.cli.position"}


def test_no_english_fragment_in_vietnamese():
    english = {k: vi for k, (vi, _) in catalog().items() if ENGLISH.search(QUOTED.sub("", vi))}
    assert not english, f"English words in Vietnamese texts: {english}"
    copied = {
        k
        for k, (vi, en) in catalog().items()
        if vi == en and len(re.findall(r"[^\W\d_]+", QUOTED.sub("", vi))) > 1
    } - NEUTRAL
    assert not copied, f"Vietnamese text is the English one: {sorted(copied)}"


# ---- plural forms


def test_english_says_1_room_and_2_rooms_vietnamese_has_one_form():
    params = {"province": "lc", "broker": "mqtt://b"}
    assert tn("fleet.started", 1, "en", **params).startswith("1 simulated room of province lc ")
    assert tn("fleet.started", 2, "en", **params).startswith("2 simulated rooms of province lc ")
    assert tn("fleet.started", 1, "vi", **params).startswith("1 phòng giả lập ")
    assert tn("fleet.started", 2, "vi", **params).startswith("2 phòng giả lập ")
    assert [tn("schedule.cli.count", n, "en") for n in (0, 1, 2)] == [
        "Total: 0 meetings.",
        "Total: 1 meeting.",
        "Total: 2 meetings.",
    ]
    assert tn("mqtt.publish.queued", 1, "en", seconds=5).endswith(
        ": 1 event is still queued and will be sent next time"
    )


def test_a_plural_message_keeps_its_key_and_count_so_the_board_can_render_it_again():
    text = tn("ptz.cli.discover", 1, "en", port="/dev/ttyUSB0")
    assert isinstance(text, Text)
    assert (text, text.key, text.params) == (
        "1 camera on /dev/ttyUSB0",
        "ptz.cli.discover",
        {"n": 1, "port": "/dev/ttyUSB0"},
    )
    assert t(text.key, "en", **{**text.params, "n": 3}) == "3 cameras on /dev/ttyUSB0"
    assert t(text.key, "vi", **text.params) == "1 camera trên /dev/ttyUSB0"
    assert is_plural("ptz.cli.discover")
    assert not is_plural("config.missing")
    # Without a count: the general form, as the board's page and catalog() show it.
    assert catalog()["ptz.cli.discover"] == ("{n} camera trên {port}", "{n} cameras on {port}")


def test_missing_key_never_crashes():
    assert t("no.such.key", x=1) == "no.such.key(x=1)"
    assert tn("no.such.key", 2) == "no.such.key(n=2)"


def test_a_message_without_its_params_is_shown_unformatted_rather_than_crash():
    assert t("config.missing", "en") == "config file {file} not found"


def test_a_second_domain_with_the_same_keys_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "_domains", list(domains()))
    monkeypatch.setattr(i18n, "_loaded", {})
    assert t("config.missing", "en", file="a") == "config file a not found"
    for lang in LANGUAGES:
        copy = po_file(tmp_path, lang, "again", "mo")
        copy.parent.mkdir(parents=True)
        copy.write_bytes(po_file(REPO / "agent" / "locale", lang, DOMAIN, "mo").read_bytes())
    with pytest.raises(RuntimeError, match="duplicate message keys"):
        i18n.register_domain("again", tmp_path)
