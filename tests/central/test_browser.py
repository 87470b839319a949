"""A real browser on the board: headless Chromium (Debian's) driven by Selenium.

Behind the board: a real mosquitto, a real agent (`hnth-agent run`, reporting in English) whose
PTZ port is the VISCA camera emulator (`hnth-agent sim visca`) over TCP, a small simulated
fleet, and three rooms fed through the board's ingest: one reporting a black camera in
English, one whose report breaks the contract (`checks: [null]`), one offline.

What a person sees is asserted at a desk (1600x1000) and on a phone (390x844); screenshots go
to artifacts/board/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.config import Config, MqttConfig, finalize
from agent.contract import payloads
from agent.i18n import t
from agent.sim.broker import free_port
from agent.sim.fleet import Fleet, FleetSettings
from central.link import connect, settings_for
from central.model import Message, iso
from central.service import Board
from tests.central.conftest import PASSWORDS
from tests.fixtures.common import need_program

pytestmark = [pytest.mark.browser, pytest.mark.broker, pytest.mark.slow]

HNTH = str(Path(sys.executable).parent / "hnth-agent")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "board"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SIM_ROOMS = 12
REAL = "son-la/xa-that"
ENGLISH = "son-la/xa-tieng-anh"
INVALID = "son-la/xa-hong"
OFFLINE = "son-la/xa-mat"
ALL_ROOMS = SIM_ROOMS + 4
PHONE = (390, 844)
DESK = (1600, 1000)
_EMU_FLAGS = ("--drop-rate", "0", "--slow-ms", "0")
# What the English-speaking room sends: none of it may show on a Vietnamese page.
EN_SUMMARY = str(t("camera.black", lang="en", luma=3))
EN_HINT = str(t("camera.black_hint", lang="en"))


def _need_browser() -> None:
    # On a developer's machine without Chromium this skips; CI installs it and must run it.
    missing = not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists())
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing = True
    if missing and os.environ.get("CI") == "true":
        pytest.fail("CI must run the browser test: scripts/install --dev installs chromium")
    if missing:
        pytest.skip("apt-get install -y chromium chromium-driver; pip install selenium")
    need_program("chromium", "chromedriver")


@pytest.fixture
def real_agent(tmp_path, broker) -> Iterator[Path]:
    """A real room agent (language en) driving the VISCA emulator over TCP; both reaped."""
    port = free_port()
    emu = subprocess.Popen(
        [HNTH, "sim", "visca", "--listen", f"tcp://127.0.0.1:{port}", *_EMU_FLAGS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the agent's first check must find the camera
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    cfg = tmp_path / "agent.toml"
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "agent-state"}"\nlanguage = "en"\n'
        '[room]\nprovince = "son-la"\ngroups = ["moc-chau"]\nid = "xa-that"\n'
        'name = "UBND xã Chiềng Sơn"\n'
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\n'
        f'[ptz]\nport = "tcp://127.0.0.1:{port}"\n'
        '[host]\ncpu_sample_s = 0\n[checks]\nenabled = ["ptz"]\n',  # not CPU load
        encoding="utf-8",
    )
    log = (tmp_path / "agent.log").open("w")
    agent = subprocess.Popen(
        [HNTH, "run", "--config", str(cfg)], stdout=log, stderr=subprocess.STDOUT
    )
    yield tmp_path / "agent.log"
    for p in (agent, emu):
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    log.close()


def _chrome(tmp_path: Path, size: tuple[int, int], name: str) -> Any:
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--window-size={size[0]},{size[1]}",
        f"--user-data-dir={tmp_path / ('chrome-' + name)}",
    ):
        opts.add_argument(flag)
    if size == PHONE:
        # The viewport of a 390 px phone, with its meta viewport honoured.
        opts.add_experimental_option(
            "mobileEmulation",
            {"deviceMetrics": {"width": size[0], "height": size[1], "pixelRatio": 1}},
        )
    service = Service(CHROMEDRIVER, log_output=str(tmp_path / f"chromedriver-{name}.log"))
    d = webdriver.Chrome(options=opts, service=service)
    d.set_page_load_timeout(30)
    return d


@pytest.fixture
def desk(tmp_path) -> Iterator[Any]:
    d = _chrome(tmp_path, DESK, "desk")
    yield d
    d.quit()


@pytest.fixture
def phone(tmp_path) -> Iterator[Any]:
    d = _chrome(tmp_path, PHONE, "phone")
    yield d
    d.quit()


def _msg(room: str, leaf: str, body: dict[str, Any]) -> Message:
    return Message(f"hnth/v2/{room}/{leaf}", json.dumps(body).encode(), True)


def feed_special_rooms(board: Board) -> None:
    """Three rooms through the board's own ingest: English words, a broken report, offline."""
    now = iso(datetime.now(UTC))

    def meta(room: str, name: str) -> None:
        province, rid = room.split("/")
        board.fleet.ingest(
            _msg(
                room,
                "meta",
                {
                    "schema": "hnth.meta/2",
                    "province": province,
                    "room": rid,
                    "name": name,
                    "unit": "xa",
                    "groups": [{"id": "moc-chau", "name": "Mộc Châu"}],
                    "replaces": [],
                    "agent_version": "1",
                    "ts": now,
                },
            )
        )
        board.fleet.ingest(
            _msg(
                room,
                "status",
                {"schema": "hnth.status/1", "state": "online", "boot_id": "b", "ts": now},
            )
        )

    def report(room: str, seq: int, verdict: str, checks: list[Any]) -> None:
        province, rid = room.split("/")
        body = {
            "schema": "hnth.readiness/2",
            "boot_id": "b",
            "seq": seq,
            "ts": now,
            "room": {"province": province, "room": rid, "name": rid},
            "trigger": "periodic",
            "meeting": None,
            "verdict": verdict,
            "duration_ms": 5,
            "checks": checks,
        }
        board.fleet.ingest(_msg(room, "readiness", body))

    camera = payloads.check_entry(
        "camera",
        "fail",
        t("camera.black", lang="en", luma=3),
        t("camera.black_hint", lang="en"),
        {"luma": 3},
        9,
    )
    meta(ENGLISH, "UBND xã Tiếng Anh")
    report(ENGLISH, 1, "not_ready", [camera])
    meta(INVALID, "UBND xã Báo Hỏng")
    report(INVALID, 1, "ready", [])
    report(INVALID, 2, "ready", [None])
    meta(OFFLINE, "UBND xã Mất Mạng")
    board.fleet.ingest(
        _msg(
            OFFLINE,
            "status",
            {"schema": "hnth.status/1", "state": "offline", "boot_id": "b", "ts": now},
        )
    )


