"""The board's page under a simulated province: what the browser spends on live updates.

One run, for N rooms (default 2000): a fresh mosquitto, the board (Board + its web server, in
this process), `sim fleet` with N rooms in this process (one MQTT connection and Will per
room, one readiness report per room every --interval s, 10 % faults), and Debian's headless
Chromium (Selenium) on the fleet view at 1600x1000. Measured, after the fleet has connected:

- sign-in to full grid: from pressing "Đăng nhập" until N tiles are on the page;
- browser time per live update: the page's own timer around each applied batch
  (`window.__board.ms / updates`), over --seconds of steady state;
- share of tiles re-rendered per update: tiles rebuilt ÷ (updates × N); the goal is only those
  that changed (about rooms-changed-per-batch ÷ N);
- for comparison, the share a full rebuild would cost (1.0) and the rooms that did change.

Run: .venv/bin/python bench/board_ui.py [--rooms 2000] [--seconds 30] [--interval 10] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

from agent.config import Config, MqttConfig, finalize
from agent.sim.broker import Mosquitto
from agent.sim.fleet import Fleet, FleetSettings
from central.auth import Role
from central.config import BoardConfig
from central.link import connect, settings_for
from central.service import Board
from central.store import open_store
from central.web.server import WebServer

PASSWORD = "bench-password-1"


def chrome(tmp: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--window-size=1600,1000",
        f"--user-data-dir={tmp / 'chrome'}",
    ):
        opts.add_argument(flag)
    return webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))


def run(rooms: int, seconds: float, interval: float) -> dict[str, float]:
    """Measure one size; return the figures."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        broker = Mosquitto(tmp / "broker")
        broker.start()
        store = open_store(f"sqlite:///{tmp}/board.sqlite", str(tmp))
        board = Board(dataclasses.replace(BoardConfig(cookie_secure=False)), store)
        board.users.add("bench", Role.VIEWER, PASSWORD)
        board.start()
        mqtt = finalize(Config(mqtt=MqttConfig(host=broker.host, port=broker.port)))
        client = connect(board, settings_for(mqtt, "board-bench"))
        fleet = Fleet(
            FleetSettings(
                broker.host, broker.port, rooms=rooms, interval_s=interval, fault_rate=0.1
            )
        )
        server = WebServer(board, "127.0.0.1", 0)
        driver = None
        try:
            fleet.start()
            server.start()
            deadline = time.monotonic() + 120
            while len(board.fleet.rooms()) < rooms and time.monotonic() < deadline:
                time.sleep(0.5)
            driver = chrome(tmp)
            wait = WebDriverWait(driver, 120)
            driver.get(f"http://127.0.0.1:{server.port}/")
            wait.until(lambda d: d.find_element(By.ID, "login-user").is_displayed())
            driver.find_element(By.ID, "login-user").send_keys("bench")
            driver.find_element(By.ID, "login-password").send_keys(PASSWORD)
            t0 = time.monotonic()
            driver.find_element(By.ID, "login-submit").click()
            wait.until(
                lambda d: (
                    d.execute_script("return document.querySelectorAll('.room-tile').length")
                    >= rooms
                )
            )
            sign_in_s = time.monotonic() - t0
            time.sleep(2)  # let the first batches after sign-in pass
            before = driver.execute_script("return Object.assign({}, window.__board)")
            received = board.fleet.stats.ingested
            time.sleep(seconds)
            after = driver.execute_script("return Object.assign({}, window.__board)")
            messages = board.fleet.stats.ingested - received
            updates = after["updates"] - before["updates"]
            rendered = after["rendered"] - before["rendered"]
            ms = after["ms"] - before["ms"]
            return {
                "rooms": rooms,
                "seconds": seconds,
                "sign_in_to_full_grid_s": round(sign_in_s, 2),
                "updates": updates,
                "updates_per_s": round(updates / seconds, 2),
                "ms_per_update": round(ms / updates, 2) if updates else float("nan"),
                "tiles_rendered_per_update": round(rendered / updates, 1) if updates else 0.0,
                "share_rendered": round(rendered / (updates * rooms), 4) if updates else 0.0,
                "messages_ingested_per_s": round(messages / seconds, 1),
            }
        finally:
            if driver is not None:
                driver.quit()
            server.stop()
            fleet.stop()
            client.stop()
            board.stop()
            store.close()
            broker.stop()


def main() -> int:
    """Parse the options, run, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rooms", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    figures = run(args.rooms, args.seconds, args.interval)
    if args.json:
        print(json.dumps(figures))
    else:
        for k, v in figures.items():
            print(f"{k:>28}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
