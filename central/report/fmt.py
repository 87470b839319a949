"""How figures read: durations in words ("19 giây", "4 giờ 30 phút"), percentages, local times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from agent.i18n import t


def duration(s: float, lang: str) -> str:
    """A duration a person reads: seconds under a minute, then minutes, then hours and minutes."""
    total = round(s)
    if total < 60:
        return t("monthly.unit.s", lang, v=total)
    if total < 600 and total % 60:
        return t("monthly.unit.min_s", lang, m=total // 60, s=total % 60)
    minutes = round(s / 60)
    if minutes < 60:
        return t("monthly.unit.min", lang, v=minutes)
    return t("monthly.unit.h_min", lang, h=minutes // 60, m=f"{minutes % 60:02d}")


def pct(value: float | None, lang: str = "en") -> str:
    """A percentage with two decimals ("—" when there is nothing to divide by)."""
    if value is None:
        return "—"
    text = f"{value:.2f} %"
    return text.replace(".", ",") if lang == "vi" else text


def local(ts: datetime | None, tz: str) -> str:
    """A time in the province's zone, to the minute ("" for none)."""
    return "" if ts is None else ts.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def yes_no(value: bool, lang: str) -> str:
    """Có/không, yes/no."""
    return t("monthly.yes" if value else "monthly.no", lang)