@dataclass
class Rig:
    board: Board
    url: str
    log: Path


@pytest.fixture
def rig(broker, real_agent, make_board, web) -> Iterator[Rig]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    board = make_board(client_id="board-browser", cookie_secure=True)
    board.start()
    client = connect(
        board,
        settings_for(
            finalize(Config(mqtt=MqttConfig(host=broker.host, port=broker.port))), "board-browser"
        ),
    )
    fleet = Fleet(
        FleetSettings(
            broker.host, broker.port, rooms=SIM_ROOMS, interval_s=3, fault_rate=0.3, keepalive_s=10
        )
    )
    fleet.start()
    feed_special_rooms(board)
    _, server, _ = web(board)
    try:
        yield Rig(board, f"http://127.0.0.1:{server.port}/", real_agent)
    except BaseException:
        print("board rooms:", board.fleet.rooms())
        print("agent log:", real_agent.read_text()[-3000:])
        raise
    finally:
        fleet.stop()
        client.stop()


class Page:
    """What a person sees, read through JS (the live page re-renders, element handles go stale)."""

    def __init__(self, driver: Any, name: str) -> None:
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )
        from selenium.webdriver.support.ui import WebDriverWait

        self.d = driver
        self.name = name
        self.flaky = (StaleElementReferenceException, NoSuchElementException)
        self.wait = WebDriverWait(driver, 20, ignored_exceptions=self.flaky)

    def js(self, script: str, *args: Any) -> Any:
        return self.d.execute_script(script, *args)

    def attr(self, css: str, name: str) -> str | None:
        return self.js(
            "const e = document.querySelector(arguments[0]);"
            " return e && e.getAttribute(arguments[1]);",
            css,
            name,
        )

    def text(self, css: str = "body") -> str:
        return self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css
        )

    def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.d, 5, ignored_exceptions=self.flaky).until(
            lambda d: d.find_element(By.CSS_SELECTOR, css).click() or True
        )

    def until(self, pred: Any, timeout: float = 20) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.d, timeout, ignored_exceptions=self.flaky).until(lambda _: pred())

    def shot(self, name: str) -> None:
        self.d.save_screenshot(str(ARTIFACTS / f"{self.name}-{name}.png"))

    def no_overflow(self, width: int) -> None:
        sw = self.js("return document.documentElement.scrollWidth")
        assert sw <= width, f"page is {sw} px wide at {width} px"

    def login(self, url: str, user: str = "op") -> None:
        from selenium.webdriver.common.by import By

        self.d.get(url)
        self.until(lambda: self.d.find_element(By.ID, "login-user").is_displayed())
        self.d.find_element(By.ID, "login-user").send_keys(user)
        self.d.find_element(By.ID, "login-password").send_keys(PASSWORDS[user])
        self.d.find_element(By.ID, "login-submit").click()
        self.until(lambda: len(self.d.find_elements(By.CSS_SELECTOR, ".room-tile")) == ALL_ROOMS)

    def pan(self, board: Board) -> int:
        """The emulated camera's pan, read back over VISCA through the real agent."""
        body = board.command("test", REAL, "ptz.position", {}, "en").body
        assert body["ok"], body
        return int(body["result"]["pan"])

    def assert_vietnamese_only(self) -> None:
        page = self.text()
        for english in (EN_SUMMARY, EN_HINT, "Not ready", "Offline"):
            assert english not in page, english
        for raw in ("check.completed", "not_ready", "cmd:", "ptz.move", "son-la/"):
            assert raw not in page, raw


