"""A constructed October 2026 in a real SQLite history, with its figures computed by hand.

Province son-la, Asia/Ho_Chi_Minh (UTC+7, no DST), 31 days = 744 h. Rules: 24x7, outages from
5 min, tiers ≥ 99 % none, 98–99 % 10 %, < 98 % 25 %, cap 25 %.

- No data: no board ingested on 20/10 10:00–10:40 (40 min), for every room.
- xa-a "UBND xã A": online since September. Offline 05/10 22:00 → 06/10 02:30 (4.5 h across
  midnight); a 19-second drop on 10/10 09:00 (shorter than 5 min: not counted); offline
  12/10 08:30–09:30 inside a maintenance window 08:00–10:00 declared three days before (the
  window, 2 h, is excluded); offline 31/10 23:00 → 01/11 01:00 (1 h in October). A withdrawn
  maintenance window and one flagged late count for nothing; one in November is not October's.
  service 744 h − 40 min; excluded 2 h; downtime 4.5 + 1 = 5.5 h → 99.2581 %, no penalty.
- xa-b "UBND xã B": installed 16/10 00:00 (first status), observed 16 days = 384 h. Dropped
  20/10 08:30–08:50 in meeting m1; offline 25/10 00:00–06:00. service 384 h − 40 min; downtime
  6 h 20 min → 377/383.3333 = 98.3478 %, 10 %.
- xa-c "UBND xã C" (renamed from xa-c-cu on 08/10 12:00, merge recorded): offline
  28/10 02:00 → 29/10 02:00 (24 h), of which 02:00–10:00 tagged as a power cut (8 h excluded).
  service 743.3333 h; excluded 8 h; downtime 16 h → 719.3333/735.3333 = 97.8241 %, 25 %.
- Meetings: m2 05/10 14:00–15:00 (xa-a, xa-c-cu): both ready and online → ok, ok.
  m3 14/10 09:00–10:00 (all; xa-b not installed): xa-a sent no check → not ready; xa-c ok.
  m1 20/10 08:00–10:00 (all): xa-a ok; xa-b dropped → offline; xa-c's last check not ready.
  m4 20/10 10:00–10:30 (all): inside no data → counted neither way.
  Per room ok/with data: a 2/3, b 0/1, c 2/3; month 4/7 = 57.14 %; meetings all ready: 1.
- Totals: service with exclusions out 741.3333 + 383.3333 + 735.3333 = 1860 h; downtime
  5.5 + 6.3333 + 16 = 27.8333 h → 98.5036 %; mean penalty (0 + 10 + 25) / 3 = 11.667 %.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from central.model import RoomPath
from central.report.db import ReportDb
from central.report.exclusions import Category, Flag, Kind
from central.store import CoverageRow, MeetingRow, SqliteStore

VN = ZoneInfo("Asia/Ho_Chi_Minh")
H = 3600.0


def vn(*a: int) -> datetime:
    return datetime(*a, tzinfo=VN)


EXPECTED = {
    "son-la/xa-a": {
        "service_s": 744 * H - 40 * 60,
        "excluded_s": 2 * H,
        "downtime_s": 5.5 * H,
        "availability": 100 * (741 * H + 20 * 60 - 5.5 * H) / (741 * H + 20 * 60),
        "penalty": 0.0,
        "outages": 3,
        "short": 1,
        "meetings": (2, 3),
    },
    "son-la/xa-b": {
        "service_s": 384 * H - 40 * 60,
        "excluded_s": 0.0,
        "downtime_s": 6 * H + 20 * 60,
        "availability": 100 * 377 * H / (383 * H + 20 * 60),
        "penalty": 10.0,
        "outages": 2,
        "short": 0,
        "meetings": (0, 1),
    },
    "son-la/xa-c": {
        "service_s": 744 * H - 40 * 60,
        "excluded_s": 8 * H,
        "downtime_s": 16 * H,
        "availability": 100 * (719 * H + 20 * 60) / (735 * H + 20 * 60),
        "penalty": 25.0,
        "outages": 1,
        "short": 0,
        "meetings": (2, 3),
    },
}
TOTAL_AVAILABILITY = 100 * (1860 * H - (27 * H + 50 * 60)) / (1860 * H)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _ready(db, room: str, seq: int, ts: datetime, verdict: str, meeting: str) -> None:
    body = {
        "boot_id": "b",
        "seq": seq,
        "verdict": verdict,
        "trigger": "schedule",
        "meeting": {"id": meeting},
    }
    db.add_readiness(room, body, ts)


def build_october(path: Path) -> None:
    """Write the constructed month into the SQLite file at `path`."""
    store = SqliteStore(str(path))
    with store.transaction() as db:
        for room, name in (("xa-a", "UBND xã A"), ("xa-b", "UBND xã B"), ("xa-c", "UBND xã C")):
            db.add_room(RoomPath("son-la", room), name, vn(2026, 9, 1))
        db.add_room(RoomPath("son-la", "xa-c-cu"), "UBND xã C (cũ)", vn(2026, 9, 1))
        a, b, c, old = "son-la/xa-a", "son-la/xa-b", "son-la/xa-c", "son-la/xa-c-cu"
        for room, state, ts in [
            (a, "online", vn(2026, 9, 20, 8)),
            (a, "offline", vn(2026, 10, 5, 22)),
            (a, "online", vn(2026, 10, 6, 2, 30)),
            (a, "offline", vn(2026, 10, 10, 9)),
            (a, "online", vn(2026, 10, 10, 9, 0, 19)),
            (a, "offline", vn(2026, 10, 12, 8, 30)),
            (a, "online", vn(2026, 10, 12, 9, 30)),
            (a, "offline", vn(2026, 10, 31, 23)),
            (a, "online", vn(2026, 11, 1, 1)),
            (b, "online", vn(2026, 10, 16)),
            (b, "offline", vn(2026, 10, 20, 8, 30)),
            (b, "online", vn(2026, 10, 20, 8, 50)),
            (b, "offline", vn(2026, 10, 25)),
            (b, "online", vn(2026, 10, 25, 6)),
            (old, "online", vn(2026, 9, 1)),
            (old, "offline", vn(2026, 10, 8, 12)),
            (c, "online", vn(2026, 10, 8, 12)),
            (c, "offline", vn(2026, 10, 28, 2)),
            (c, "online", vn(2026, 10, 29, 2)),
        ]:
            db.add_status(room, f"{room}-{ts:%m%d%H%M%S}", state, ts)
        for mid, title, start, end, rooms in [
            ("m2", "Giao ban tuần", vn(2026, 10, 5, 14), vn(2026, 10, 5, 15), ("xa-a", "xa-c-cu")),
            ("m3", "Họp chuyên đề", vn(2026, 10, 14, 9), vn(2026, 10, 14, 10), ("*",)),
            ("m1", "Họp trực tuyến tỉnh", vn(2026, 10, 20, 8), vn(2026, 10, 20, 10), ("*",)),
            ("m4", "Họp bổ sung", vn(2026, 10, 20, 10), vn(2026, 10, 20, 10, 30), ("*",)),
        ]:
            db.put_meeting(MeetingRow("son-la", mid, title, start, end, rooms, False))
        _ready(db, a, 1, vn(2026, 10, 5, 13, 55), "ready", "m2")
        _ready(db, old, 2, vn(2026, 10, 5, 13, 55), "ready", "m2")
        _ready(db, c, 3, vn(2026, 10, 14, 8, 55), "ready", "m3")
        _ready(db, a, 4, vn(2026, 10, 20, 7, 55), "ready", "m1")
        _ready(db, b, 5, vn(2026, 10, 20, 7, 55), "ready", "m1")
        _ready(db, c, 6, vn(2026, 10, 20, 7, 30), "ready", "m1")
        _ready(db, c, 7, vn(2026, 10, 20, 7, 55), "not_ready", "m1")
        for sid, started, stopped in [
            ("s1", vn(2026, 9, 25), vn(2026, 10, 20, 10)),
            ("s2", vn(2026, 10, 20, 10, 40), vn(2026, 11, 10)),
        ]:
            db.put_coverage(CoverageRow(sid, "board-1", started, stopped, stopped, 30.0))
    store.add_merge(old, c, user="chi.lan", ts=vn(2026, 10, 8, 12), reason="đổi tên xã")
    rdb = ReportDb(store)
    common = {"user": "chi.lan", "flags": ()}
    rdb.add_exclusion(
        kind=Kind.MAINTENANCE,
        category=Category.MAINTENANCE,
        rooms=(a,),
        start=vn(2026, 10, 12, 8),
        end=vn(2026, 10, 12, 10),
        reason="Nâng cấp phần mềm codec",
        now=vn(2026, 10, 9, 8),
        **common,
    )
    w = rdb.add_exclusion(
        kind=Kind.MAINTENANCE,
        category=Category.MAINTENANCE,
        rooms=(b,),
        start=vn(2026, 10, 25),
        end=vn(2026, 10, 25, 6),
        reason="Thay bộ lưu điện",
        now=vn(2026, 10, 21, 8),
        **common,
    )
    rdb.withdraw(w.id, user="truong.phong", reason="không thực hiện", now=vn(2026, 10, 22, 8))
    rdb.add_exclusion(
        kind=Kind.MAINTENANCE,
        category=Category.MAINTENANCE,
        rooms=(a,),
        start=vn(2026, 10, 31, 23),
        end=vn(2026, 11, 1, 1),
        reason="Khai báo muộn",
        now=vn(2026, 10, 31, 23, 30),
        user="chi.lan",
        flags=(Flag.LATE,),
    )
    rdb.add_exclusion(
        kind=Kind.TAGGED,
        category=Category.POWER_CUT,
        rooms=(c,),
        start=vn(2026, 10, 28, 2),
        end=vn(2026, 10, 28, 10),
        reason="Mất điện lưới khu vực",
        now=vn(2026, 10, 29, 9),
        **common,
    )
    rdb.add_exclusion(
        kind=Kind.MAINTENANCE,
        category=Category.MAINTENANCE,
        rooms=(a,),
        start=vn(2026, 11, 3, 8),
        end=vn(2026, 11, 3, 9),
        reason="Tháng sau",
        now=vn(2026, 10, 30, 8),
        **common,
    )
    store.close()


@pytest.fixture
def october(tmp_path: Path) -> Path:
    """The constructed October in <tmp>/board.sqlite; returns the config file naming it."""
    build_october(tmp_path / "board.sqlite")
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[board]\ndatabase = "sqlite:///{tmp_path / "board.sqlite"}"\n'
        '[report]\nissuer = "Sở Khoa học và Công nghệ tỉnh Sơn La"\n'
        'issuer_parent = "UBND tỉnh Sơn La"\nplace = "Sơn La"\n'
        'signer_title = "Giám đốc"\nsigner_name = "Nguyễn Văn An"\n'
        'contract = "HĐ 15/2026/HĐ-STTTT"\n',
        encoding="utf-8",
    )
    return cfg


_ = timedelta
