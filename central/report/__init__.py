"""The monthly report a province can pay on: the lease contract's rules, audited exclusions,
per-meeting readiness, and its files (table, CSV, JSON, XLSX, PDF), closed once and verifiable.

- `rules`: `Rules` from the [report] section (service hours, minimum outage, tiers);
- `exclusions`, `db`: maintenance windows and tagged outages (`Exclusion`, `ReportDb`);
- `month`: `build()` → `MonthReport`, assembling the month room by room;
- `model`: what the month holds (`MonthReport`, `RoomMonth`, `Attendance`, `Outage`, `Totals`);
- `intervals`: interval arithmetic (intersections, offline gaps, local days);
- `readiness`: per-meeting readiness (ready at the last check, online throughout);
- `export`: table, CSV (Excel-safe), JSON, and the deterministic export of a month's history;
- `xlsx`, `pdf`: the files a finance office takes; `close`: closing, amending, verifying.
"""

from __future__ import annotations

__all__ = [
    "close",
    "db",
    "exclusions",
    "export",
    "fmt",
    "intervals",
    "model",
    "month",
    "pdf",
    "readiness",
    "rules",
    "xlsx",
]