def schedule_next_meeting(board: Board) -> None:
    start = datetime.now(UTC) + timedelta(minutes=40)
    res = board.schedule(
        "test",
        {
            "id": "giao-ban",
            "title": "Giao ban sáng",
            "start": iso(start),
            "end": iso(start + timedelta(hours=1)),
            "rooms": ["*"],
        },
        "vi",
    )
    assert res.ok, res.body


def test_fleet_room_pad_and_meetings_at_a_desk(rig, desk):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    p = Page(desk, "desk")
    board = rig.board
    schedule_next_meeting(board)
    try:
        # 1. a wrong password first: a clear message, in Vietnamese by default
        desk.get(rig.url)
        p.until(lambda: desk.find_element(By.ID, "login-user").is_displayed())
        desk.find_element(By.ID, "login-user").send_keys("op")
        desk.find_element(By.ID, "login-password").send_keys("wrong-password")
        desk.find_element(By.ID, "login-submit").click()
        p.until(lambda: "sai tên đăng nhập" in p.text("#login-error"))
        p.shot("01-login-failed")
        desk.find_element(By.ID, "login-password").clear()
        p.login(rig.url)

        # 2. the totals, the next meeting, problems first, what is wrong on the tile
        p.until(lambda: p.attr(f'.room-tile[data-room="{REAL}"]', "data-state") == "ready")
        p.until(lambda: p.attr("#next-meeting", "data-n") not in (None, ""))
        counts = {
            s: int(p.attr(f'.total[data-state="{s}"]', "data-n") or 0)
            for s in ("ready", "degraded", "not_ready", "offline", "stale")
        }
        assert counts["offline"] >= 1
        assert counts["not_ready"] >= 1
        assert sum(counts.values()) == ALL_ROOMS
        assert "chưa sẵn sàng cho cuộc họp “Giao ban sáng”" in p.text("#next-meeting")
        assert "bắt đầu sau" in p.text("#next-meeting")
        first = p.js("return document.querySelector('#grid .room-tile').dataset.state")
        assert first == "not_ready"
        tile = p.text(f'.room-tile[data-room="{ENGLISH}"]')
        assert "Camera: " + str(t("camera.black", lang="vi", luma=3)) in tile
        assert "Báo cáo không hợp lệ" in p.text(f'.room-tile[data-room="{INVALID}"]')
        assert "Mất kết nối" in p.text(f'.room-tile[data-room="{OFFLINE}"]')
        assert "vừa xong" in p.text(f'.room-tile[data-room="{REAL}"]')
        p.assert_vietnamese_only()
        p.no_overflow(DESK[0])
        p.shot("02-fleet")

        # 3. search without diacritics; a text selection and a half-typed search survive updates
        box = desk.find_element(By.ID, "fleet-search")
        box.send_keys("chieng son")
        p.until(
            lambda: p.js("return document.querySelectorAll('.room-tile:not([hidden])').length") == 1
        )
        assert "UBND xã Chiềng Sơn" in p.text("#grid")
        box.clear()
        p.js("document.getElementById('fleet-search').dispatchEvent(new Event('input'))")
        p.js(
            "const el = document.querySelector(arguments[0] + ' .t-name');"
            " const r = document.createRange(); r.selectNodeContents(el);"
            " const s = getSelection(); s.removeAllRanges(); s.addRange(r);",
            f'.room-tile[data-room="{ENGLISH}"]',
        )
        before = p.js("return Object.assign({}, window.__board)")
        p.until(lambda: p.js("return window.__board.updates") >= before["updates"] + 3, 30)
        after = p.js("return Object.assign({}, window.__board)")
        assert p.js("return getSelection().toString()") == "UBND xã Tiếng Anh"
        box = desk.find_element(By.ID, "fleet-search")
        box.send_keys("x")  # typing, not finished
        typed = p.js("return window.__board.updates")
        p.until(lambda: p.js("return window.__board.updates") >= typed + 3, 30)
        assert desk.find_element(By.ID, "fleet-search").get_attribute("value") == "x"
        assert p.js("return document.activeElement.id") == "fleet-search"
        per_update = (after["rendered"] - before["rendered"]) / (
            after["updates"] - before["updates"]
        )
        assert per_update < ALL_ROOMS / 2  # only the tiles that changed
        box = desk.find_element(By.ID, "fleet-search")
        box.clear()
        box.send_keys(" ")
        box.clear()
        p.js("document.getElementById('fleet-search').dispatchEvent(new Event('input'))")

        # 4. the invalid report, on its room page
        desk.get(rig.url + "#/room/" + INVALID)
        p.until(lambda: "Báo cáo không hợp lệ" in p.text("#room-invalid"))
        assert "checks[0]" in p.text("#room-invalid")
        p.shot("03-invalid-report")

        # 5. an offline room: the pad says why and its buttons are disabled
        desk.get(rig.url + "#/room/" + OFFLINE)
        p.until(lambda: p.js("const f = document.getElementById('pad'); return !!f && f.disabled"))
        assert "mất kết nối" in p.text("#pad-note")

        # 6. the real room (reporting in English) in Vietnamese
        desk.get(rig.url + "#/room/" + REAL)
        p.until(lambda: "UBND xã Chiềng Sơn" in p.text("#room-title"))
        p.until(lambda: p.js("return document.querySelectorAll('#room-checks tr').length") >= 2)
        assert "Tốc độ (1–24)" in p.text("#pad")
        p.assert_vietnamese_only()
        p.shot("04-room")
        p.click("#rerun")  # re-run checks: the room answers with its report, in words
        p.until(lambda: p.attr("#ptz-result", "data-verb") == "check")
        p.until(lambda: p.attr("#ptz-result", "data-ok") == "1")
        assert "Đã kiểm tra xong: Sẵn sàng" in p.text("#ptz-result")
        assert p.text("#rerun") == "Kiểm tra lại"

        # 7. hold "left": the camera pans while held; release stops it
        start = p.pan(board)
        left = desk.find_element(By.CSS_SELECTOR, '.ptz-btn[data-dir="left"]')
        ActionChains(desk).click_and_hold(left).perform()
        time.sleep(2.5)  # longer than the agent's hold timeout: the repeats keep it moving
        moving = p.pan(board)
        assert moving < start
        ActionChains(desk).release(left).perform()
        p.until(lambda: p.attr("#ptz-result", "data-verb") == "ptz.stop")
        p.until(lambda: p.attr("#ptz-result", "data-ok") == "1")
        assert "Camera đã dừng" in p.text("#ptz-result")
        stopped = p.pan(board)
        time.sleep(1.0)
        assert p.pan(board) == stopped  # not moving any more
        assert stopped < moving
        actions = [a.action for a in board.store.audit(200)]
        assert actions.count("cmd:ptz.move") == 1  # one hold, one entry (not one per repeat)
        assert actions.count("cmd:ptz.stop") == 1
        p.shot("05-pad-released")

        # 8. hold "left" in a second tab, then close the tab: the camera stops
        main = desk.current_window_handle
        desk.switch_to.new_window("tab")
        desk.get(rig.url + "#/room/" + REAL)
        p.until(lambda: p.js("return !!document.querySelector('.ptz-btn[data-dir=left]')"))
        p.until(lambda: "UBND xã Chiềng Sơn" in p.text("#room-title"))
        held = p.pan(board)
        left = desk.find_element(By.CSS_SELECTOR, '.ptz-btn[data-dir="left"]')
        ActionChains(desk).click_and_hold(left).perform()
        time.sleep(1.5)
        desk.close()
        desk.switch_to.window(main)
        time.sleep(2.5)  # at most the agent's hold timeout (2 s) after the last repeat
        closed = p.pan(board)
        assert closed < held  # it did move while held
        time.sleep(1.0)
        assert p.pan(board) == closed  # and stands still now

        # 9. hold "left", then the page loses its network: the camera stops
        desk.get(rig.url + "#/room/" + REAL)
        p.until(lambda: "UBND xã Chiềng Sơn" in p.text("#room-title"))
        held = p.pan(board)
        left = desk.find_element(By.CSS_SELECTOR, '.ptz-btn[data-dir="left"]')
        ActionChains(desk).click_and_hold(left).perform()
        time.sleep(1.5)
        desk.set_network_conditions(
            offline=True, latency=0, download_throughput=0, upload_throughput=0
        )
        time.sleep(3.0)  # the agent's hold timeout (2 s) after the last repeat that got through
        cut = p.pan(board)
        assert cut < held
        time.sleep(1.0)
        assert p.pan(board) == cut
        ActionChains(desk).release(left).perform()
        desk.set_network_conditions(
            offline=False, latency=0, download_throughput=-1, upload_throughput=-1
        )

        # 10. meetings: countdown, problems by severity with hints, the scheduling dialog
        desk.get(rig.url + "#/meetings")
        p.until(lambda: "bắt đầu sau" in p.text('.meeting-card[data-id="giao-ban"]'))
        states = p.js(
            "return [...document.querySelectorAll('.meeting-card[data-id=giao-ban] .problems tr')]"
            ".map(tr => tr.querySelector('.badge').className)"
        )
        assert states
        assert "s-not_ready" in states[0]
        assert str(t("camera.black_hint", lang="vi")) in p.text('.meeting-card[data-id="giao-ban"]')
        p.click("#mt-open")
        p.until(lambda: p.js("return document.getElementById('meeting-dialog').open"))
        desk.find_element(By.ID, "mt-title").send_keys("Họp Mộc Châu")
        desk.find_element(By.ID, "mt-id").send_keys("hop-moc-chau")
        desk.find_element(By.ID, "mt-all").click()
        desk.find_element(By.CSS_SELECTOR, '#mt-groups input[value="moc-chau"]').click()
        desk.find_element(By.ID, "mt-filter").send_keys("tieng anh")
        desk.find_element(By.CSS_SELECTOR, '#mt-rooms input[value="xa-tieng-anh"]').click()
        p.shot("06-schedule-dialog")
        desk.find_element(By.ID, "mt-submit").click()
        p.until(lambda: "đã lên lịch" in p.text("#mt-result"))
        m = board.fleet.meeting("son-la", "hop-moc-chau")
        assert m is not None
        assert m.groups == ("moc-chau",)
        assert "xa-tieng-anh" in m.rooms
        p.until(
            lambda: p.js("return !!document.querySelector('.meeting-card[data-id=hop-moc-chau]')")
        )
        p.no_overflow(DESK[0])
        p.shot("07-meetings")

        # 11. the audit log in words
        desk.get(rig.url + "#/audit")
        p.until(lambda: len(desk.find_elements(By.CSS_SELECTOR, "#audit-list tr")) >= 5)
        audit = p.text("#audit-list")
        assert "Quay camera (trái)" in audit
        assert "Đăng nhập" in audit
        assert "Lên lịch cuộc họp" in audit
        p.assert_vietnamese_only()
        desk.find_element(By.ID, "audit-filter").send_keys("dang nhap")  # folded, like search
        shown = p.js(
            "return [...document.querySelectorAll('#audit-list tr[data-audit]')]"
            ".filter(tr => !tr.hidden).map(tr => tr.dataset.action)"
        )
        assert shown
        assert set(shown) == {"login"}
        p.shot("08-audit")

        # 12. the availability report lists every room
        desk.get(rig.url + "#/report")
        p.until(lambda: len(desk.find_elements(By.CSS_SELECTOR, "#report-out tr")) >= SIM_ROOMS + 2)
        p.shot("09-report")

        # 13. English is one click away, and the English room's words come back
        desk.get(rig.url + "#/fleet")
        Select(desk.find_element(By.ID, "lang")).select_by_value("en")
        p.until(lambda: "HNTH readiness board" in p.text("#title"))
        p.until(lambda: EN_SUMMARY in p.text(f'.room-tile[data-room="{ENGLISH}"]'))
        p.shot("10-english")
    except BaseException:
        p.shot("failure")
        raise


