"""A month closes once: its files, the SHA-256 of each and of its input, and dated amendments.

`close` writes into `<dir>/YYYY-MM/`: the input (a deterministic JSON export of the stored rows the
report read, with the rules), the XLSX, the PDF (which prints the input digest) and the JSON, then
`manifest.json` with the SHA-256 of each; the closing is recorded in the store, so a second close
is refused, saying when and by whom. `amend` appends `amendment-NN/` with the same files computed
from today's history and a reason; it never touches what was closed. `verify` re-hashes the files a
manifest names and names each one that changed or is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.contract.clock import iso, parse_time
from agent.errors import UsageError
from agent.i18n import t
from central.availability import month_bounds, no_data_intervals
from central.report.db import Closing, ReportDb
from central.report.export import sha256, to_csv, to_json
from central.report.month import MonthReport, generate
from central.report.rules import Interval, Rules
from central.retention import essential

if TYPE_CHECKING:
    from central.config import BoardConfig, ReportConfig
    from central.store import StatusRow, Store

MANIFEST = "manifest.json"
_MARGIN = timedelta(days=7)  # as central.report.month reads around the month


@dataclass(frozen=True, slots=True)
class Closed:
    """What a close or an amendment wrote."""

    dir: Path
    digest: str  # SHA-256 of the input export
    seq: int
    manifest: dict[str, Any]


def close(
    store: Store,
    board: BoardConfig,
    cfg: ReportConfig,
    month: str,
    out_dir: Path,
    *,
    user: str,
    now: datetime,
    lang: str,
) -> Closed:
    """Close `month` (past months only, once)."""
    db = ReportDb(store)
    _, end = month_bounds(month, board.timezone)
    if end > now:
        raise UsageError(t("monthly.close.running", month=month))
    done = db.closings(month)
    if done:
        first = done[0]
        raise UsageError(t("monthly.close.twice", month=month, ts=iso(first.ts), user=first.user))
    until = min(end + _MARGIN, now)
    target = out_dir / month
    if (target / MANIFEST).exists():
        raise UsageError(t("monthly.close.twice", month=month, ts="?", user="?"))
    result = _write(
        store,
        board,
        cfg,
        month,
        target,
        until=until,
        now=now,
        lang=lang,
        extra={
            "kind": "close",
            "closed_at": iso(now),
            "closed_by": user,
        },
    )
    if not db.add_closing(
        Closing(month, 0, "close", now, user, "", result.digest, result.manifest)
    ):
        raise UsageError(t("monthly.close.twice", month=month, ts="?", user="?"))
    return result


def amend(
    store: Store,
    board: BoardConfig,
    cfg: ReportConfig,
    month: str,
    out_dir: Path,
    *,
    user: str,
    now: datetime,
    lang: str,
    reason: str,
) -> Closed:
    """Append a dated amendment to a closed month, computed from today's history."""
    db = ReportDb(store)
    done = db.closings(month)
    if not done:
        raise UsageError(t("monthly.close.not_closed", month=month))
    seq = done[-1].seq + 1
    _, end = month_bounds(month, board.timezone)
    target = out_dir / month / f"amendment-{seq:02d}"
    result = _write(
        store,
        board,
        cfg,
        month,
        target,
        until=min(end + _MARGIN, now),
        now=now,
        lang=lang,
        extra={
            "kind": "amendment",
            "seq": seq,
            "amended_at": iso(now),
            "amended_by": user,
            "reason": reason,
            "amends": done[0].digest,
        },
        amendment=(seq, now, reason),
    )
    db.add_closing(
        Closing(month, seq, "amendment", now, user, reason, result.digest, result.manifest)
    )
    return Closed(result.dir, result.digest, seq, result.manifest)


