"""docs/nginx/hnth-board.conf on a real nginx, in front of two plain HTTP upstreams.

The file is included, as Debian's nginx.conf includes conf.d/*.conf, into a small main config in
a temp prefix (`nginx -p DIR -c CONF -e stderr`: no root, no /etc/nginx). Only the listen ports,
the upstream addresses and the certificate and log paths are changed (IPv6 listens are dropped,
since a test machine may have no IPv6). The upstreams stand in for two boards: each answers with
its name and records the headers nginx passed, and `/api/stream` writes one event, then waits.
The last test puts two real boards (web servers on one history) behind it instead.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent import config as config_mod
from agent import programs
from agent.config_fields import section
from agent.sim.broker import Pki, free_port
from central.config import BoardConfig
from tests.central.conftest import PASSWORDS
from tests.fixtures.common import need_program

DOCS = Path(__file__).resolve().parents[2] / "docs"
SITE = DOCS / "nginx" / "hnth-board.conf"
GUIDE = DOCS / "deployment.md"

# The parts of Debian 12's /etc/nginx/nginx.conf that the site's directives could clash with.
MAIN = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr notice;
daemon off;
events {{ worker_connections 128; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {dir}/access.log;
    gzip on;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    include {dir}/conf.d/*.conf;
}}
"""


# ---------------------------------------------------------------- the rig


@dataclass
class Upstream:
    """One stand-in board: a threaded HTTP server that records what it was sent."""

    name: str
    server: ThreadingHTTPServer
    seen: list[dict[str, str]] = field(default_factory=list)
    sick: bool = False  # answer 503, as a board whose broker or database is down
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def stop(self) -> None:
        """Stop serving and close the listening socket: new connections are refused."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def start_upstream(name: str) -> Upstream:
    """Serve on a free loopback port, on a daemon thread."""
    up: Upstream

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive to nginx, as uvicorn does

        def do_GET(self) -> None:
            up.seen.append(dict(self.headers) | {"path": self.path})
            if self.path == "/api/stream":
                self._stream()
                return
            status = 503 if up.sick else 200
            body = f"{up.name}\n".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self.wfile.write(f"event: hello\ndata: {up.name}\n\n".encode())
            self.wfile.flush()
            up.release.wait(10)  # the second event only once the test has read the first
            self.wfile.write(b"event: bye\ndata: 2\n\n")

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    up = Upstream(name, server)
    threading.Thread(target=server.serve_forever, name=f"upstream-{name}", daemon=True).start()
    return up


@dataclass
class Nginx:
    """The running nginx: where to reach it and how to ask it."""

    dir: Path
    https_port: int
    http_port: int
    ca: Path
    proc: subprocess.Popen[bytes] | None = None

    def get(self, path: str, **headers: str) -> tuple[int, str, dict[str, str]]:
        """GET over HTTPS (verified against the test CA); return status, body and headers."""
        return self.request("GET", path, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        """One HTTPS request on a new connection; the headers come back lower-cased."""
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, timeout=10, context=self.tls()
        )
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read().decode(), {k.lower(): v for k, v in r.getheaders()}
        finally:
            conn.close()

    def tls(self) -> ssl.SSLContext:
        """A client context trusting only the test CA."""
        return ssl.create_default_context(cafile=str(self.ca))

    def log(self) -> str:
        """What nginx wrote to stderr."""
        return (self.dir / "nginx.err").read_text(encoding="utf-8", errors="replace")


def site_text(upstream: list[str], https_port: int, http_port: int, pki: Pki, d: Path) -> str:
    """The shipped site with ports, upstreams, certificates and logs moved to the test's."""
    text = SITE.read_text(encoding="utf-8")
    servers = re.findall(r"^\s*server (\S+) max_fails", text, flags=re.MULTILINE)
    assert len(servers) == len(upstream) == 2, servers
    changes = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/hnth/board.crt": str(pki.server_cert),
        "/etc/ssl/hnth/board.key": str(pki.server_key),
        "/var/log/nginx/": f"{d}/",
    }
    changes |= {
        f"server {old} ": f"server {new} " for old, new in zip(servers, upstream, strict=True)
    }
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return "\n".join(line for line in text.splitlines() if "listen [::]" not in line) + "\n"