def test_every_view_on_a_phone(rig, phone):
    from selenium.webdriver.common.by import By

    p = Page(phone, "phone")
    schedule_next_meeting(rig.board)
    try:
        p.login(rig.url)
        assert p.js("return window.innerWidth") == PHONE[0]
        p.until(lambda: p.attr("#next-meeting", "data-n") not in (None, ""))

        def header_fits() -> None:
            rect = p.js(
                "const r = document.getElementById('logout').getBoundingClientRect();"
                " return [r.left, r.right, r.top, r.bottom]"
            )
            assert rect[1] <= PHONE[0], rect  # "sign out" is on screen
            assert rect[3] <= 60, rect  # on the first row
            assert p.js("return document.querySelector('header').offsetHeight") <= 100

        def first_screen(css: str) -> None:
            bottom = p.js(
                "return document.querySelector(arguments[0]).getBoundingClientRect().bottom", css
            )
            assert bottom <= PHONE[1], (css, bottom)

        # Within one screen: how many are not ready for the next meeting, and what is wrong
        # with the first room.
        header_fits()
        first_screen("#next-meeting")
        first_screen(".totals")
        assert p.attr("#grid .room-tile", "data-state") == "not_ready"
        first_screen("#grid .room-tile .why")  # what is wrong with it, named
        why = p.text("#grid .room-tile .why")
        assert why.split(": ", 1)[0] in {
            str(t(f"check.{c}", lang="vi")) for c in payloads.CHECK_NAMES
        }
        assert str(t("camera.black", lang="vi", luma=3)) in p.text(
            f'.room-tile[data-room="{ENGLISH}"]'
        )
        p.no_overflow(PHONE[0])
        p.assert_vietnamese_only()
        p.shot("01-fleet")

        for name, hash_, ready in (
            ("02-room", f"#/room/{REAL}", "#room-checks"),
            ("03-room-invalid", f"#/room/{INVALID}", "#room-invalid:not([hidden])"),
            ("04-meetings", "#/meetings", ".meeting-card"),
            ("05-report", "#/report", "#report-out table"),
            ("06-audit", "#/audit", "#audit-list tr[data-audit]"),
        ):
            phone.get(rig.url + hash_)
            p.until(lambda css=ready: p.js("return !!document.querySelector(arguments[0])", css))
            time.sleep(0.3)
            header_fits()
            p.no_overflow(PHONE[0])
            p.shot(name)
        phone.get(rig.url + "#/meetings")
        p.until(lambda: p.js("return !!document.getElementById('mt-open')"))
        p.click("#mt-open")
        p.until(lambda: p.js("return document.getElementById('meeting-dialog').open"))
        p.no_overflow(PHONE[0])
        right = p.js(
            "return document.getElementById('meeting-dialog').getBoundingClientRect().right"
        )
        assert right <= PHONE[0]
        p.shot("07-schedule-dialog")
        assert phone.find_element(By.ID, "mt-submit").is_displayed()
    except BaseException:
        p.shot("failure")
        raise


