"""The vi/en message catalogues: every key used in the code exists, in both languages, alike.

The sources are gettext .po files, one domain per package (docs/translations.md). These tests
read them as msgfmt does (untranslated and fuzzy entries left out), check the two languages
against each other, and check that each shipped .mo holds exactly what its .po says and is byte
for byte what `msgfmt --check` (the compiler the docs name, and Poedit runs) makes of it.
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import string
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

import central  # registers the central side's messages, so its keys are checked too
import central.report  # and the monthly report's
from agent import i18n
from agent.i18n import DOMAIN, LANGUAGES, Text, catalog, domains, forms, is_plural, t, tn
from tests.fixtures.common import need_program

REPO = Path(__file__).resolve().parents[1]
PACKAGES = (REPO / "agent", REPO / "central")
# t("key"…), tn("key"…), ctx.t("key"…), _t("key"…): a literal first argument is a catalogue key.
CALL = re.compile(
    r"""\b(?:t|tn|_t|ctx\.t|self\.t)\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']"""
)
PLURAL_FORMS = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
DOMAINS = [(d, path) for d, path in domains()]
PO = [(d, path, lang) for d, path in DOMAINS for lang in LANGUAGES]
IDS = [f"{d}-{lang}" for d, _, lang in PO]


class Message(NamedTuple):
    """One message as gettext sees it: its forms (one unless plural)."""

    plural: bool
    forms: tuple[str, ...]


def po_file(localedir: Path, lang: str, domain: str, ext: str = "po") -> Path:
    return localedir / lang / "LC_MESSAGES" / f"{domain}.{ext}"


def read_po(text: str) -> tuple[dict[str, str], dict[str, Message]]:
    """Return a .po file's header fields and its messages, leaving out what msgfmt leaves out."""
    header: dict[str, str] = {}
    messages: dict[str, Message] = {}
    for block in re.split(r"\n\s*\n", text):
        entry: dict[str, str] = {}
        last, fuzzy = "", False
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                fuzzy |= "fuzzy" in line
            elif line.startswith('"'):
                entry[last] += ast.literal_eval(line)
            elif not line.startswith("#"):
                last, _, value = line.partition(" ")
                entry[last] = ast.literal_eval(value)
        if "msgid" not in entry:
            continue
        if entry["msgid"] == "":
            pairs = (f.partition(":") for f in entry["msgstr"].splitlines())
            header = {k.strip().lower(): v.strip() for k, _, v in pairs}
            continue
        plural = "msgid_plural" in entry
        forms = tuple(v for k, v in sorted(entry.items()) if k.startswith("msgstr"))
        if forms and all(forms) and not fuzzy:
            messages[entry["msgid"]] = Message(plural, forms)
    return header, messages


def read_mo(data: bytes) -> tuple[dict[str, str], dict[str, Message]]:
    """Return a compiled catalogue's header fields and its messages, as agent.i18n reads them."""
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
    for lang, messages in (("vi", vi), ("en", en)):
        nplurals = int(PLURAL_FORMS[lang].split(";")[0].partition("=")[2])
        found += [
            f"{k}: {len(m.forms)} plural forms in {lang}, not {nplurals}"
            for k, m in sorted(messages.items())
            if m.plural and len(m.forms) != nplurals
        ]
    for key in sorted(vi.keys() & en.keys()):
        if vi[key].plural != en[key].plural:
            found.append(f"{key}: plural forms in one language only")
        seen: dict[str, set[str]] = {}
        for lang, message in (("vi", vi[key]), ("en", en[key])):
            for i, text in enumerate(message.forms):
                try:
                    seen[f"{lang}[{i}]"] = fields(text)
                except ValueError as exc:
                    found.append(f"{key} ({lang}, form {i}): broken placeholder: {exc}")
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


# ---- the .po sources and the shipped .mo files


