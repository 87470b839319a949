"""The month as text: a table, CSV that Excel opens correctly, JSON; and the history export.

CSV: UTF-8 with a BOM (Excel reads Vietnamese names right), every cell that Excel would take as a
formula (starting with = + - @, a tab or a carriage return) prefixed with ', durations in words
and hours with two decimals, a totals row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json

from agent.i18n import t
from central.report.fmt import duration, local, pct
from central.report.month import MonthReport

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP: CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def to_json(r: MonthReport) -> str:
    """The report as one JSON document."""
    return json.dumps(r.as_dict(), ensure_ascii=False, indent=1) + "\n"


def to_csv(r: MonthReport, lang: str) -> bytes:
    """One row per room and a totals row, for Excel: UTF-8 BOM, formulas neutralised."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    cols = (
        "room",
        "name",
        "province",
        "groups",
        "installed",
        "observed_h",
        "no_data",
        "service_h",
        "excluded",
        "downtime",
        "availability",
        "tier",
        "penalty",
        "outages",
        "short",
        "longest",
        "meetings",
        "online",
        "missed",
    )
    w.writerow([t(f"monthly.col.{c}", lang) for c in cols])
    tz = r.rules.timezone
    for x in r.rooms:
        row: list[object] = [
            x.room,
            x.name,
            x.province,
            x.groups,
            local(x.installed, tz),
            f"{x.observed_s / 3600:.2f}",
            duration(x.no_data_s, lang) if x.no_data_s else "",
            f"{x.service_s / 3600:.2f}",
            duration(x.excluded_s, lang) if x.excluded_s else "",
            duration(x.downtime_s, lang),
            pct(x.availability_pct),
            x.tier,
            pct(x.penalty_pct),
            x.outages,
            x.short_drops,
            duration(x.longest_outage_s, lang) if x.outages else "",
            f"{x.meetings_ok}/{x.meetings - x.meetings_no_data}",
            _pct(x.legacy["online_s"], x.legacy["observed_s"] - x.legacy["no_data_s"]),
            f"{x.legacy.get('checks_missed', 0)}/{x.legacy.get('checks_expected', 0)}",
        ]
        w.writerow([safe_cell(c) for c in row])
    tot = r.totals
    w.writerow(
        [
            t("monthly.total", lang),
            "",
            "",
            "",
            "",
            f"{sum(x.observed_s for x in r.rooms) / 3600:.2f}",
            duration(sum(x.no_data_s for x in r.rooms), lang),
            f"{tot.service_s / 3600:.2f}",
            duration(tot.excluded_s, lang),
            duration(tot.downtime_s, lang),
            pct(tot.availability_pct),
            "",
            pct(tot.penalty_pct),
            tot.outages,
            tot.short_drops,
            "",
            f"{tot.attendances_ok}/{tot.attendances}",
            "",
            "",
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_table(r: MonthReport, lang: str) -> str:
    """The report for a terminal: the rules, one line per room, the totals."""
    from agent.output import table

    lines = [t("board.report.header", lang, month=r.month, tz=r.rules.timezone, n=len(r.rooms))]
    lines += [f"  {line}" for line in rules_text(r, lang)]
    if not r.has_data:
        lines.append(t("monthly.doc.no_data", lang))
    head = [
        t(f"board.report.col.{k}", lang) for k in ("room", "online", "ready", "outages", "longest")
    ] + [t(f"monthly.col.{k}", lang) for k in ("availability", "tier", "penalty", "meetings")]
    head += [t("board.report.col.missed", lang), t("board.report.col.no_data", lang)]
    body = [
        [
            x.name or x.room,
            _pct(x.legacy["online_s"], x.legacy["observed_s"] - x.legacy["no_data_s"]),
            _pct(x.legacy["ready_in_meetings_s"], x.legacy["meeting_s"]),
            str(x.outages) + (f" (+{x.short_drops})" if x.short_drops else ""),
            duration(x.longest_outage_s, lang) if x.outages else "—",
            pct(x.availability_pct),
            x.tier,
            pct(x.penalty_pct),
            f"{x.meetings_ok}/{x.meetings - x.meetings_no_data}",
            f"{x.legacy.get('checks_missed', 0)}/{x.legacy.get('checks_expected', 0)}",
            duration(x.no_data_s, lang) if x.no_data_s else "—",
        ]
        for x in r.rooms
    ]
    lines.append(table([head, *body]))
    tot = r.totals
    lines.append(
        f"{t('monthly.sum.availability', lang)}: {pct(tot.availability_pct)}; "
        f"{t('monthly.sum.penalty', lang)}: {pct(tot.penalty_pct)}; "
        f"{t('monthly.sum.success', lang)}: {pct(tot.meeting_success_pct)} "
        f"({tot.attendances_ok}/{tot.attendances})"
    )
    return "\n".join(lines) + "\n"


def rules_text(r: MonthReport, lang: str) -> list[str]:
    """The rules applied, one sentence each, in `lang`."""
    ru = r.rules
    out = []
    if ru.contract:
        out.append(t("monthly.rule.contract", lang, value=ru.contract))
    if ru.service_hours == "24x7":
        out.append(t("monthly.rule.hours.24x7", lang))
    else:
        holidays = (
            t(
                "monthly.rule.holidays",
                lang,
                days=", ".join(sorted(d.isoformat() for d in ru.holidays)),
            )
            if ru.holidays
            else ""
        )
        out.append(
            t(
                "monthly.rule.hours.office",
                lang,
                slots=", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ru.office_hours),
                days=", ".join(str(d) for d in ru.working_days),
                tz=ru.timezone,
                holidays=holidays,
            )
        )
    out.append(t("monthly.rule.min_outage", lang, min=f"{ru.min_outage_s / 60:g}"))
    out.append(t(f"monthly.rule.not_ready.{'yes' if ru.not_ready_is_down else 'no'}", lang))
    out.append(t("monthly.rule.formula", lang))
    out.append(t("monthly.rule.tiers", lang, tiers=tiers_text(r, lang), cap=f"{ru.cap_pct:g}"))
    out.append(
        t(
            "monthly.rule.notice",
            lang,
            hours=f"{ru.notice_h:g}",
            late=t(f"monthly.rule.{ru.late_maintenance}", lang),
            overlap=t(f"monthly.rule.{ru.overlapping}", lang),
        )
    )
    return out


def tiers_text(r: MonthReport, lang: str) -> str:
    """ "≥ 99 %: không giảm trừ; 98–99 %: 10 %; < 98 %: 25 %"."""
    from central.report.rules import tier_label

    parts = []
    for threshold, penalty in r.rules.tiers:
        label = tier_label(r.rules, threshold)
        cost = t("monthly.tier.none", lang) if not penalty else f"{penalty:g} %"
        parts.append(f"{label}: {cost}")
    return "; ".join(parts)


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def _pct(part: float, whole: float) -> str:
    # From the seconds, not a rounded percentage, so the text is not rounded twice.
    return pct(100 * part / whole) if whole else "—"