def test_the_ingest_pill_says_history_writes_fail_and_clears_when_they_recover(
    make_board, web, desk, tmp_path
):
    """Issue 13: a database that refuses writes shows "ingest degraded" beside the broker pill."""
    import sqlite3

    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    board = make_board()
    board.start()
    _, server, _ = web(board)
    url = f"http://127.0.0.1:{server.port}/"
    p = Page(desk, "ingest")
    pill = "#ingest"

    def online(room: str) -> None:
        body = {
            "schema": "hnth.status/1",
            "state": "online",
            "boot_id": "b",
            "ts": iso(board.fleet.now()),
        }
        board.fleet.ingest(_msg(room, "status", body))

    try:
        desk.get(url)
        p.until(lambda: desk.find_element(By.ID, "login-user").is_displayed())
        desk.find_element(By.ID, "login-user").send_keys("view")
        desk.find_element(By.ID, "login-password").send_keys(PASSWORDS["view"])
        desk.find_element(By.ID, "login-submit").click()
        p.until(lambda: p.js("return !document.getElementById('view').hidden"))
        online("son-la/xa-a")
        p.until(lambda: p.js("return !!document.querySelector('.room-tile')"))
        assert p.attr(pill, "data-state") == "ok"
        assert not p.js("return document.querySelector(arguments[0]).offsetParent", pill)

        # Another connection holds the SQLite file's write lock: every flush of history fails.
        holder = sqlite3.connect(board.store.path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            online("son-la/xa-b")
            p.until(lambda: p.attr(pill, "data-state") == "degraded", 30)
            text = p.text(pill)
            assert text.startswith("Nhận dữ liệu bị suy giảm: chưa ghi được lịch sử"), text
            assert "database is locked" in text  # the reason, as the database gives it
            counted_vi = "return [1, 2].map((n) => tr('board.web.participants', {n}))"
            assert p.js(counted_vi) == ["1 điểm cầu tham dự", "2 điểm cầu tham dự"]
            p.until(lambda: "bản ghi đang chờ ghi" in p.text(pill))
            top = p.js(
                "return document.querySelector(arguments[0]).getBoundingClientRect().top", pill
            )
            broker = p.js("return document.getElementById('broker').getBoundingClientRect().top")
            assert abs(top - broker) < 10  # beside the broker's pill
            p.no_overflow(DESK[0])
            p.shot("01-degraded")

            from selenium.webdriver.support.ui import Select

            Select(desk.find_element(By.ID, "lang")).select_by_value("en")
            p.until(lambda: p.text(pill).startswith("Ingest degraded: history not written"))
            waiting = re.search(r"(\d+) (writes?) waiting for the database", p.text(pill))
            assert waiting, p.text(pill)
            assert (waiting[2] == "write") == (waiting[1] == "1")  # "1 write", "3 writes"
            # The page picks plural forms as gettext does: English has two, Vietnamese one.
            counted = "return [1, 2].map((n) => tr(arguments[0], {n}))"
            assert p.js(counted, "board.web.participants") == [
                "1 participating room",
                "2 participating rooms",
            ]
            assert p.js(counted, "board.web.rel.day") == ["1 day ago", "2 days ago"]

            # On a phone the pill is two words; a tap shows the reasons.
            desk.set_window_size(*PHONE)
            width = p.js("return window.innerWidth")
            p.until(lambda: p.text(pill) == "⚠ Ingest")
            fits = "const e = document.querySelector(arguments[0]);"
            fits += " return e.scrollWidth <= e.clientWidth"
            assert p.js(fits, pill)  # the two words whole, not cut by an ellipsis
            p.no_overflow(width)
            rect = p.js(
                "const r = document.getElementById('logout').getBoundingClientRect();"
                " return [r.right, r.bottom]"
            )
            assert rect[0] <= width, rect  # "sign out" on screen, on the first row
            assert rect[1] <= 60, rect
            assert p.js("return document.querySelector('header').offsetHeight") <= 100
            p.click(pill)
            p.until(lambda: "the database is not answering" in p.text("#flash"))
            p.shot("02-degraded-phone")
            desk.set_window_size(*DESK)
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        # The lock is gone: the queued writes go in and the pill goes away by itself.
        p.until(lambda: p.attr(pill, "data-state") == "ok", 30)
        assert not p.js("return document.querySelector(arguments[0]).offsetParent", pill)
        assert p.text(pill) == ""
        assert {r.path.key for r in board.store.rooms()} == {"son-la/xa-a", "son-la/xa-b"}
        p.shot("03-recovered")
    except BaseException:
        p.shot("failure")
        raise
