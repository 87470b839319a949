"""The board under a simulated province: ingest rate, publish → browser-push latency and RSS.

For each N (default 217 and 2000; add 10000 if the machine allows), in one run:
- a fresh mosquitto; `hnth-agent board` as its own process; `hnth-agent sim fleet --rooms N`
  (one MQTT connection and Will per room, one readiness report every 10 s each);
- baseline: `mosquitto_sub -t hnth/#` consuming the same stream;
- ingest ratio = messages/s the board received ÷ messages/s mosquitto_sub received;
- push latency = time a browser-style SSE client gets the room update − the report's `ts`,
  against the same for mosquitto_sub (publish → subscriber), p50 and p99;
- the board process's peak RSS.

Run: .venv/bin/python bench/fleet.py [--rooms 217,2000,10000] [--seconds 30] [--json]
Goals: p99 ≤ 1 s at 2,000 rooms; ingest ≥ 0.5 × mosquitto_sub.

Burst mode (`--burst --db sqlite,postgresql`): a mosquitto at its DEFAULT limits, the board
running and ingesting (/healthz 200), then N rooms connect at once, each with its status (and
Will), meta, readiness and snapshot. Measured: lost rooms (the broker's retained statuses, read
with `mosquitto_sub --retained-only`, that the board's history never recorded), the time from
the burst until every room is recorded in the database, and the board's peak RSS. PostgreSQL is
Debian's server started for the run (initdb into a temp dir, as in the tests).
Goal: 0 lost, every room recorded within 30 s of the burst.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import psutil

HNTH = str(Path(sys.executable).parent / "hnth-agent")
TS_RE = re.compile(rb'"ts":\s*"([^"]+)"')


def ts_epoch(text: str | bytes) -> float:
    if isinstance(text, bytes):
        text = text.decode()
    return datetime.fromisoformat(text).timestamp()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


class SubBaseline:
    """mosquitto_sub on hnth/# (v2, v1): counts messages; readiness latency from receive time."""

    def __init__(self, port: int) -> None:
        self.proc = subprocess.Popen(
            ["mosquitto_sub", "-p", str(port), "-t", "hnth/#", "-q", "1", "-F", "%U\t%t\t%p"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.count = 0
        self.window: tuple[float, float] | None = None
        self.latencies: list[float] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.count += 1
            parts = line.split(b"\t", 2)
            if len(parts) == 3 and parts[1].endswith(b"/readiness") and self.window:
                got = float(parts[0])
                m = TS_RE.search(parts[2])
                if m and self.window[0] <= got <= self.window[1]:
                    self.latencies.append(got - ts_epoch(m.group(1)))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class SseClient:
    """A browser stand-in: logs in, holds /api/stream and times each new readiness it is pushed."""

    def __init__(self, port: int, user: str, password: str) -> None:
        self.port = port
        body = json.dumps({"user": user, "password": password}).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/login", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            self.cookie = r.headers["Set-Cookie"].split(";")[0]
        self.latencies: list[float] = []
        self.window: tuple[float, float] | None = None
        self.seen: dict[str, str] = {}
        self.events = 0
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/api/stream", headers={"Cookie": self.cookie})
        self.resp = self.conn.getresponse()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def health(self) -> dict[str, object]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/fleet", headers={"Cookie": self.cookie}
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["health"]

    def _read(self) -> None:
        event = ""
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "room":
                    now = time.time()
                    self.events += 1
                    d = json.loads(line[6:])
                    ts = d.get("readiness_ts")
                    if ts and self.seen.get(d["room"]) != ts:
                        self.seen[d["room"]] = ts
                        if self.window and self.window[0] <= now <= self.window[1]:
                            self.latencies.append(now - ts_epoch(ts))
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            return

    def close(self) -> None:
        self.conn.close()


def run_one(n: int, seconds: float, tmp: Path) -> dict[str, object]:
    from agent.sim.broker import Mosquitto, free_port

    broker = Mosquitto(tmp / f"broker-{n}", extra="max_queued_messages 100000\n").start()
    web_port = free_port()
    cfg = tmp / f"board-{n}.toml"
    cfg.write_text(
        f'[agent]\nstate_dir = "{tmp}/state-{n}"\n'
        f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n'
        f'[board]\ndatabase = "sqlite:///{tmp}/board-{n}.sqlite"\nlisten = "127.0.0.1:{web_port}"\n'
        "stale_after_s = 60\n",
        encoding="utf-8",
    )
    subprocess.run(
        [HNTH, "board", "--config", str(cfg), "--add-user", "bench", "--role", "viewer"],
        input="bench-password\n",
        text=True,
        check=True,
        capture_output=True,
    )
    procs: list[subprocess.Popen[bytes]] = []
    baseline = SubBaseline(broker.port)
    board_log = Path(os.environ.get("HNTH_BENCH_BOARD_LOG", os.devnull))
    with board_log.open("ab") as log_out:
        board = subprocess.Popen([HNTH, "board", "--config", str(cfg)], stderr=log_out)
    procs.append(board)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                sse = SseClient(web_port, "bench", "bench-password")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        t_start = time.monotonic()
        fleet = subprocess.Popen(
            [
                HNTH,
                "sim",
                "fleet",
                "--rooms",
                str(n),
                "--broker",
                f"127.0.0.1:{broker.port}",
                "--interval",
                "10",
                "--keepalive",
                "60",
                "--fault-rate",
                "0.1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        procs.append(fleet)
        assert fleet.stdout is not None
        fleet.stdout.readline()  # "N simulated rooms ... connected"
        connect_s = time.monotonic() - t_start
        time.sleep(12)  # one full report cycle: steady state
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # and the reconcile after the connect burst is done
            h = sse.health()
            if int(h.get("reconciles", 1)) >= 1 and not h.get("intake_queue"):
                break
            time.sleep(0.5)
        time.sleep(2)
        h0, b0, w0 = sse.health(), baseline.count, time.time()
        sse.window = baseline.window = (w0, w0 + seconds)
        bp = psutil.Process(board.pid)
        rss_peak = 0
        cpu0 = bp.cpu_times()
        while time.time() < w0 + seconds:
            rss_peak = max(rss_peak, bp.memory_info().rss)
            time.sleep(1)
        cpu1 = bp.cpu_times()
        h1, b1, w1 = sse.health(), baseline.count, time.time()
        board_rate = (int(h1["received"]) - int(h0["received"])) / (w1 - w0)
        sub_rate = (b1 - b0) / (w1 - w0)
        sse.close()
        return {
            "rooms": n,
            "connect_s": round(connect_s, 1),
            "rooms_seen": int(h1["rooms"]),
            "board_msgs_per_s": round(board_rate, 1),
            "mosquitto_sub_msgs_per_s": round(sub_rate, 1),
            "ingest_ratio": round(board_rate / sub_rate, 3) if sub_rate else None,
            "push_p50_ms": round(pct(sse.latencies, 0.5) * 1000, 1),
            "push_p99_ms": round(pct(sse.latencies, 0.99) * 1000, 1),
            "push_samples": len(sse.latencies),
            "sub_p50_ms": round(pct(baseline.latencies, 0.5) * 1000, 1),
            "sub_p99_ms": round(pct(baseline.latencies, 0.99) * 1000, 1),
            "board_rss_mb": round(rss_peak / 2**20, 1),
            "board_cpu_pct": round(
                (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / (w1 - w0) * 100, 1
            ),
            "rejected": h1["rejected"],
            "db_pending": h1["db_pending"],
            "duplicates_in_window": int(h1["duplicates"]) - int(h0["duplicates"]),
            "reconciles": h1.get("reconciles"),
            "reconciles_in_window": int(h1.get("reconciles", 0)) - int(h0.get("reconciles", 0)),
        }
    finally:
        _stop(procs)
        baseline.stop()
        broker.stop()


def _rows(db: str, sql: str) -> list[tuple[object, ...]]:
    """Rows of a query on the board's database, read straight (none before SQLite made it)."""
    if db.startswith("postgresql"):
        import psycopg

        with psycopg.connect(db, connect_timeout=5) as conn:
            return list(conn.execute(sql))
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def _recorded(db: str) -> set[str]:
    """The rooms with at least one stored status."""
    return {str(r[0]) for r in _rows(db, "SELECT DISTINCT room FROM status")}


def _retained_statuses(port: int) -> set[str]:
    """province/room of every retained v2 status the broker holds."""
    out = subprocess.run(
        ["mosquitto_sub", "-p", str(port), "-t", "hnth/v2/+/+/status", "--retained-only",
         "-W", "5", "-F", "%t"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return {"/".join(t.split("/")[2:4]) for t in out.stdout.split()}


def _metrics(web_port: int) -> dict[str, float]:
    """The board's /metrics samples without labels, by name without `hnth_board_`/`_total`."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/metrics", timeout=30) as r:
            text = r.read().decode()
    except OSError:
        return {}
    return {
        m[1]: float(m[2])
        for m in re.finditer(r"^hnth_board_(\w+?)(?:_total)? (\S+)$", text, re.MULTILINE)
    }


def _stored_twice(db: str) -> int:
    """Status rows that repeat their room's previous (state, boot_id): a room counted twice."""
    rows = _rows(db, "SELECT room, boot_id, state FROM status ORDER BY room, ts, rowid")
    return sum(1 for a, b in itertools.pairwise(rows) if a == b)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Terminate the processes, newest first; kill what does not stop within 15 s."""
    for p in reversed(procs):
        p.terminate()
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_burst(
    n: int, db_kind: str, tmp: Path, pg: object | None, boards: int = 1
) -> dict[str, object]:
    """N rooms connect at once to a default mosquitto while the board(s) run; count what is lost.

    `boards` > 1: that many board processes on one PostgreSQL sharing the ingest.
    """
    from agent.sim.broker import Mosquitto, free_port

    broker = Mosquitto(tmp / f"burst-{db_kind}-{n}-{boards}").start()  # default limits
    if db_kind == "postgresql":
        db = pg.new_database()  # type: ignore[union-attr]
        url = db
    else:
        db = str(tmp / f"burst-{n}.sqlite")
        url = f"sqlite:///{db}"
    procs: list[subprocess.Popen[bytes]] = []
    ports = [free_port() for _ in range(boards)]
    board_log = Path(os.environ.get("HNTH_BENCH_BOARD_LOG", os.devnull))
    for i, port in enumerate(ports):
        cfg = tmp / f"burst-{db_kind}-{n}-{boards}-{i}.toml"
        share = f'share_ingest = "bench"\nclient_id = "hnth-board-{i}"\n' if boards > 1 else ""
        cfg.write_text(
            f'[agent]\nstate_dir = "{tmp}/burst-state-{n}-{i}"\n'
            f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n'
            f'[board]\ndatabase = "{url}"\nlisten = "127.0.0.1:{port}"\n{share}',
            encoding="utf-8",
        )
        with board_log.open("ab") as log_out:
            procs.append(subprocess.Popen([HNTH, "board", "--config", str(cfg)], stderr=log_out))
    web_port = ports[0]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while True:  # ingesting, with a database that answers
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        bps = [psutil.Process(p.pid) for p in procs]
        bp = bps[0]
        t0 = time.monotonic()
        fleet = subprocess.Popen(
            [HNTH, "sim", "fleet", "--rooms", str(n), "--broker", f"127.0.0.1:{broker.port}",
             "--interval", "60", "--keepalive", "60", "--fault-rate", "0.1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        procs.append(fleet)
        assert fleet.stdout is not None
        fleet.stdout.readline()  # "N simulated rooms ... connected"
        connect_s = time.monotonic() - t0
        rss_peak, all_at, seen, told = 0, None, set(), 0.0
        while time.monotonic() - t0 < connect_s + 120:  # "lost" must mean lost, not late
            rss_peak = max(rss_peak, *(b.memory_info().rss for b in bps))
            seen = _recorded(db)
            if len(seen) >= n:
                all_at = time.monotonic() - t0
                break
            if time.monotonic() - told >= 5:  # progress, on stderr
                told = time.monotonic()
                m = _metrics(web_port)
                print(
                    f"  {told - t0:5.1f} s: {len(seen)}/{n} rooms recorded; board received"
                    f" {m.get('messages_received', 0):.0f}, queue {m.get('ingest_queue', 0):.0f},"
                    f" db pending {m.get('db_pending', 0):.0f}, cpu {bp.cpu_percent():.0f} %",
                    file=sys.stderr,
                    flush=True,
                )
            time.sleep(0.5)
        retained = _retained_statuses(broker.port)
        time.sleep(2)
        seen = _recorded(db)
        rss_peak = max(rss_peak, *(b.memory_info().rss for b in bps))
        counters = _metrics(web_port)
        stored = [_metrics(port).get("messages_stored", 0.0) for port in ports]
        log = broker.log_path.read_text(encoding="utf-8", errors="replace")
        return {
            "rooms": n,
            "db": db_kind,
            "boards": boards,
            "stored_by_board": stored if boards > 1 else None,
            "stored_twice": _stored_twice(db),
            "connect_s": round(connect_s, 1),
            "retained_statuses": len(retained),
            "recorded": len(seen),
            "lost": len(retained - seen),
            "all_recorded_s": round(all_at, 1) if all_at is not None else None,
            "board_rss_mb": round(rss_peak / 2**20, 1),
            "board_received": counters.get("messages_received"),
            "board_rejected": counters.get("messages_rejected"),
            "board_db_errors": counters.get("db_errors"),
            "broker_drop_lines": log.count("dropped"),
            "broker_drops": [x for x in log.splitlines() if "dropped" in x][:3],
        }
    finally:
        _stop(procs)
        broker.stop()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rooms", default="217,2000")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--burst", action="store_true", help="the burst run (see above)")
    ap.add_argument("--db", default="sqlite,postgresql", help="burst: the databases to run on")
    ap.add_argument(
        "--boards",
        type=int,
        default=1,
        help="burst: board processes sharing the ingest (more than 1: PostgreSQL only)",
    )
    args = ap.parse_args()
    os.environ.pop("HNTH_AGENT_CONFIG", None)
    results = []
    if args.burst:
        burst(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.rooms.split(",")):
            r = run_one(n, args.seconds, Path(tmp))
            results.append(r)
            if not args.json:
                print(
                    f"{n:>6} rooms: ingest {r['board_msgs_per_s']}/s"
                    f" vs mosquitto_sub {r['mosquitto_sub_msgs_per_s']}/s"
                    f" (ratio {r['ingest_ratio']}); push p50 {r['push_p50_ms']} ms"
                    f" p99 {r['push_p99_ms']} ms (mosquitto_sub p50 {r['sub_p50_ms']}"
                    f" p99 {r['sub_p99_ms']}); board RSS {r['board_rss_mb']} MB,"
                    f" CPU {r['board_cpu_pct']} %; connect {r['connect_s']} s",
                    flush=True,
                )
    if args.json:
        print(json.dumps(results, indent=2))


def burst(args: argparse.Namespace) -> None:
    kinds = args.db.split(",")
    pg = None
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if "postgresql" in kinds:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from tests.fixtures.postgres import Postgres, need_postgres

            pg = Postgres(Path(tempfile.mkdtemp(prefix="hnth-pg-")), need_postgres())
            pg.init()
            pg.start()
        try:
            for n in (int(x) for x in args.rooms.split(",")):
                for kind in kinds:
                    if args.boards > 1 and kind != "postgresql":
                        continue  # boards sharing the ingest need a shared database
                    r = run_burst(n, kind, Path(tmp), pg, args.boards)
                    results.append(r)
                    if not args.json:
                        print(
                            f"{n:>6} rooms on {kind} ({args.boards} board(s)): {r['lost']} lost of"
                            f" {r['retained_statuses']} retained statuses ({r['recorded']}"
                            f" recorded); all recorded after {r['all_recorded_s']} s"
                            f" (connect {r['connect_s']} s); board RSS {r['board_rss_mb']} MB;"
                            f" received {r['board_received']}, rejected {r['board_rejected']},"
                            f" db errors {r['board_db_errors']}; broker drop lines"
                            f" {r['broker_drop_lines']}; status rows stored twice"
                            f" {r['stored_twice']}"
                            + (
                                f"; stored by each board {r['stored_by_board']}"
                                if args.boards > 1
                                else ""
                            ),
                            flush=True,
                        )
        finally:
            if pg is not None:
                pg.stop()
                import shutil

                shutil.rmtree(pg.root, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
