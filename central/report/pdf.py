"""The month as a PDF in the Vietnamese administrative form (ReportLab, DejaVu fonts embedded).

Quốc hiệu and tiêu ngữ beside the issuing body, the date line, the title, the rules applied, a
summary table, a chart of daily availability and one of meeting readiness, the rooms below target
with their outages, the exclusions, the input digest and a signature block. ReportLab is pure
Python; DejaVu Serif (Debian's fonts-dejavu-core) covers every Vietnamese letter and is embedded
as a subset, so the file reads the same on any machine.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from agent.errors import ConfigError
from agent.i18n import t
from central.report.export import rules_text
from central.report.fmt import duration, local, pct
from central.report.month import MonthReport

if TYPE_CHECKING:
    from central.config import ReportConfig

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONTS = {"HNTH-Serif": "DejaVuSerif.ttf", "HNTH-Serif-Bold": "DejaVuSerif-Bold.ttf"}


def to_pdf(
    r: MonthReport,
    lang: str,
    cfg: ReportConfig,
    *,
    digest: str = "",
    amendment: tuple[int, datetime, str] | None = None,
) -> bytes:
    """The PDF's bytes."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    _register_fonts()
    reg, bold = "HNTH-Serif", "HNTH-Serif-Bold"
    body = ParagraphStyle("body", fontName=reg, fontSize=10.5, leading=14, alignment=TA_JUSTIFY)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, alignment=0)
    center = ParagraphStyle("center", parent=body, alignment=TA_CENTER)
    center_b = ParagraphStyle("center_b", parent=center, fontName=bold)
    title = ParagraphStyle("title", parent=center_b, fontSize=12.5, leading=17)
    head = ParagraphStyle("head", parent=body, fontName=bold, spaceBefore=8, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, alignment=0)
    cell_b = ParagraphStyle("cell_b", parent=cell, fontName=bold)
    tz = r.rules.timezone
    today = r.generated.astimezone(ZoneInfo(tz))
    mm_, yyyy = r.month[5:], r.month[:4]

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(_esc(text), style)

    story: list[Any] = []
    left = [
        p(cfg.issuer_parent.upper(), center) if cfg.issuer_parent else Spacer(1, 0),
        p(cfg.issuer.upper() or "—", center_b),
        p("———", center),
    ]
    right = [
        p(t("monthly.doc.nation", lang), center_b),
        p(t("monthly.doc.motto", lang), center_b),
        p("———", center),
        p(
            t(
                "monthly.doc.date_line",
                lang,
                place=cfg.place or "……",
                d=f"{today.day:02d}",
                m=f"{today.month:02d}",
                y=today.year,
            ),
            center,
        ),
    ]
    header = Table([[left, right]], colWidths=[70 * mm, 95 * mm])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [header, Spacer(1, 8 * mm)]
    story.append(p(t("monthly.doc.title", lang, mm=mm_, yyyy=yyyy), title))
    if amendment:
        seq, when, reason = amendment
        story.append(
            p(
                t("monthly.doc.amendment", lang, seq=seq, date=local(when, tz), reason=reason),
                center,
            )
        )
    story.append(
        p(
            t("monthly.doc.period", lang, start=local(r.start, tz), end=local(r.end, tz), tz=tz),
            center,
        )
    )
    story.append(Spacer(1, 5 * mm))
    if not r.has_data:
        story.append(p(t("monthly.doc.no_data", lang), head))

    story.append(p(t("monthly.doc.rules", lang), head))
    story += [p(f"– {line}") for line in rules_text(r, lang)]

    story.append(p(t("monthly.doc.summary", lang), head))
    tot = r.totals
    nd = sum((b - a).total_seconds() for a, b in r.no_data)
    summary = [
        (t("monthly.sum.rooms", lang), str(tot.rooms)),
        (t("monthly.sum.rooms_with_data", lang), str(tot.rooms_with_data)),
        (
            t("monthly.sum.below", lang, target=f"{r.rules.target_pct:g}"),
            str(tot.rooms_below_target),
        ),
        (t("monthly.sum.service_h", lang), f"{tot.service_s / 3600:.2f}"),
        (t("monthly.sum.excluded_h", lang), f"{tot.excluded_s / 3600:.2f}"),
        (t("monthly.sum.downtime_h", lang), f"{tot.downtime_s / 3600:.2f}"),
        (t("monthly.sum.no_data_h", lang), f"{nd / 3600:.2f}"),
        (t("monthly.sum.availability", lang), pct(tot.availability_pct)),
        (t("monthly.sum.penalty", lang), pct(tot.penalty_pct)),
        (t("monthly.sum.outages", lang), str(tot.outages)),
        (t("monthly.sum.short", lang), str(tot.short_drops)),
        (t("monthly.sum.meetings", lang), str(tot.meetings)),
        (
            t("monthly.sum.success", lang),
            f"{pct(tot.meeting_success_pct)} ({tot.attendances_ok}/{tot.attendances})",
        ),
        (t("monthly.sum.all_ok", lang), str(tot.meetings_all_ok)),
    ]
    story.append(
        _table(
            [[p(t("monthly.col.item", lang), cell_b), p(t("monthly.col.value", lang), cell_b)]]
            + [[p(a, cell), p(b, cell)] for a, b in summary],
            [120 * mm, 45 * mm],
        )
    )
    rooms_head = [
        t(f"monthly.col.{k}", lang)
        for k in ("name", "service_h", "downtime", "availability", "tier", "penalty", "meetings")
    ]
    story.append(Spacer(1, 4 * mm))
    story.append(
        _table(
            [[p(x, cell_b) for x in rooms_head]]
            + [
                [
                    p(x.name or x.room, cell),
                    p(f"{x.service_s / 3600:.1f}", cell),
                    p(duration(x.downtime_s, lang), cell),
                    p(pct(x.availability_pct), cell),
                    p(x.tier, cell),
                    p(pct(x.penalty_pct), cell),
                    p(f"{x.meetings_ok}/{x.meetings - x.meetings_no_data}", cell),
                ]
                for x in r.rooms
            ],
            [45 * mm, 18 * mm, 25 * mm, 22 * mm, 20 * mm, 17 * mm, 18 * mm],
        )
    )

    story.append(
        KeepTogether(
            [
                p(t("monthly.doc.charts", lang), head),
                p(t("monthly.doc.chart.daily", lang), small),
                _chart(r.daily, colors.HexColor("#2E6DA4")),
                Spacer(1, 3 * mm),
                p(t("monthly.doc.chart.meetings", lang), small),
                _chart(r.daily_meetings, colors.HexColor("#3C8D40")),
            ]
        )
    )

    story.append(p(t("monthly.doc.below", lang), head))
    below = [x for x in r.rooms if x.below_target]
    if not below:
        story.append(p(t("monthly.doc.none_below", lang)))
    for x in below:
        story.append(
            Paragraph(
                f"<font name='{bold}'>{_esc(x.name or x.room)}</font> ({_esc(x.room)}): "
                f"{pct(x.availability_pct)}, {_esc(x.tier)}, "
                f"{_esc(t('monthly.col.penalty', lang))} {pct(x.penalty_pct)}",
                body,
            )
        )
        rows = [o for o in r.outages if o.room == x.room and o.counted]
        story.append(
            _table(
                [
                    [
                        p(t(f"monthly.col.{k}", lang), cell_b)
                        for k in ("start", "end", "duration", "downtime", "exclusions")
                    ]
                ]
                + [
                    [
                        p(local(o.start, tz), cell),
                        p(local(o.end, tz), cell),
                        p(duration((o.end - o.start).total_seconds(), lang), cell),
                        p(duration(o.downtime_s, lang), cell),
                        p(", ".join(o.exclusions), cell),
                    ]
                    for o in rows
                ],
                [32 * mm, 32 * mm, 30 * mm, 30 * mm, 41 * mm],
            )
        )
        story.append(Spacer(1, 3 * mm))

    story.append(p(t("monthly.doc.exclusions", lang), head))
    if not r.exclusions:
        story.append(p(t("monthly.doc.none", lang)))
    else:
        story.append(
            _table(
                [
                    [
                        p(t(f"monthly.col.{k}", lang), cell_b)
                        for k in ("id", "category", "rooms", "duration", "reason", "status")
                    ]
                ]
                + [
                    [
                        p(u.exclusion.id, cell),
                        p(t(f"monthly.cat.{u.exclusion.category}", lang), cell),
                        p(", ".join(u.exclusion.rooms), cell),
                        p(f"{local(u.exclusion.start, tz)} → {local(u.exclusion.end, tz)}", cell),
                        p(f"{u.exclusion.reason} ({u.exclusion.user})", cell),
                        p(
                            t(f"monthly.status.{u.status}", lang)
                            + "".join(
                                f" ({t(f'monthly.flag.{f}', lang)})" for f in u.exclusion.flags
                            ),
                            cell,
                        ),
                    ]
                    for u in r.exclusions
                ],
                [25 * mm, 18 * mm, 24 * mm, 33 * mm, 40 * mm, 25 * mm],
            )
        )

    closing: list[Any] = [Spacer(1, 5 * mm)]
    if digest:
        closing.append(p(t("monthly.doc.digest", lang, digest=digest), small))
    closing.append(p(t("monthly.doc.generated", lang, ts=local(r.generated, tz)), small))
    closing.append(Spacer(1, 6 * mm))
    sign_left = [
        p(t("monthly.doc.recipients", lang), cell_b),
        p(t("monthly.doc.archive", lang), cell),
    ]
    sign_right = [
        p((cfg.signer_title or "").upper() or " ", center_b),
        p(t("monthly.doc.signature", lang), center),
        Spacer(1, 20 * mm),
        p(cfg.signer_name or " ", center_b),
    ]
    sign = Table([[sign_left, sign_right]], colWidths=[80 * mm, 85 * mm])
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    closing.append(sign)
    story.append(KeepTogether(closing))  # the digest and the date stay with the signature

    footer = f"{r.month}" + (f" · SHA-256 {digest[:16]}…" if digest else "")

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(reg, 7.5)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{footer} · {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=30 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=t("monthly.doc.title", lang, mm=mm_, yyyy=yyyy),
        author=cfg.issuer,
        creator="hnth-agent",
        invariant=True,  # no creation time or random id in the file: the same month, the same bytes
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in _FONTS.items():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        path = FONT_DIR / file
        if not path.exists():
            raise ConfigError(t("monthly.no_fonts", path=path))
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: list[list[Any]], widths: list[float]) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    tbl = Table(rows, colWidths=widths, repeatRows=1)
    tbl.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE7F3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return tbl


def _chart(series: list[tuple[str, float | None]], color: Any) -> Any:
    """A bar per day (no bar where there is no data), 0–100 %."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm

    d = Drawing(165 * mm, 48 * mm)
    c = VerticalBarChart()
    c.x, c.y, c.width, c.height = 12 * mm, 8 * mm, 150 * mm, 36 * mm
    c.data = [[v if v is not None else 0 for _, v in series] or [0]]
    c.valueAxis.valueMin, c.valueAxis.valueMax, c.valueAxis.valueStep = 0, 100, 20
    c.valueAxis.labels.fontName = "HNTH-Serif"
    c.valueAxis.labels.fontSize = 6.5
    c.categoryAxis.categoryNames = [day[8:] for day, _ in series] or [""]
    c.categoryAxis.labels.fontName = "HNTH-Serif"
    c.categoryAxis.labels.fontSize = 6
    c.bars[0].fillColor = color
    c.bars[0].strokeColor = None
    c.barSpacing = 0.5
    d.add(c)
    return d