@pytest.mark.parametrize(("domain", "localedir", "lang"), PO, ids=IDS)
def test_header_is_what_poedit_and_gettext_need(domain, localedir, lang):
    header, _ = read_po(po_file(localedir, lang, domain).read_text(encoding="utf-8"))
    assert header["language"] == lang
    assert header["plural-forms"] == PLURAL_FORMS[lang]
    assert header["content-type"] == "text/plain; charset=UTF-8"
    assert header["project-id-version"] == domain


@pytest.mark.parametrize(("domain", "localedir"), DOMAINS, ids=[d for d, _ in DOMAINS])
def test_every_message_in_both_languages_with_the_same_placeholders(domain, localedir):
    vi, en = (read_po(po_file(localedir, lang, domain).read_text("utf-8"))[1] for lang in LANGUAGES)
    assert len(vi) > 100
    assert problems(vi, en) == []


@pytest.mark.parametrize(("domain", "localedir", "lang"), PO, ids=IDS)
def test_the_shipped_mo_holds_what_the_po_says(domain, localedir, lang):
    po = po_file(localedir, lang, domain)
    mo = po_file(localedir, lang, domain, "mo")
    assert read_mo(mo.read_bytes()) == read_po(po.read_text(encoding="utf-8")), (
        f"{mo.relative_to(REPO)} is stale: run msgfmt --check -o {mo.relative_to(REPO)} "
        f"{po.relative_to(REPO)} (docs/translations.md)"
    )


FIXTURE_EN = r"""msgid ""
msgstr ""
"Language: en\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "x.ok"
msgstr "file {file} found"

msgid "x.missing_field"
msgstr "file {file} not found"

msgid "x.broken"
msgstr "cannot read {file}: {error}"

msgid "x.positional"
msgstr "cannot read {file}"

msgid "x.untranslated"
msgstr "a message nobody translated"

msgid "x.fuzzy"
msgstr "a message a machine guessed"

#. Two English forms, one Vietnamese.
msgid "x.rooms"
msgid_plural "x.rooms"
msgstr[0] "{n} room"
msgstr[1] "{n} rooms"

msgid "x.days"
msgid_plural "x.days"
msgstr[0] "{n} day"
msgstr[1] "{n} days"

msgid "x.one_form"
msgid_plural "x.one_form"
msgstr[0] "{n} cameras"
"""
FIXTURE_VI = r"""msgid ""
msgstr ""
"Language: vi\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

msgid "x.ok"
msgstr "đã thấy tệp {file}"

msgid "x.missing_field"
msgstr "không tìm thấy tệp"

msgid "x.broken"
msgstr "không đọc được {file: {error}"

msgid "x.positional"
msgstr "không đọc được {}"

msgid "x.untranslated"
msgstr ""

#, fuzzy
msgid "x.fuzzy"
msgstr "một tin nhắn máy đoán"

msgid "x.rooms"
msgid_plural "x.rooms"
msgstr[0] "{n} phòng"

msgid "x.days"
msgstr "{n} ngày"

msgid "x.one_form"
msgid_plural "x.one_form"
msgstr[0] "{n} camera"
"""


def test_a_po_with_a_missing_or_broken_placeholder_fails():
    found = problems(read_po(FIXTURE_VI)[1], read_po(FIXTURE_EN)[1])
    flagged = {line.split(":")[0].split(" ")[0] for line in found}
    assert flagged == {
        "x.missing_field",
        "x.broken",
        "x.positional",
        "x.untranslated",
        "x.fuzzy",
        "x.days",
        "x.one_form",
    }
    assert "x.untranslated: only in en" in found
    assert "x.fuzzy: only in en" in found
    assert "x.one_form: 1 plural forms in en, not 2" in found
    assert any(line.startswith("x.missing_field: placeholders differ") for line in found)
    assert any(line.startswith("x.broken (vi, form 0): broken placeholder") for line in found)
    assert any(line.startswith("x.positional (vi, form 0): broken placeholder") for line in found)
    assert "x.days: plural forms in one language only" in found


# ---- the runtime catalogue


