"""A calendar publisher on 127.0.0.1 that tests can make change, fail and come back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HTML = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>"


@dataclass
class State:
    """What the publisher serves now, and what it has seen."""

    body: bytes = b""
    etag: str = '"v0"'
    mode: str = "ok"  # ok | 404 | html | slow | big | stream | text
    delay_s: float = 3.0
    requests: list[dict[str, str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)


class CalendarServer:
    """ThreadingHTTPServer in a thread; `down()` closes the port, `up()` reopens the same one."""

    def __init__(self) -> None:
        self.state = State()
        self.port = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.up()

    @property
    def url(self) -> str:
        """The calendar's address."""
        return f"http://127.0.0.1:{self.port}/calendar/public/basic.ics"

    def publish(self, body: bytes, etag: str) -> None:
        """Serve a new version of the calendar."""
        self.state.body, self.state.etag, self.state.mode = body, etag, "ok"

    def up(self) -> None:
        """Listen (again, on the same port once it had one)."""
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                state.requests.append({k.lower(): v for k, v in self.headers.items()})
                mode = state.mode
                if mode == "slow":
                    time.sleep(state.delay_s)
                if mode == "404":
                    self._answer(404, b"Not Found", "text/plain")
                elif mode == "html":
                    self._answer(200, HTML, "text/html; charset=UTF-8")
                elif mode == "text":
                    self._answer(200, b"Calendar moved, ask the office.", "text/plain")
                elif mode == "big":
                    self._answer(
                        200, b"BEGIN:VCALENDAR\r\n" + b"X" * (50 * 1024 * 1024), "text/calendar"
                    )
                elif mode == "stream":
                    self._stream()
                elif self.headers.get("If-None-Match") == state.etag:
                    self._answer(304, b"", None)
                else:
                    self._answer(200, state.body, "text/calendar; charset=UTF-8")

            def _answer(self, code: int, body: bytes, ctype: str | None) -> None:
                state.answers.append(code)
                self.send_response(code)
                self.send_header("ETag", state.etag)
                if ctype:
                    self.send_header("Content-Type", ctype)
                if code != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if code != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _stream(self) -> None:
                # 50 MB with no Content-Length (HTTP/1.0, ended by closing): only a cap stops it.
                state.answers.append(200)
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.end_headers()
                chunk = b"BEGIN:VCALENDAR\r\n" + b"X" * (1024 * 1024)
                try:
                    for _ in range(50):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *_args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stop listening: connections are refused."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(5)

    def seen(self, header: str) -> list[str | None]:
        """The value of one request header, request by request."""
        return [r.get(header.lower()) for r in self.state.requests]


@contextmanager
def serving() -> Iterator[CalendarServer]:
    """A calendar server, stopped afterwards."""
    server = CalendarServer()
    try:
        yield server
    finally:
        server.down()