def write_prefix(d: Path, site: str) -> Path:
    """The temp prefix: main config, conf.d/hnth-board.conf and temp folders; return the main."""
    (d / "conf.d").mkdir(parents=True)
    (d / "tmp").mkdir()
    (d / "conf.d" / "hnth-board.conf").write_text(site, encoding="utf-8")
    # Run as root (this VM), nginx would switch its workers to an unprivileged user, who could
    # not enter pytest's 0700 temp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = d / "nginx.conf"
    main.write_text(MAIN.format(dir=d, user=user), encoding="utf-8")
    return main


def nginx_options(d: Path, main: Path) -> list[str]:
    """nginx's options: its prefix, config and error log in `d`."""
    return ["-p", f"{d}/", "-c", str(main), "-e", "stderr"]


@pytest.fixture
def upstreams() -> Iterator[list[Upstream]]:
    """Two stand-in boards, stopped at teardown."""
    ups = [start_upstream("board-a"), start_upstream("board-b")]
    yield ups
    for up in ups:
        with contextlib.suppress(OSError):
            up.stop()


@contextlib.contextmanager
def running_nginx(d: Path, pki: Pki, upstream: list[str]) -> Iterator[Nginx]:
    """The shipped site on a real nginx in front of `upstream` (host:port each); stopped after."""
    need_program("nginx")
    n = Nginx(d, free_port(), free_port(), pki.ca)
    main = write_prefix(d, site_text(upstream, n.https_port, n.http_port, pki, d))
    with (d / "nginx.err").open("wb") as err:
        exe = programs.require("nginx")
        n.proc = subprocess.Popen(
            [exe, *nginx_options(d, main)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            assert n.proc.poll() is None, f"nginx exited: {n.log()}"
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", n.https_port), 0.2),
            ):
                break
            assert time.monotonic() < deadline, f"nginx did not listen: {n.log()}"
            time.sleep(0.05)
        yield n
    finally:
        n.proc.terminate()
        try:
            n.proc.wait(10)
        except subprocess.TimeoutExpired:
            n.proc.kill()
            n.proc.wait(10)


@pytest.fixture
def nginx(tmp_path: Path, pki: Pki, upstreams: list[Upstream]) -> Iterator[Nginx]:
    """The shipped site on a real nginx, in front of the two stand-in boards."""
    with running_nginx(tmp_path / "nginx", pki, [up.address for up in upstreams]) as n:
        yield n


# ---------------------------------------------------------------- the tests


def test_nginx_accepts_the_site(tmp_path, pki, upstreams):
    need_program("nginx")
    d = tmp_path / "nginx"
    main = write_prefix(
        d, site_text([up.address for up in upstreams], free_port(), free_port(), pki, d)
    )
    exe = programs.require("nginx")
    proc = subprocess.run(
        [exe, *nginx_options(d, main), "-t"], capture_output=True, timeout=30, check=False
    )
    out = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, out
    assert "syntax is ok" in out
    assert "test is successful" in out
    assert "warn" not in out, out


def test_requests_are_balanced_and_carry_the_client(nginx, upstreams):
    names = [nginx.get("/api/fleet")[1].strip() for _ in range(10)]
    assert sorted(set(names)) == ["board-a", "board-b"]
    assert abs(names.count("board-a") - names.count("board-b")) <= 2, names
    h = upstreams[0].seen[-1]
    # What the board needs from its proxy: the Origin check, the sign-in throttle, Secure cookies.
    assert h["Host"] == f"127.0.0.1:{nginx.https_port}"
    assert h["X-Forwarded-Proto"] == "https"
    assert h["X-Forwarded-For"] == "127.0.0.1"
    status, _, headers = nginx.get("/")
    assert status == 200
    assert headers["strict-transport-security"].startswith("max-age=")


def test_a_client_cannot_choose_its_forwarded_address(nginx, upstreams):
    nginx.get("/", **{"X-Forwarded-For": "10.9.9.9"})
    seen = [h for up in upstreams for h in up.seen]
    assert seen[-1]["X-Forwarded-For"] == "127.0.0.1"


def test_one_board_down_still_serves_everything(nginx, upstreams):
    upstreams[0].stop()  # refused from now on, as a board whose process died
    for _ in range(10):
        status, body, _ = nginx.get("/api/fleet")
        assert (status, body.strip()) == (200, "board-b")


def test_a_board_answering_503_is_passed_over(nginx, upstreams):
    upstreams[1].sick = True
    for _ in range(6):
        status, body, _ = nginx.get("/api/fleet")
        assert (status, body.strip()) == (200, "board-a")


def test_plain_http_redirects_to_https(nginx):
    conn = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    conn.request("GET", "/api/fleet")
    r = conn.getresponse()
    assert r.status == 301
    assert r.getheader("Location") == "https://127.0.0.1/api/fleet"
    conn.close()


def test_the_live_stream_is_not_buffered(nginx, upstreams):
    conn = http.client.HTTPSConnection(
        "127.0.0.1", nginx.https_port, timeout=5, context=nginx.tls()
    )
    try:
        conn.request("GET", "/api/stream", headers={"Accept": "text/event-stream"})
        r = conn.getresponse()
        assert r.status == 200
        assert r.getheader("Content-Type") == "text/event-stream"
        # The first event arrives while the board still holds the stream open.
        assert r.readline() == b"event: hello\n"
        assert r.readline().startswith(b"data: board-")
        assert not any(up.release.is_set() for up in upstreams)
        for up in upstreams:
            up.release.set()
        rest = r.read()
        assert b"event: bye" in rest
    finally:
        conn.close()


def test_health_and_metrics_are_for_allowed_hosts_only():
    text = SITE.read_text(encoding="utf-8")
    block = text[text.index("location ~ ^/(healthz|metrics)$") :]
    block = block[: block.index("}")]
    assert "deny all;" in block
    assert "allow 127.0.0.1;" in block


def test_the_guides_board_configs_load_and_match_the_site(tmp_path):
    """docs/deployment.md's board.toml, as web1 and as web2, is valid and fits the nginx file."""
    guide = GUIDE.read_text(encoding="utf-8")
    toml = re.search(r"```toml\n(.*?)```", guide, flags=re.DOTALL)
    assert toml is not None
    web1 = toml.group(1)
    web2 = web1.replace('"10.20.0.11:8080"', '"10.20.0.12:8080"', 1)
    web2 = web2.replace('"hnth-board-a"', '"hnth-board-b"', 1)
    boards = []
    for name, text in (("web1", web1), ("web2", web2)):
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        cfg = config_mod.load(str(path))
        assert cfg.mqtt.username == "central"  # the ACL's account, not the client id
        boards.append(section(cfg, "board", BoardConfig))
    a, b = boards
    assert a.database == b.database
    assert a.database.startswith("postgresql://")  # share_ingest is refused on SQLite
    assert a.share_ingest == b.share_ingest != ""
    assert a.client_id != b.client_id
    assert a.behind_tls_proxy
    assert b.behind_tls_proxy
    site = SITE.read_text(encoding="utf-8")
    upstream = re.findall(r"^\s*server (\S+) max_fails", site, flags=re.MULTILINE)
    assert upstream == [a.listen, b.listen]
    # The boards must trust nginx's forwarded headers: FORWARDED_ALLOW_IPS is the proxy's address.
    proxy = re.search(r"FORWARDED_ALLOW_IPS=(\S+)", guide)
    assert proxy is not None
    assert f"nginx (proxy, {proxy.group(1)})" in guide


# ---------------------------------------------------------------- real boards behind the site


@pytest.fixture
def two_boards(tmp_path: Path) -> Iterator[list[str]]:
    """Two real boards' web servers on one history (as two hosts on one database): host:port."""
    from central.auth import Role
    from central.service import Board
    from central.store import open_store
    from central.web.server import WebServer

    url = f"sqlite:///{tmp_path}/shared.sqlite"
    cfg = BoardConfig(behind_tls_proxy=True)  # cookie_secure stays true: nginx speaks HTTPS
    boards: list[Board] = []
    servers: list[WebServer] = []
    try:
        for _ in range(2):
            board = Board(cfg, open_store(url, str(tmp_path)))
            boards.append(board)
            server = WebServer(board, "127.0.0.1", 0)
            server.start()
            servers.append(server)
        boards[0].users.add("op", Role.OPERATOR, PASSWORDS["op"])
        yield [f"127.0.0.1:{s.port}" for s in servers]
    finally:
        for s in servers:
            s.stop()
        for b in boards:
            b.stop()
            b.store.close()


def test_real_boards_behind_the_site(tmp_path, pki, two_boards):
    """Sign in once through nginx; both boards honour it; writes pass the Origin check."""
    with running_nginx(tmp_path / "nginx", pki, two_boards) as n:
        origin = f"https://127.0.0.1:{n.https_port}"
        login = json.dumps({"user": "op", "password": PASSWORDS["op"]}).encode()
        status, body, h = n.request(
            "POST", "/api/login", login, {"Content-Type": "application/json", "Origin": origin}
        )
        assert status == 200, body
        assert "secure" in h["set-cookie"].lower()
        auth = {"Cookie": h["set-cookie"].split(";", 1)[0]}
        csrf = json.loads(body)["csrf"]

        # Two live streams: least_conn puts the second on the other board, and both accept
        # the one sign-in (sessions are in the shared database).
        streams = [open_stream(n, auth) for _ in range(2)]
        try:
            live = [board_metric(addr, "hnth_board_live_clients") for addr in two_boards]
            assert live == [1, 1]
            for _ in range(4):
                assert n.get("/api/me", **auth)[0] == 200
            # A write from the page: Origin must equal the Host the board sees, port included.
            write = auth | {"Origin": origin, "X-CSRF-Token": csrf}
            write["Content-Type"] = "application/json"
            command = json.dumps({"verb": "check"}).encode()
            path = "/api/rooms/son-la/nowhere/command"
            status, body, _ = n.request("POST", path, command, write)
            assert (status, json.loads(body)["error"]["code"]) != (403, "csrf"), body
            assert status == 400, body  # past the guard: the room is unknown
            status, body, _ = n.request(
                "POST", path, command, write | {"Origin": "https://evil.example"}
            )
            assert (status, json.loads(body)["error"]["code"]) == (403, "csrf"), body
        finally:
            for conn in streams:
                conn.close()


def open_stream(n: Nginx, headers: dict[str, str]) -> http.client.HTTPSConnection:
    """Open /api/stream through nginx and read up to its first event; return the connection."""
    conn = http.client.HTTPSConnection("127.0.0.1", n.https_port, timeout=10, context=n.tls())
    conn.request("GET", "/api/stream", headers=headers | {"Accept": "text/event-stream"})
    r = conn.getresponse()
    assert r.status == 200, r.read()
    lines = [r.readline() for _ in range(3)]
    assert lines == [b"retry: 2000\n", b"\n", b"event: hello\n"], lines
    return conn


def board_metric(address: str, name: str) -> float:
    """One value of a board's /metrics, read directly (as Prometheus does, not through nginx)."""
    conn = http.client.HTTPConnection(*address.split(":"), timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in {address}/metrics")
