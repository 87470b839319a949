"""The report's files for the board's page: GET /api/report?month=…&format=csv|xlsx|pdf."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from central.config import BoardConfig, ReportConfig
    from central.store import Store

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def download(  # noqa: PLR0917 - run_in_threadpool passes them by position
    store: Store,
    board: BoardConfig,
    cfg: ReportConfig | None,
    month: str,
    fmt: str,
    lang: str,
    now: datetime,
) -> tuple[bytes, str, str]:
    """(body, media type, file name) of the month in `fmt` (a bad month: UsageError)."""
    from central.config import ReportConfig
    from central.report.export import to_csv
    from central.report.month import generate

    cfg = cfg or ReportConfig()
    report = generate(store, board, cfg, month, now=now)
    if fmt == "xlsx":
        from central.report.xlsx import to_xlsx

        body = to_xlsx(report, lang)
    elif fmt == "pdf":
        from central.report.pdf import to_pdf

        body = to_pdf(report, lang, cfg)
    else:
        body = to_csv(report, lang)
    return body, MEDIA[fmt], f"bao-cao-{month}.{fmt}"
