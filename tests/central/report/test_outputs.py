"""`hnth-agent report availability` as a user runs it: table, CSV, JSON, XLSX and PDF of the
constructed October, each checked against the hand-computed figures (conftest.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.central.report.conftest import EXPECTED, TOTAL_AVAILABILITY

HNTH = str(Path(sys.executable).parent / "hnth-agent")
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "report"


def run(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    cmd = [HNTH, "report", *args, "--config", str(config)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_json_has_the_hand_computed_figures_and_the_rules(october):
    r = run("availability", "--month", "2026-10", "--json", config=october)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    rooms = {x["room"]: x for x in data["rooms"]}
    for key, want in EXPECTED.items():
        assert rooms[key]["availability_pct"] == round(want["availability"], 3)
        assert rooms[key]["penalty_pct"] == want["penalty"]
        assert rooms[key]["downtime_s"] == pytest.approx(want["downtime_s"])
    assert data["totals"]["availability_pct"] == round(TOTAL_AVAILABILITY, 3)
    assert data["rules"]["penalty_tiers"] == [[99.0, 0.0], [98.0, 10.0], [0.0, 25.0]]
    assert data["rules"]["min_outage_min"] == 5
    assert len(data["meetings"]) == 10
    same = run("availability", "--month", "2026-10", "--format", "json", config=october)
    assert json.loads(same.stdout)["rooms"] == data["rooms"]


def test_table_prints_the_rules_and_penalties(october):
    r = run("availability", "--month", "2026-10", "--lang", "en", config=october)
    assert r.returncode == 0, r.stderr
    assert "An outage counts from 5 minutes" in r.stdout
    assert "≥ 99 %: no penalty; 98–99 %: 10 %; < 98 %: 25 %" in r.stdout
    assert "99.26 %" in r.stdout  # xa-a
    assert "98.35 %" in r.stdout  # xa-b
    assert "97.82 %" in r.stdout  # xa-c
    assert "57.14 % (4/7)" in r.stdout


def test_csv_opens_in_excel(october, tmp_path):
    from central.report.db import ReportDb
    from central.store import SqliteStore

    store = SqliteStore(str(tmp_path / "board.sqlite"))
    with store.transaction() as db:  # a room whose name is a formula
        from central.model import RoomPath
        from tests.central.report.conftest import vn

        db.add_room(RoomPath("son-la", "xa-x"), '=HYPERLINK("http://x","y")', vn(2026, 10, 1))
        db.add_status("son-la/xa-x", "bx", "online", vn(2026, 10, 30))
    assert ReportDb(store).exclusions()
    store.close()
    r = subprocess.run(
        [HNTH, "report", "availability", "--month", "2026-10", "--csv", "--config", str(october)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    text = r.stdout.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mã điểm cầu,Tên điểm cầu,Tỉnh,Nhóm,Lắp đặt")
    assert "'=HYPERLINK(" in text
    assert ",=HYPERLINK" not in text
    assert "UBND xã A" in text
    assert "4 giờ 30 phút" in text  # the longest outage of xa-a, in words
    assert "6 giờ 20 phút" in text  # xa-b's downtime
    assert "40 phút" in text  # no data
    assert not re.search(r"\d+\.\d{4,}", text)  # no seconds to six decimals
    en = subprocess.run(
        [
            HNTH,
            "report",
            "availability",
            "--month",
            "2026-10",
            "--format",
            "csv",
            "--lang",
            "en",
            "--config",
            str(october),
        ],
        capture_output=True,
        check=False,
        timeout=120,
    ).stdout.decode("utf-8-sig")
    assert en.splitlines()[0].startswith("Room,Name,Province")
    assert "4 h 30 min" in en


def test_a_short_drop_reads_in_seconds():
    from central.report.fmt import duration

    assert duration(19, "vi") == "19 giây"
    assert duration(19, "en") == "19 s"
    assert duration(270, "vi") == "4 phút 30 giây"
    assert duration(4.5 * 3600, "vi") == "4 giờ 30 phút"


def test_xlsx_numbers_are_numbers(october, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "thang-10.xlsx"
    r = run(
        "availability",
        "--month",
        "2026-10",
        "--format",
        "xlsx",
        "--output",
        str(out),
        config=october,
    )
    assert r.returncode == 0, r.stderr
    wb = load_workbook(out)
    assert wb.sheetnames[:5] == ["Tổng hợp", "Điểm cầu", "Cuộc họp", "Sự cố", "Loại trừ"]
    rooms = wb["Điểm cầu"]
    head = [c.value for c in rooms[1]]
    assert head[:2] == ["Mã điểm cầu", "Tên điểm cầu"]
    assert rooms.auto_filter.ref.startswith("A1:")
    col = {h: i for i, h in enumerate(head)}
    for row in rooms.iter_rows(min_row=2, values_only=True):
        want = EXPECTED[row[0]]
        assert row[col["Tỷ lệ sẵn sàng"]] == pytest.approx(want["availability"] / 100)
        assert row[col["Giảm trừ"]] == pytest.approx(want["penalty"] / 100)
        assert row[col["Gián đoạn (phút)"]] == pytest.approx(want["downtime_s"] / 60)
        assert row[col["Thời gian phục vụ (giờ)"]] == pytest.approx(want["service_s"] / 3600)
    cell = rooms.cell(2, col["Tỷ lệ sẵn sàng"] + 1)
    assert cell.number_format == "0.00%"
    summary = {r[0]: r[1] for r in wb["Tổng hợp"].iter_rows(values_only=True) if r[0]}
    assert summary["Tỷ lệ sẵn sàng toàn hệ thống"] == pytest.approx(TOTAL_AVAILABILITY / 100)
    assert summary["Tỷ lệ họp thành công"] == pytest.approx(4 / 7)
    assert summary["< 98 %"] == pytest.approx(0.25)
    meetings = list(wb["Cuộc họp"].iter_rows(values_only=True))
    assert len(meetings) == 1 + 10
    assert wb["Cuộc họp"].auto_filter.ref
    excl = list(wb["Loại trừ"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[9] for r in excl) == sorted(
        ["được tính", "được tính", "đã rút", "gắn cờ, không tính (khai báo muộn)"]
    )
    r = run(
        "availability",
        "--month",
        "2026-10",
        "--format",
        "xlsx",
        "--output",
        str(out),
        "--lang",
        "en",
        config=october,
    )
    assert load_workbook(out).sheetnames[:2] == ["Summary", "Rooms"]


def test_binary_formats_need_an_output_file(october):
    r = run("availability", "--month", "2026-10", "--format", "pdf", "--lang", "en", config=october)
    assert r.returncode == 3
    assert "--output" in r.stderr


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_reads_in_vietnamese_and_renders(october, tmp_path):
    out = tmp_path / "bao-cao.pdf"
    r = run(
        "availability",
        "--month",
        "2026-10",
        "--format",
        "pdf",
        "--output",
        str(out),
        config=october,
    )
    assert r.returncode == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"%PDF")
    assert b"/FontFile2" in raw  # the TrueType fonts are embedded
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = " ".join(text.split())
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ KHOA HỌC VÀ CÔNG",  # the issuing body wraps in its column, as on paper
        "NGHỆ TỈNH SƠN LA",
        "Báo cáo tình trạng hoạt động hệ thống hội nghị truyền hình tháng 10/2026",
        "Sơn La, ngày",
        "Quy tắc áp dụng",
        "Sự cố được tính khi kéo dài từ 5 phút trở lên",
        "Các điểm cầu dưới mức cam kết",
        "GIÁM ĐỐC",
        "Nguyễn Văn An",
        "Mất điện lưới",  # the tagged power cut, with its reason
    ):
        assert words in flat, words
    for figure in ("99.26 %", "98.35 %", "97.82 %", "98.50 %", "11.67 %", "57.14 % (4/7)"):
        assert figure in flat, figure
    below = flat[flat.index("Các điểm cầu dưới mức cam kết") :]
    assert "UBND xã B" in below
    assert "UBND xã C" in below
    assert "24 giờ 00 phút" in below  # xa-c's outage, listed under it
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("thang-10-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", str(out), str(ARTIFACTS / "thang-10")], check=True
    )
    pages = sorted(ARTIFACTS.glob("thang-10-*.png"))
    assert pages
    assert all(p.stat().st_size > 10_000 for p in pages)