def verify(manifest: Path, store: Store | None) -> tuple[list[tuple[str, str]], list[str], int]:
    """Re-hash the files of a manifest (and of its month's amendments).

    Returns (problems: (file, why), notes, files checked). With a store, also says (as a note)
    when the stored history of the month no longer matches the closed input.
    """
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [(str(manifest), t("monthly.verify.no_manifest", path=manifest, error=exc))], [], 0
    problems: list[tuple[str, str]] = []
    manifests = [(manifest, data)]
    for extra in sorted(manifest.parent.glob(f"amendment-*/{MANIFEST}")):
        try:
            manifests.append((extra, json.loads(extra.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            problems.append((str(extra), str(exc)))
    n = 0
    for path, m in manifests:
        for name, digest in sorted(m.get("files", {}).items()):
            file = path.parent / name
            n += 1
            try:
                got = sha256(file.read_bytes())
            except OSError:
                problems.append((str(file), t("monthly.verify.missing")))
                continue
            if got != digest:
                problems.append((str(file), t("monthly.verify.changed")))
    notes: list[str] = []
    if store is not None and not problems:
        latest = manifests[-1][1]  # the last amendment, else the closing
        until = parse_time(latest["history_until"])
        start, end = parse_time(latest["from"]), parse_time(latest["to"])
        now = input_export(store, start, end, until, latest.get("rules", {}))
        if sha256(now) != latest.get("digest"):
            notes.append(t("monthly.verify.history"))
    return problems, notes, n


def input_export(
    store: Store, start: datetime, end: datetime, until: datetime, rules: dict[str, Any]
) -> bytes:
    """The closed input: the rules and every stored row the month's report read, in order."""
    rooms = store.rooms()
    lo = start - _MARGIN
    blind = no_data_intervals(store.coverage(lo, until), store.first_coverage(), lo, until)
    data: dict[str, Any] = {
        "from": iso(start),
        "to": iso(end),
        "history_until": iso(until),
        "rules": rules,
        "rooms": [
            {"room": r.path.key, "name": r.name, "groups": [g.id for g in r.groups]} for r in rooms
        ],
        "merges": sorted([k, v] for k, v in store.merges().items()),
        "status": sorted(
            [s.room, s.boot_id, s.state, iso(s.ts)]
            for r in rooms
            for s in _at_and_after(store.statuses(r.path.key, until), lo)
        ),
        # Only the reports the report reads (what retention keeps): a month closed before its
        # readiness was folded still verifies after.
        "readiness": sorted(
            [x.room, iso(x.ts), x.verdict, x.trigger, x.meeting_id or ""]
            for r in rooms
            for x in essential(store.readiness_rows(r.path.key, until))
        ),
        "meetings": [
            [m.province, m.id, m.title, iso(m.start), iso(m.end), list(m.rooms), list(m.groups)]
            for m in store.meetings(include_cancelled=False)
            if m.start < until and m.end > lo
        ],
        "no_data": [[iso(a), iso(b)] for a, b in blind],
        "exclusions": [e.as_dict() for e in ReportDb(store).exclusions(start, end)],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0).encode("utf-8")


def closed_windows(db: ReportDb, tz: str) -> list[Interval]:
    """The [start, end) of every closed month (exclusions touching them are refused)."""
    return [month_bounds(m, tz) for m in db.closed_months()]


def _write(
    store: Store,
    board: BoardConfig,
    cfg: ReportConfig,
    month: str,
    target: Path,
    *,
    until: datetime,
    now: datetime,
    lang: str,
    extra: dict[str, Any],
    amendment: tuple[int, datetime, str] | None = None,
) -> Closed:
    from central.report.pdf import to_pdf
    from central.report.xlsx import to_xlsx

    report: MonthReport = generate(store, board, cfg, month, now=now)
    rules = Rules.from_config(cfg, board.timezone).as_dict()
    inputs = input_export(store, report.start, report.end, until, rules)
    digest = sha256(inputs)
    base = f"bao-cao-{month}"
    files = {
        "input.json": inputs,
        f"{base}.xlsx": to_xlsx(report, lang, digest=digest),
        f"{base}.pdf": to_pdf(report, lang, cfg, digest=digest, amendment=amendment),
        f"{base}.json": to_json(report).encode("utf-8"),
        f"{base}.csv": to_csv(report, lang),
    }
    target.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (target / name).write_bytes(data)
    manifest = {
        "month": month,
        "from": iso(report.start),
        "to": iso(report.end),
        "history_until": iso(until),
        "digest": digest,
        "rules": rules,
        "files": {name: sha256(data) for name, data in files.items()},
        **extra,
    }
    (target / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8"
    )
    return Closed(target, digest, int(extra.get("seq", 0)), manifest)


def _at_and_after(rows: list[StatusRow], lo: datetime) -> list[StatusRow]:
    """The state at `lo` (its last status before) and every change after: what retention keeps."""
    before = [s for s in rows if s.ts < lo]
    return [*before[-1:], *(s for s in rows if s.ts >= lo)]
