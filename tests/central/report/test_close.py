"""A month closes once, verifies, fails verification on a changed byte, and takes amendments."""

from __future__ import annotations

import json
import subprocess

from tests.central.report.test_outputs import run


def test_close_verify_tamper_twice_amend(october, tmp_path):
    out = tmp_path / "closed"
    r = run("close", "--month", "2026-10", "--dir", str(out), "--user", "ke.toan", config=october)
    assert r.returncode == 0, r.stderr
    digest = r.stdout.strip().rsplit(" ", 1)[-1]
    assert len(digest) == 64
    month = out / "2026-10"
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["digest"] == digest
    assert manifest["closed_by"] == "ke.toan"
    assert set(manifest["files"]) == {
        "input.json",
        "bao-cao-2026-10.xlsx",
        "bao-cao-2026-10.pdf",
        "bao-cao-2026-10.json",
        "bao-cao-2026-10.csv",
    }
    text = subprocess.run(
        ["pdftotext", str(month / "bao-cao-2026-10.pdf"), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert f"(SHA-256): {digest}" in " ".join(text.split())  # the input digest, on the PDF

    ok = run("verify", "--month", "2026-10", "--dir", str(out), config=october)
    assert ok.returncode == 0, ok.stderr
    assert "5" in ok.stdout
    ok = run("verify", str(month / "manifest.json"), config=october)
    assert ok.returncode == 0, ok.stderr

    again = run("close", "--month", "2026-10", "--dir", str(out), "--lang", "en", config=october)
    assert again.returncode == 3
    assert "was closed at" in again.stderr
    assert "ke.toan" in again.stderr

    xlsx = month / "bao-cao-2026-10.xlsx"
    data = bytearray(xlsx.read_bytes())
    data[len(data) // 2] ^= 0x01  # one byte changed
    xlsx.write_bytes(bytes(data))
    bad = run("verify", "--month", "2026-10", "--dir", str(out), "--lang", "en", config=october)
    assert bad.returncode == 1
    assert "bao-cao-2026-10.xlsx" in bad.stderr
    assert "content changed" in bad.stderr
    assert "pdf" not in bad.stderr

    amend = run(
        "amend",
        "--month",
        "2026-10",
        "--reason",
        "Bổ sung sự cố mất điện",
        "--dir",
        str(out),
        "--user",
        "ke.toan",
        config=october,
    )
    assert amend.returncode == 0, amend.stderr
    first = month / "amendment-01"
    assert (first / "manifest.json").exists()
    am = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert am["amends"] == digest
    assert am["reason"] == "Bổ sung sự cố mất điện"
    assert json.loads((month / "manifest.json").read_text(encoding="utf-8")) == manifest


def test_a_running_month_cannot_be_closed(october, tmp_path):
    r = run("close", "--month", "2099-01", "--dir", str(tmp_path), "--lang", "en", config=october)
    assert r.returncode == 3
    assert "has not ended" in r.stderr


def test_exclusions_from_the_command_line(october):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    vn = ZoneInfo("Asia/Ho_Chi_Minh")
    soon = (datetime.now(UTC) + timedelta(hours=2)).astimezone(vn)
    later = (datetime.now(UTC) + timedelta(days=5)).astimezone(vn)
    fmt = "%Y-%m-%dT%H:%M"

    def add(start, end, rooms="son-la/xa-a"):
        return run(
            "maintenance",
            "add",
            "--from",
            start.strftime(fmt),
            "--to",
            end.strftime(fmt),
            "--rooms",
            rooms,
            "--reason",
            "Bảo dưỡng định kỳ",
            "--user",
            "chi.lan",
            "--lang",
            "en",
            config=october,
        )

    late = add(soon, soon + timedelta(hours=1))
    assert late.returncode == 3
    assert "48 h" in late.stderr
    ok = add(later, later + timedelta(hours=2))
    assert ok.returncode == 0, ok.stderr
    ex_id = ok.stdout.split()[2]
    overlap = add(later + timedelta(hours=1), later + timedelta(hours=3), rooms="son-la/*")
    assert overlap.returncode == 3
    assert ex_id in overlap.stderr
    inverted = add(later, later - timedelta(hours=1))
    assert inverted.returncode == 3
    future_tag = run(
        "outage",
        "tag",
        "--from",
        later.strftime(fmt),
        "--to",
        "2099-01-01T00:00",
        "--rooms",
        "son-la/xa-a",
        "--category",
        "power_cut",
        "--reason",
        "x",
        "--lang",
        "en",
        config=october,
    )
    assert future_tag.returncode == 3
    listed = run("maintenance", "list", "--json", config=october)
    ids = [e["id"] for e in json.loads(listed.stdout)["exclusions"]]
    assert ex_id in ids
    gone = run(
        "maintenance",
        "withdraw",
        ex_id,
        "--reason",
        "hoãn",
        "--user",
        "truong.phong",
        config=october,
    )
    assert gone.returncode == 0, gone.stderr
    listed = json.loads(run("maintenance", "list", "--json", config=october).stdout)
    [e] = [e for e in listed["exclusions"] if e["id"] == ex_id]
    assert e["withdrawn_by"] == "truong.phong"
    assert e["reason"] == "Bảo dưỡng định kỳ"  # withdrawn, never edited
    twice = run("maintenance", "withdraw", ex_id, "--reason", "x", config=october)
    assert twice.returncode == 3


def test_an_exclusion_in_a_closed_month_is_refused(october, tmp_path):
    r = run("close", "--month", "2026-10", "--dir", str(tmp_path), config=october)
    assert r.returncode == 0, r.stderr
    tag = run(
        "outage",
        "tag",
        "--from",
        "2026-10-25T00:00",
        "--to",
        "2026-10-25T06:00",
        "--rooms",
        "son-la/xa-b",
        "--category",
        "power_cut",
        "--reason",
        "mất điện",
        "--lang",
        "en",
        config=october,
    )
    assert tag.returncode == 3
    assert "amendment" in tag.stderr


def test_late_data_is_noted_and_amendments_say_so_on_the_pdf(october, tmp_path):
    from central.store import SqliteStore
    from tests.central.report.conftest import vn

    out = tmp_path / "closed"
    assert run("close", "--month", "2026-10", "--dir", str(out), config=october).returncode == 0
    store = SqliteStore(str(tmp_path / "board.sqlite"))
    with store.transaction() as db:  # an outage report that arrived after the closing
        db.add_status("son-la/xa-a", "late", "offline", vn(2026, 10, 3, 8))
        db.add_status("son-la/xa-a", "late", "online", vn(2026, 10, 3, 9))
    store.close()
    v = run("verify", "--month", "2026-10", "--dir", str(out), "--lang", "en", config=october)
    assert v.returncode == 0, v.stderr  # the closed files are intact
    assert "differs from the closed export" in v.stderr
    a = run(
        "amend", "--month", "2026-10", "--dir", str(out), "--reason", "Sự cố ngày 3", config=october
    )
    assert a.returncode == 0, a.stderr
    text = subprocess.run(
        ["pdftotext", str(out / "2026-10" / "amendment-01" / "bao-cao-2026-10.pdf"), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert "Bản bổ sung số 1" in " ".join(text.split())
    assert "Sự cố ngày 3" in text
    v = run("verify", "--month", "2026-10", "--dir", str(out), "--lang", "en", config=october)
    assert v.returncode == 0, v.stderr
    assert "10 files" in v.stdout  # five files closed, five amended
    assert "differs" not in v.stderr  # the amendment took the late data in
