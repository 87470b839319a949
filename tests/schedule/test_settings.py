"""The calendar settings of [schedule]: a path or a URL, and bounded refresh, timeout, size."""

from __future__ import annotations

import pytest

from agent import config as config_mod
from agent.errors import ConfigError
from agent.i18n import set_language


@pytest.mark.parametrize(
    "value",
    [
        "/etc/hnth-agent/meetings.ics",
        "meetings.ics",
        "https://calendar.google.com/x/basic.ics",
        "http://127.0.0.1:8080/cal.ics",
        "webcal://outlook.office365.com/owa/calendar/x/calendar.ics",
    ],
)
def test_a_path_or_a_url(value):
    cfg = config_mod.loads(f'[schedule]\nics_file = "{value}"\n')
    assert cfg.schedule.ics_file == value
    assert cfg.schedule.ics_refresh_min == 15.0
    assert cfg.schedule.ics_timeout_s == 20.0
    assert cfg.schedule.ics_max_kb == 5120


@pytest.mark.parametrize(
    ("toml", "needle_en", "needle_vi"),
    [
        (
            'ics_file = "ftp://example.vn/cal.ics"',
            "http://, https:// or webcal://",
            "hoặc địa chỉ http://",
        ),
        ("ics_refresh_min = 0", "ics_refresh_min", "ics_refresh_min"),
        ("ics_timeout_s = 600", "ics_timeout_s", "ics_timeout_s"),
        ("ics_max_kb = 51200", "ics_max_kb", "ics_max_kb"),
    ],
)
def test_bad_calendar_settings_name_the_key_in_both_languages(toml, needle_en, needle_vi):
    for lang, needle in (("en", needle_en), ("vi", needle_vi)):
        set_language(lang)
        try:
            with pytest.raises(ConfigError, match=needle) as info:
                config_mod.loads(f"[schedule]\n{toml}\n")
        finally:
            set_language("vi")
        assert "[schedule]" in info.value.message or "schedule" in info.value.message
