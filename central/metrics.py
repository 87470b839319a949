"""What a load balancer and Prometheus ask the board: its health, and its counters as text.

Pure: `health_check` and `prometheus` read a Fleet and a few numbers the web app passes in, and
return data or text (Prometheus text exposition format 0.0.4). The routes are in central.web.api.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from central.state import Fleet

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"


def health_check(fleet: Fleet, store_error: str | None) -> tuple[bool, list[str]]:
    """(healthy, reasons): ingesting (the broker link is up) and the store answering and writing."""
    reasons: list[str] = []
    if not fleet.stats.broker_connected:
        reasons.append("broker: not connected" + _why(fleet.stats.broker_error))
    if store_error is not None:
        reasons.append("database: not answering" + _why(store_error))
    elif not fleet.db_ok:
        reasons.append("database: history writes failing" + _why(fleet.db_error))
    return not reasons, reasons


DEGRADED: Final = ("db", "pending", "dropped", "rejected")  # central.web.degraded's reason codes


def prometheus(
    fleet: Fleet, *, live_clients: int, degraded: Iterable[str] = (), peers: int | None = None
) -> str:
    """The board's metrics in Prometheus text format.

    `degraded`: why the page's pill is up; `peers`: the other boards of its share_ingest group
    seen ingesting (None without a group).
    """
    s = fleet.stats
    counts = fleet.state_counts()
    why = set(degraded)
    out: list[str] = []
    for name, value, help_text in (
        ("received", s.received, "MQTT messages received"),
        ("ingested", s.ingested, "messages applied to the fleet"),
        ("duplicates", s.duplicates, "messages already seen (retained redelivery, outbox replay)"),
        ("rejected", s.rejected, "messages refused (malformed, oversized, off-contract)"),
        ("late_wills", s.late_wills, "offline Wills of an older session, ignored"),
        ("stored", s.stored, "messages of this board's share stored (boards sharing the ingest)"),
    ):
        out += _metric(f"hnth_board_messages_{name}_total", "counter", help_text, [("", value)])
    if peers is not None:
        out += _metric(
            "hnth_board_peers",
            "gauge",
            "other boards of this board's share_ingest group seen ingesting",
            [("", peers)],
        )
    out += _metric(
        "hnth_board_ingest_degraded",
        "gauge",
        "1 while ingest is degraded for this reason (the page's pill shows it)",
        [(f'reason="{code}"', code in why) for code in DEGRADED],
    )
    singles: list[tuple[str, str, str, float]] = [
        ("ingest_queue", "gauge", "received messages waiting for ingest", fleet.intake.depth()),
        (
            "ingest_lag_seconds",
            "gauge",
            "how long the oldest waiting message has waited",
            round(fleet.intake.lag_s(), 3),
        ),
        (
            "ingest_dropped_total",
            "counter",
            "received messages dropped because the ingest queue was full",
            fleet.intake.dropped,
        ),
        (
            "reconciles_total",
            "counter",
            "passes over the broker's retained state after a start, gap or burst",
            fleet.reconciles,
        ),
        (
            "db_errors_total",
            "counter",
            "history flushes the database refused (down, locked, full)",
            s.db_errors,
        ),
        ("db_pending", "gauge", "history writes waiting in memory for the database", s.db_pending),
        ("db_up", "gauge", "1 when the last history write succeeded", fleet.db_ok),
        (
            "broker_connected",
            "gauge",
            "1 while the board's MQTT link is up (it is ingesting)",
            s.broker_connected,
        ),
    ]
    for name, kind, help_text, sample in singles:
        out += _metric(f"hnth_board_{name}", kind, help_text, [("", sample)])
    out += _metric(
        "hnth_board_rooms",
        "gauge",
        "rooms by the colour they show",
        [(f'state="{k}"', v) for k, v in sorted(counts.items())],
    )
    out += _metric(
        "hnth_board_live_clients",
        "gauge",
        "browsers receiving live updates",
        [("", live_clients)],
    )
    lat = fleet.db_writes
    out += [
        "# HELP hnth_board_db_write_seconds time to write one batch of history",
        "# TYPE hnth_board_db_write_seconds histogram",
    ]
    cumulative = 0
    for edge, n in zip((*lat.BUCKETS, None), lat.counts, strict=True):
        cumulative += n
        le = "+Inf" if edge is None else repr(edge)
        out.append(f'hnth_board_db_write_seconds_bucket{{le="{le}"}} {cumulative}')
    out.append(f"hnth_board_db_write_seconds_sum {lat.total_s!r}")
    out.append(f"hnth_board_db_write_seconds_count {lat.n}")
    return "\n".join(out) + "\n"


def _metric(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[str, float | bool]]
) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, v in samples:
        value = v if isinstance(v, float) else int(v)  # counts and flags as integers
        lines.append(f"{name}{{{labels}}} {value}" if labels else f"{name} {value}")
    return lines


def _why(text: str) -> str:
    return f" ({text[:200]})" if text else ""
