"""The month as an Excel workbook (openpyxl): a summary with totals and tiers, then one sheet each
for rooms, meetings, outages and exclusions. Numbers are numbers with number formats (hours,
minutes, percentages, local times); headers in the report's language; every table filterable.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from agent.i18n import t
from central.report.export import rules_text, safe_cell
from central.report.fmt import local
from central.report.month import MonthReport

PCT = "0.00%"
HOURS = "#,##0.00"
MINUTES = "#,##0.0"
WHEN = "yyyy-mm-dd hh:mm"
INT = "0"


def to_xlsx(r: MonthReport, lang: str, *, digest: str = "") -> bytes:
    """The workbook's bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    tz = ZoneInfo(r.rules.timezone)

    def when(ts: datetime | None) -> datetime | None:
        # Excel has no time zones: local wall time of the province, as the headers say.
        return ts.astimezone(tz).replace(tzinfo=None) if ts else None

    def frac(p: float | None) -> float | None:
        return None if p is None else p / 100

    def h(key: str, **kw: Any) -> str:
        return t(f"monthly.col.{key}", lang, **kw)

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE7F3")

    wb = Workbook()
    ws = wb.active
    ws.title = t("monthly.sheet.summary", lang)
    mm, yyyy = r.month[5:], r.month[:4]
    ws.append([t("monthly.doc.title", lang, mm=mm, yyyy=yyyy)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(
        [
            t(
                "monthly.doc.period",
                lang,
                start=local(r.start, r.rules.timezone),
                end=local(r.end, r.rules.timezone),
                tz=r.rules.timezone,
            )
        ]
    )
    if digest:
        ws.append([t("monthly.doc.digest", lang, digest=digest)])
    if not r.has_data:
        ws.append([t("monthly.doc.no_data", lang)])
        ws.cell(ws.max_row, 1).font = Font(bold=True, color="C00000")
    ws.append([])
    ws.append([t("monthly.doc.rules", lang)])
    ws.cell(ws.max_row, 1).font = bold
    for line in rules_text(r, lang):
        ws.append([line])
    ws.append([])
    tot = r.totals
    ws.append([h("item"), h("value")])
    for c in ws[ws.max_row]:
        c.font, c.fill = bold, head_fill
    rows: list[tuple[str, Any, str]] = [
        (t("monthly.sum.rooms", lang), tot.rooms, INT),
        (t("monthly.sum.rooms_with_data", lang), tot.rooms_with_data, INT),
        (
            t("monthly.sum.below", lang, target=f"{r.rules.target_pct:g}"),
            tot.rooms_below_target,
            INT,
        ),
        (t("monthly.sum.service_h", lang), tot.service_s / 3600, HOURS),
        (t("monthly.sum.excluded_h", lang), tot.excluded_s / 3600, HOURS),
        (t("monthly.sum.downtime_h", lang), tot.downtime_s / 3600, HOURS),
        (
            t("monthly.sum.no_data_h", lang),
            sum((b - a).total_seconds() for a, b in r.no_data) / 3600,
            HOURS,
        ),
        (t("monthly.sum.availability", lang), frac(tot.availability_pct), PCT),
        (t("monthly.sum.penalty", lang), frac(tot.penalty_pct), PCT),
        (t("monthly.sum.outages", lang), tot.outages, INT),
        (t("monthly.sum.short", lang), tot.short_drops, INT),
        (t("monthly.sum.meetings", lang), tot.meetings, INT),
        (t("monthly.sum.attendances", lang), tot.attendances, INT),
        (t("monthly.sum.attendances_ok", lang), tot.attendances_ok, INT),
        (t("monthly.sum.success", lang), frac(tot.meeting_success_pct), PCT),
        (t("monthly.sum.all_ok", lang), tot.meetings_all_ok, INT),
    ]
    for label, value, fmt in rows:
        ws.append([label, value if value is not None else "—"])
        ws.cell(ws.max_row, 2).number_format = fmt
    ws.append([])
    ws.append([t("monthly.sheet.tiers", lang), h("penalty")])
    for c in ws[ws.max_row]:
        c.font, c.fill = bold, head_fill
    from central.report.rules import tier_label

    for threshold, penalty in r.rules.tiers:
        ws.append([tier_label(r.rules, threshold), min(penalty, r.rules.cap_pct) / 100])
        ws.cell(ws.max_row, 2).number_format = PCT
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 16

    def sheet(title_key: str, heads: list[str], body: list[list[Any]], fmts: list[str]) -> None:
        s = wb.create_sheet(t(title_key, lang))
        s.append(heads)
        for c in s[1]:
            c.font, c.fill = bold, head_fill
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for row in body:
            s.append([safe_cell(v) for v in row])
        for col, fmt in enumerate(fmts, start=1):
            if fmt:
                for (cell,) in s.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.number_format = fmt
            s.column_dimensions[get_column_letter(col)].width = 18
        s.column_dimensions["B"].width = 28
        s.freeze_panes = "A2"
        s.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{max(s.max_row, 1)}"

    sheet(
        "monthly.sheet.rooms",
        [
            h("room"),
            h("name"),
            h("province"),
            h("groups"),
            h("installed"),
            h("observed_h"),
            h("no_data_h"),
            h("service_h"),
            h("excluded_h"),
            h("downtime_min"),
            h("availability"),
            h("tier"),
            h("penalty"),
            h("outages"),
            h("short"),
            h("longest_min"),
            h("meetings_ok"),
            h("meetings_n"),
            h("online"),
        ],
        [
            [
                x.room,
                x.name,
                x.province,
                x.groups,
                when(x.installed),
                x.observed_s / 3600,
                x.no_data_s / 3600,
                x.service_s / 3600,
                x.excluded_s / 3600,
                x.downtime_s / 60,
                frac(x.availability_pct),
                x.tier,
                frac(x.penalty_pct),
                x.outages,
                x.short_drops,
                x.longest_outage_s / 60,
                x.meetings_ok,
                x.meetings - x.meetings_no_data,
                frac(x.legacy.get("online_pct")),
            ]
            for x in r.rooms
        ],
        [
            "",
            "",
            "",
            "",
            WHEN,
            HOURS,
            HOURS,
            HOURS,
            HOURS,
            MINUTES,
            PCT,
            "",
            PCT,
            INT,
            INT,
            MINUTES,
            INT,
            INT,
            PCT,
        ],
    )
    sheet(
        "monthly.sheet.meetings",
        [
            h("meeting"),
            h("title"),
            h("start"),
            h("end"),
            h("room"),
            h("name"),
            h("check"),
            h("verdict"),
            h("ready_at_check"),
            h("online_throughout"),
            h("status"),
        ],
        [
            [
                a.meeting,
                a.title,
                when(a.start),
                when(a.end),
                a.room,
                a.name,
                when(a.check_ts),
                a.check_verdict,
                t("monthly.yes" if a.ready_at_check else "monthly.no", lang),
                t("monthly.yes" if a.online_throughout else "monthly.no", lang),
                t(f"monthly.status.{a.status}", lang),
            ]
            for a in r.attendance
        ],
        ["", "", WHEN, WHEN, "", "", WHEN, "", "", "", ""],
    )
    sheet(
        "monthly.sheet.outages",
        [
            h("room"),
            h("name"),
            h("start"),
            h("end"),
            h("duration_min"),
            h("counted"),
            h("downtime_min"),
            h("excluded_h"),
            h("exclusions"),
        ],
        [
            [
                o.room,
                o.name,
                when(o.start),
                when(o.end),
                (o.end - o.start).total_seconds() / 60,
                t("monthly.yes" if o.counted else "monthly.no", lang),
                o.downtime_s / 60,
                o.excluded_s / 3600,
                ", ".join(o.exclusions),
            ]
            for o in r.outages
        ],
        ["", "", WHEN, WHEN, MINUTES, "", MINUTES, HOURS, ""],
    )
    sheet(
        "monthly.sheet.exclusions",
        [
            h("id"),
            h("kind"),
            h("category"),
            h("rooms"),
            h("start"),
            h("end"),
            h("reason"),
            h("user"),
            h("created"),
            h("status"),
            h("excluded_h"),
            h("withdrawn"),
        ],
        [
            [
                u.exclusion.id,
                t(f"monthly.kind.{u.exclusion.kind}", lang),
                t(f"monthly.cat.{u.exclusion.category}", lang),
                ", ".join(u.exclusion.rooms),
                when(u.exclusion.start),
                when(u.exclusion.end),
                u.exclusion.reason,
                u.exclusion.user,
                when(u.exclusion.created),
                t(f"monthly.status.{u.status}", lang)
                + "".join(f" ({t(f'monthly.flag.{f}', lang)})" for f in u.exclusion.flags),
                u.excluded_s / 3600,
                (
                    f"{local(u.exclusion.withdrawn, r.rules.timezone)} {u.exclusion.withdrawn_by}: "
                    f"{u.exclusion.withdraw_reason}"
                    if u.exclusion.withdrawn
                    else ""
                ),
            ]
            for u in r.exclusions
        ],
        ["", "", "", "", WHEN, WHEN, "", "", WHEN, "", HOURS, ""],
    )
    sheet(
        "monthly.sheet.daily",
        [h("date"), h("availability"), t("monthly.sum.success", lang)],
        [
            [datetime.fromisoformat(d), frac(p), frac(q)]
            for (d, p), (_, q) in zip(r.daily, r.daily_meetings, strict=False)
        ],
        ["yyyy-mm-dd", PCT, PCT],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
