"""A real browser on the board: headless Chromium (Debian's) driven by Selenium.

Behind the board: a real mosquitto, a real agent (`hnth-agent run`) whose PTZ port is the VISCA
camera emulator (`hnth-agent sim visca`) over TCP, and a small simulated fleet for the grid.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agent.config import Config, MqttConfig, finalize
from agent.sim.broker import free_port
from agent.sim.fleet import Fleet, FleetSettings
from central.link import connect, settings_for
from tests.central.conftest import PASSWORDS
from tests.fixtures.common import need_program

pytestmark = [pytest.mark.browser, pytest.mark.broker, pytest.mark.slow]

HNTH = str(Path(sys.executable).parent / "hnth-agent")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "board"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SIM_ROOMS = 12


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
def real_agent(tmp_path, broker):
    """A real room agent driving the VISCA emulator over TCP; both reaped at teardown."""
    port = free_port()
    emu = subprocess.Popen(
        [
            HNTH,
            "sim",
            "visca",
            "--listen",
            f"tcp://127.0.0.1:{port}",
            "--drop-rate",
            "0",
            "--slow-ms",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cfg = tmp_path / "agent.toml"
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp_path / "agent-state"}"\nlanguage = "vi"\n'
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


@pytest.fixture
def driver(tmp_path):
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
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path / 'chrome'}",
    ):
        opts.add_argument(flag)
    service = Service(CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    d = webdriver.Chrome(options=opts, service=service)
    d.set_page_load_timeout(30)
    yield d
    d.quit()


def test_operator_journey(broker, real_agent, make_board, web, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

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
            broker.host, broker.port, rooms=SIM_ROOMS, interval_s=30, fault_rate=0.3, keepalive_s=10
        )
    )
    fleet.start()
    try:
        _, server, _ = web(board)
        url = f"http://127.0.0.1:{server.port}/"
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )

        flaky = (StaleElementReferenceException, NoSuchElementException)
        wait = WebDriverWait(driver, 20, ignored_exceptions=flaky)

        def attr(css: str, name: str) -> str | None:
            # Read through JS: the live page re-renders, so element handles go stale.
            return driver.execute_script(
                "const e = document.querySelector(arguments[0]);"
                " return e && e.getAttribute(arguments[1]);",
                css,
                name,
            )

        def text(css: str) -> str:
            return driver.execute_script(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css
            )

        def click(css: str) -> None:
            WebDriverWait(driver, 5, ignored_exceptions=flaky).until(
                lambda d: d.find_element(By.CSS_SELECTOR, css).click() or True
            )

        def shot(name: str) -> None:
            driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))

        # 1. log in (a wrong password first: a clear message, in Vietnamese by default)
        driver.get(url)
        wait.until(ec.visibility_of_element_located((By.ID, "login-user")))
        driver.find_element(By.ID, "login-user").send_keys("op")
        driver.find_element(By.ID, "login-password").send_keys("wrong-password")
        driver.find_element(By.ID, "login-submit").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "login-error"), "sai tên đăng nhập"))
        shot("01-login-failed")
        driver.find_element(By.ID, "login-password").clear()
        driver.find_element(By.ID, "login-password").send_keys(PASSWORDS["op"])
        driver.find_element(By.ID, "login-submit").click()

        # 2. the fleet grid: every simulated room plus the real one
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".room-tile")) == SIM_ROOMS + 1)
        wait.until(
            lambda d: attr('.room-tile[data-room="son-la/xa-that"]', "data-state") == "ready"
        )
        assert "Sẵn sàng" in text('.room-tile[data-room="son-la/xa-that"]')
        shot("02-fleet")

        # 3. open the real room
        click('.room-tile[data-room="son-la/xa-that"]')
        wait.until(ec.text_to_be_present_in_element((By.ID, "room-title"), "UBND xã Chiềng Sơn"))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, '.ptz-btn[data-dir="left"]')))
        shot("03-room")

        # 4. move its camera: the real agent drives the VISCA emulator and answers
        before = board.command("check-test", "son-la/xa-that", "ptz.position", {}, "en").body[
            "result"
        ]["pan"]
        click('.ptz-btn[data-dir="left"]')
        wait.until(lambda d: attr("#ptz-result", "data-ok") in ("0", "1"))
        assert attr("#ptz-result", "data-ok") == "1", text("#ptz-result")
        after = board.command("check-test", "son-la/xa-that", "ptz.position", {}, "en").body[
            "result"
        ]["pan"]
        assert after < before  # moved left on the emulated camera
        click("#ptz-stop")
        wait.until(ec.text_to_be_present_in_element((By.ID, "ptz-result"), "ptz.stop"))

        # 5. the audit entry appears live on the room page
        wait.until(lambda d: "cmd:ptz.move" in text("#room-audit") and "op" in text("#room-audit"))
        shot("04-camera-moved-audit")

        # 6. schedule a meeting in 10 minutes: the rooms run their T-30 check at once (catch-up)
        driver.get(url + "#/meetings")
        wait.until(ec.visibility_of_element_located((By.ID, "mt-title")))
        driver.find_element(By.ID, "mt-title").send_keys("Giao ban sáng")
        driver.find_element(By.ID, "mt-id").send_keys("giao-ban")
        start = datetime.now().astimezone() + timedelta(minutes=10)
        for field, value in (("mt-start", start), ("mt-end", start + timedelta(hours=1))):
            el = driver.find_element(By.ID, field)
            driver.execute_script(
                "arguments[0].value = arguments[1]", el, value.strftime("%Y-%m-%dT%H:%M")
            )
        driver.find_element(By.ID, "mt-submit").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "mt-result"), "đã lên lịch"))

        # 7. the meeting view fills in as the pre-meeting checks arrive
        card = '.meeting-card[data-id="giao-ban"] .checked-count'
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, card)))
        shot("05-meeting-scheduled")
        first = int(attr(card, "data-checked") or 0)
        WebDriverWait(driver, 30, ignored_exceptions=flaky).until(
            lambda d: int(attr(card, "data-checked") or 0) >= SIM_ROOMS
        )
        total = int(attr(card, "data-participants") or 0)
        assert total == SIM_ROOMS + 1
        assert first < SIM_ROOMS  # it filled in while we watched
        shot("06-meeting-filled")

        # the audit log page lists both actions
        driver.get(url + "#/audit")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#audit-list tr")) >= 3)
        audit = text("#audit-list")
        assert "meeting.schedule" in audit
        assert "cmd:ptz.move" in audit
        shot("07-audit")

        # the availability report page lists every room
        driver.get(url + "#/report")
        wait.until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#report-out tr")) == SIM_ROOMS + 2
        )
        assert "UBND xã Chiềng Sơn" in text("#report-out")
        shot("08-report")

        # English is one click away
        from selenium.webdriver.support.ui import Select

        Select(driver.find_element(By.ID, "lang")).select_by_value("en")
        wait.until(ec.text_to_be_present_in_element((By.ID, "title"), "HNTH readiness board"))
        shot("09-english")
    except BaseException:
        driver.save_screenshot(str(ARTIFACTS / "failure.png"))
        print("board rooms:", board.fleet.rooms())
        print("agent log:", real_agent.read_text()[-3000:])
        raise
    finally:
        fleet.stop()
        client.stop()
