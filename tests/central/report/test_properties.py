"""Any history gives figures that add up: availability within 0–100 %, downtime within service."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from central.config import BoardConfig, ReportConfig
from central.model import RoomPath
from central.report.month import generate
from central.store import SqliteStore
from tests.central.report.conftest import NOW, vn

START = vn(2026, 9, 25)


@settings(max_examples=40, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=1, max_value=3 * 24 * 60), min_size=1, max_size=12),
    office=st.booleans(),
    min_outage=st.sampled_from([0.0, 5.0, 60.0]),
)
def test_figures_add_up(gaps, office, min_outage):
    store = SqliteStore(":memory:")
    with store.transaction() as db:
        db.add_room(RoomPath("son-la", "xa-p"), "P", START)
        ts, state = START, "online"
        for i, minutes in enumerate(gaps):
            db.add_status("son-la/xa-p", f"b{i // 2}", state, ts)
            ts += timedelta(minutes=minutes)
            state = "offline" if state == "online" else "online"
    cfg = ReportConfig(service_hours="office" if office else "24x7", min_outage_min=min_outage)
    r = generate(store, BoardConfig(), cfg, "2026-10", now=NOW)
    [room] = r.rooms
    assert 0 <= room.excluded_s <= room.service_s
    assert 0 <= room.downtime_s <= room.service_s - room.excluded_s + 1e-6
    if room.availability_pct is not None:
        assert 0 <= room.availability_pct <= 100
        assert room.penalty_pct in (0.0, 10.0, 25.0)
    counted = sum((o.end - o.start).total_seconds() for o in r.outages if o.counted)
    assert room.downtime_s <= counted + 1e-6
    assert all(o.length_s >= (o.end - o.start).total_seconds() - 1e-6 for o in r.outages)
    store.close()
