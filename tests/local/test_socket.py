"""The local socket against real Unix sockets: framing, refusals, bounds and permissions."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from agent.errors import AccessError, BusyError, InvalidArgumentError
from agent.local import DaemonNotRunning, ask, wire
from agent.local.client import DaemonError
from agent.local.server import MAX_CLIENTS, LocalServer


def handler(verb, args, peer, lang):
    if verb == "echo":
        return {"args": args, "uid": peer.uid, "pid": peer.pid, "lang": lang}
    if verb == "slow":
        time.sleep(float(args.get("s", 1)))
        return {}
    if verb == "boom":
        raise RuntimeError("kaboom")
    raise InvalidArgumentError(f"unknown {verb}", hint="try echo")


@pytest.fixture
def server(tmp_path):
    srv = LocalServer(tmp_path / "run" / "agent.sock", handler)
    srv.start()
    yield srv
    srv.stop()


def test_a_request_is_answered_with_who_asked(server):
    out = ask(server.path, "echo", {"x": "ố"}, lang="vi", timeout=5)
    assert out == {"args": {"x": "ố"}, "uid": os.getuid(), "pid": os.getpid(), "lang": "vi"}
    assert oct(server.path.stat().st_mode & 0o777) == "0o660"


def test_errors_keep_their_code_and_hint(server):
    with pytest.raises(DaemonError) as bad:
        ask(server.path, "nope", timeout=5)
    assert bad.value.code == "invalid_argument"
    assert bad.value.hint == "try echo"
    with pytest.raises(DaemonError) as boom:
        ask(server.path, "boom", timeout=5)
    assert boom.value.code == "internal"
    assert "kaboom" not in boom.value.message  # no internals to the asker


def test_garbage_and_oversized_lines_are_refused_and_the_server_lives_on(server):
    for junk in (b"\xff\xfe\n", b"[1,2]\n", b'{"verb": 5}\n', b"x" * (wire.MAX_LINE + 10) + b"\n"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(server.path))
            s.sendall(junk)
            line = s.makefile("rb").readline()
        body = wire.parse_answer(line) if line else {"ok": False}
        assert body["ok"] is False
    assert ask(server.path, "echo", timeout=5)["args"] == {}


def test_no_daemon_means_do_it_yourself(tmp_path):
    with pytest.raises(DaemonNotRunning):
        ask(tmp_path / "none.sock", "echo", timeout=1)
    stale = tmp_path / "stale.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(stale))
    s.close()  # a socket file left by a killed daemon: nobody listens
    with pytest.raises(DaemonNotRunning):
        ask(stale, "echo", timeout=1)


def test_a_stale_socket_is_replaced_but_a_live_one_is_not_taken(tmp_path, server):
    with pytest.raises(BusyError):
        LocalServer(server.path, handler).start()
    stale = tmp_path / "stale.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(stale))
    s.close()
    again = LocalServer(stale, handler)
    again.start()
    try:
        assert ask(stale, "echo", timeout=5)["args"] == {}
    finally:
        again.stop()
    assert not stale.exists()


def test_too_many_at_once_are_told_busy(server):
    threads = [
        threading.Thread(target=lambda: ask(server.path, "slow", {"s": 1.5}, timeout=10))
        for _ in range(MAX_CLIENTS)
    ]
    for th in threads:
        th.start()
    time.sleep(0.5)
    with pytest.raises(DaemonError) as busy:
        ask(server.path, "echo", timeout=5)
    assert busy.value.code == "busy"
    for th in threads:
        th.join()
    assert ask(server.path, "echo", timeout=5)["args"] == {}


def test_a_silent_daemon_times_out(server):
    from agent.errors import DeviceTimeoutError

    with pytest.raises(DeviceTimeoutError):
        ask(server.path, "slow", {"s": 2}, timeout=0.5)


def test_another_user_without_the_group_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to act as another user")
    path = tmp_path / "agent.sock"
    srv = LocalServer(path, handler)
    srv.start()
    tmp_path.chmod(0o755)
    try:
        pid = os.fork()
        if pid == 0:  # the child becomes nobody and asks
            code = 1
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                ask(path, "echo", timeout=2)
            except AccessError:
                code = 0
            except BaseException:
                code = 2
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        srv.stop()