def test_every_domain_is_loaded_central_included():
    assert domains()[0] == (DOMAIN, REPO / "agent" / "locale")
    assert ("hnth-central", REPO / "central" / "locale") in domains()
    assert central.__name__ == "central"
    assert t("board.web.title", "en") != "board.web.title"


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


def test_the_english_report_says_1_room_and_2_rooms():
    header = {"month": "2026-10", "tz": "Asia/Ho_Chi_Minh"}
    assert tn("board.report.header", 1, "en", **header).endswith(" — 1 room")
    assert tn("board.report.header", 2, "en", **header).endswith(" — 2 rooms")
    assert tn("board.report.header", 1, "vi", **header).endswith(" — 1 điểm cầu")
    assert tn("board.report.header", 2, "vi", **header).endswith(" — 2 điểm cầu")


# Page messages that count with {n} but read the same for 1 and many ("5 min ago", "+1 more").
_INVARIANT = {"board.web.rel.min", "board.web.rel.hour", "board.web.more"}


def test_every_page_message_that_counts_things_has_plural_forms():
    counting = {
        key
        for key, (_, en) in catalog().items()
        if key.startswith("board.web.") and "{n}" in en and "{n}/" not in en
    }
    assert counting >= _INVARIANT
    assert sorted(k for k in counting - _INVARIANT if not is_plural(k)) == []


def test_the_page_gets_plural_forms_by_cldr_category():
    assert forms("board.web.participants", "en") == {
        "one": "{n} participating room",
        "other": "{n} participating rooms",
    }
    assert forms("board.web.rel.day", "vi") == {"one": "{n} ngày trước", "other": "{n} ngày trước"}
    assert forms("board.web.ingest.pending", "en")["one"] == "{n} write waiting for the database"


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


# ---- msgfmt: the compiler the docs name (and Poedit runs); the .mo files are its output


def msgfmt(po: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """Compile `po` to `out` as docs/translations.md says: `msgfmt --check`."""
    need_program("msgfmt")
    argv = ["msgfmt", "--check", "-o", str(out), str(po)]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize(("domain", "localedir", "lang"), PO, ids=IDS)
def test_msgfmt_accepts_each_po_and_makes_the_shipped_mo_byte_for_byte(
    domain, localedir, lang, tmp_path
):
    po, mo = po_file(localedir, lang, domain), po_file(localedir, lang, domain, "mo")
    proc = msgfmt(po, tmp_path / "out.mo")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.mo").read_bytes() == mo.read_bytes(), (
        f"run: msgfmt --check -o {mo.relative_to(REPO)} {po.relative_to(REPO)}"
    )


def test_msgfmt_refuses_a_plural_with_the_wrong_number_of_forms(tmp_path):
    po = tmp_path / "en.po"
    po.write_text(FIXTURE_EN, encoding="utf-8")
    proc = msgfmt(po, tmp_path / "en.mo")
    assert proc.returncode != 0
    assert "plural" in proc.stderr


def test_register_domain_adds_a_domain_once(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "_domains", list(domains()))
    monkeypatch.setattr(i18n, "_loaded", {})
    assert t("x.ok", "en", file="a") == "x.ok(file=a)"
    for lang, text in (("vi", FIXTURE_VI), ("en", FIXTURE_EN.partition('msgid "x.one_form"')[0])):
        po = po_file(tmp_path, lang, "fixture")
        po.parent.mkdir(parents=True)
        po.write_text(text, encoding="utf-8")
        assert msgfmt(po, po_file(tmp_path, lang, "fixture", "mo")).returncode == 0
    i18n.register_domain("fixture", tmp_path)
    i18n.register_domain("fixture", tmp_path)
    assert [d for d, _ in domains()].count("fixture") == 1
    assert t("x.ok", "en", file="a") == "file a found"
    assert t("x.ok", "vi", file="a") == "đã thấy tệp a"
    assert (tn("x.rooms", 1, "en"), tn("x.rooms", 2, "en")) == ("1 room", "2 rooms")
    assert t("x.untranslated", "vi") == "x.untranslated"  # left out of the vi .mo: the key
