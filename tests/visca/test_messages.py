"""Every PTZ message exists in Vietnamese and English with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.i18n import catalog, placeholders
from agent.visca import ERRORS

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = {k: v for k, v in catalog().items() if k.startswith("ptz.")}
SOURCES = [
    *sorted((ROOT / "agent" / "visca").rglob("*.py")),
    ROOT / "agent" / "cli" / "ptz.py",
    ROOT / "agent" / "cli" / "sim.py",
    ROOT / "agent" / "checks" / "ptz.py",
]
DYNAMIC = {
    *(
        f"ptz.cli.help.{n}"
        for n in (
            "info",
            "power",
            "move",
            "stop",
            "zoom",
            "zoom-to",
            "focus",
            "home",
            "goto",
            "preset",
            "position",
            "discover",
        )
    ),
    *(f"ptz.superseded.{r}" for r in ("stop", "socket_reused")),
    *(f"ptz.cli.preset_{a}" for a in ("recall", "set", "clear")),
    *(f"ptz.cli.cap.power_{p}" for p in ("on", "standby", "none")),
    *(cls.key for cls in ERRORS.values()),
    *(cls.key + "_hint" for cls in ERRORS.values()),
}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        keys |= set(
            re.findall(r"""["'](ptz\.[a-z_.]+[a-z_])["']""", path.read_text(encoding="utf-8"))
        )
    return keys | DYNAMIC


def test_every_key_used_exists():
    missing = sorted(k for k in used_keys() if k not in catalog())
    assert not missing


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_both_languages_with_the_same_placeholders(key):
    vi, en = MESSAGES[key]
    assert vi.strip()
    assert en.strip()
    assert placeholders(vi) == placeholders(en)


def test_vietnamese_has_its_diacritics():
    vi = " ".join(v for v, _ in MESSAGES.values())
    for word in ("không", "trả lời", "kiểm tra", "nguồn điện", "cổng", "đang"):
        assert word in vi


def test_os_errors_are_worded_by_the_catalogue_not_in_english(closed_port):
    from agent.errors import DeviceUnavailableError
    from agent.visca import Camera
    from agent.visca.text import localize

    cam = Camera(f"tcp://127.0.0.1:{closed_port}")
    with pytest.raises(DeviceUnavailableError) as err:
        cam.home()
    cam.close()
    vi = localize(err.value.message, "vi")
    assert vi is not None
    assert "từ chối" in vi
    assert "Errno" not in vi
    assert "refused" not in vi
    assert "connection refused" in (localize(err.value.message, "en") or "")
