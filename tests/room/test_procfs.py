"""procfs: real children holding real files, ptys and sockets; kernel-shaped /proc/asound trees."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.room import procfs
from agent.room.procfs import Pcm, Process

# Each child opens the files named in argv, says so, and holds them until its stdin closes.
HOLD = """
import sys
held = [open(p, "rb") for p in sys.argv[1:]]
print("ready", flush=True)
sys.stdin.read()
"""
# A child that starts a grandchild, names it, and reaps it when its own stdin closes.
PARENT = """
import subprocess, sys
gc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                      stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
print(gc.pid, flush=True)
sys.stdin.read()
gc.stdin.close()
gc.wait()
"""
# A child with a UDP socket connected to argv[1]:argv[2]; it says its local port.
UDP_CLIENT = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((sys.argv[1], int(sys.argv[2])))
print(s.getsockname()[1], flush=True)
sys.stdin.read()
"""
EXE = Path(sys.executable).name
MODULE = Path(procfs.__file__).resolve()
STATUS_RUNNING = b"""state: RUNNING
owner_pid   : 1234
trigger_time: 5186.392741548
tstamp      : 5190.394532046
delay       : 1024
avail       : 0
avail_max   : 1024
-----
hw_ptr      : 192512
appl_ptr    : 193536
"""
CARDS = b""" 0 [PCH            ]: HDA-Intel - HDA Intel PCH
                      HDA Intel PCH at 0xf7f10000 irq 32
 1 [Device         ]: USB-Audio - USB Audio Device
                      C-Media Electronics Inc. USB Audio Device at usb-0000:00:14.0-2, full speed
"""
USB_LONG_NAME = "C-Media Electronics Inc. USB Audio Device at usb-0000:00:14.0-2, full speed"
TCP_HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
    "   uid  timeout inode\n"
)


class Children:
    """Python children started by a test; every one is stopped and reaped afterwards."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self,
        code: str,
        *args: str,
        comm: str | None = None,
        argv0: str | None = None,
        pass_fds: tuple[int, ...] = (),
    ) -> tuple[subprocess.Popen[str], str]:
        """Start a child (its comm set by prctl when asked); return it and its first line."""
        if comm is not None:
            code = f"import ctypes\nctypes.CDLL(None).prctl(15, {comm.encode()!r}, 0, 0, 0)\n{code}"
        child = subprocess.Popen(
            [argv0 or sys.executable, "-c", code, *args],
            executable=sys.executable,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            pass_fds=pass_fds,
        )
        self.started.append(child)
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line, f"child {child.pid} died before it was ready (rc {child.poll()})"
        return child, line

    @staticmethod
    def stop(child: subprocess.Popen[str]) -> None:
        """Close its stdin (it exits by itself), kill it if it does not; reap it."""
        if child.stdin is not None and not child.stdin.closed:
            child.stdin.close()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=5)
        if child.stdout is not None:
            child.stdout.close()


@pytest.fixture
def children() -> Iterator[Children]:
    kids = Children()
    try:
        yield kids
    finally:
        for child in kids.started:
            kids.stop(child)


def pids(scan: procfs.Scan, path: object) -> list[int]:
    return [p.pid for p in scan.holders[str(path)]]


def inode(sock: socket.socket) -> int:
    return os.fstat(sock.fileno()).st_ino


def ours(found: tuple[procfs.Socket, ...], *socks: socket.socket) -> list[procfs.Socket]:
    inodes = {inode(s) for s in socks}
    return [s for s in found if s.inode in inodes]


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


# ---------------------------------------------------------------- holders


def test_holders_names_the_child_holding_a_plain_file(tmp_path, children):
    f = tmp_path / "plain"
    f.write_bytes(b"x")
    child, _ = children.start(HOLD, str(f), comm="hnth-holder")
    scan = procfs.holders([str(f)])
    assert scan.holders[str(f)] == (Process(child.pid, "hnth-holder", EXE, os.getuid()),)


def test_holders_matches_through_symlinks_both_ways(tmp_path, children):
    f = tmp_path / "target"
    f.write_bytes(b"x")
    link = tmp_path / "by-id-link"
    link.symlink_to(f)
    via_link, _ = children.start(HOLD, str(link))
    direct, _ = children.start(HOLD, str(f))
    scan = procfs.holders([str(link), str(f)])
    assert sorted(pids(scan, link)) == sorted([via_link.pid, direct.pid])
    assert sorted(pids(scan, f)) == sorted([via_link.pid, direct.pid])


def test_holders_matches_a_hard_link_by_inode(tmp_path, children):
    f = tmp_path / "one-name"
    f.write_bytes(b"x")
    other = tmp_path / "other-name"
    other.hardlink_to(f)
    child, _ = children.start(HOLD, str(f))
    scan = procfs.holders([str(other), str(f)])
    assert pids(scan, other) == [child.pid]
    assert pids(scan, f) == [child.pid]


def test_holders_finds_a_pty_slave_by_its_node_and_a_symlink(tmp_path, children):
    master, slave = os.openpty()
    try:
        node = os.ttyname(slave)
        child, _ = children.start(HOLD, comm="hnth-pty", pass_fds=(slave,))
        os.close(slave)
        slave = -1
        link = tmp_path / "serial-by-id"
        link.symlink_to(node)
        scan = procfs.holders([node, str(link)])
        assert pids(scan, node) == [child.pid]
        assert pids(scan, link) == [child.pid]
        assert scan.holders[node][0].name == "hnth-pty"
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def test_exclude_leaves_those_processes_out(tmp_path, children):
    f = tmp_path / "shared"
    f.write_bytes(b"x")
    first, _ = children.start(HOLD, str(f))
    second, _ = children.start(HOLD, str(f))
    assert sorted(pids(procfs.holders([str(f)]), f)) == sorted([first.pid, second.pid])
    assert pids(procfs.holders([str(f)], exclude=[first.pid]), f) == [second.pid]
    assert pids(procfs.holders([str(f)], exclude={first.pid, second.pid}), f) == []


def test_a_process_that_exits_is_no_longer_a_holder(tmp_path, children):
    f = tmp_path / "brief"
    f.write_bytes(b"x")
    child, _ = children.start(HOLD, str(f))
    assert pids(procfs.holders([str(f)]), f) == [child.pid]
    children.stop(child)
    assert pids(procfs.holders([str(f)]), f) == []
    assert procfs.process(child.pid) is None


def test_a_deleted_file_still_held_is_reported_until_its_name_is_reused(tmp_path, children):
    f = tmp_path / "doomed"
    f.write_bytes(b"x")
    child, _ = children.start(HOLD, str(f))
    f.unlink()
    assert str(Path(f"/proc/{child.pid}/fd/3").readlink()).endswith(" (deleted)")
    assert pids(procfs.holders([str(f)]), f) == [child.pid]
    # A new file under the old name is another file: nobody holds it.
    f.write_bytes(b"new")
    assert pids(procfs.holders([str(f)]), f) == []


def test_an_unlinked_name_with_a_surviving_hard_link_matches_the_link(tmp_path, children):
    f = tmp_path / "first"
    f.write_bytes(b"x")
    survivor = tmp_path / "survivor"
    survivor.hardlink_to(f)
    child, _ = children.start(HOLD, str(f))
    f.unlink()
    assert pids(procfs.holders([str(survivor)]), survivor) == [child.pid]


def test_paths_nobody_holds_map_to_empty(tmp_path):
    idle = tmp_path / "idle"
    idle.write_bytes(b"x")
    scan = procfs.holders([str(tmp_path / "missing"), str(idle)])
    assert scan.holders == {str(tmp_path / "missing"): (), str(idle): ()}


def test_a_scan_skips_vanished_processes_and_unreadable_entries(tmp_path):
    """A /proc shaped like one mid-race: no fd dir, fd as a file, a dangling fd link."""
    proc = tmp_path / "proc"
    (proc / "100").mkdir(parents=True)  # exited between listing /proc and reading it
    (proc / "101" / "fd").mkdir(parents=True)
    (proc / "101" / "comm").write_text("fakecam\n")
    (proc / "101" / "cmdline").write_bytes(b"/usr/bin/fake-cam\0--device\0")
    (proc / "101" / "status").write_text("Name:\tfakecam\nUid:\t1000\t1000\t1000\t1000\n")
    (proc / "101" / "fd" / "3").symlink_to("/dev/hnth-video9")
    (proc / "101" / "fd" / "4").symlink_to("/tmp/hnth-gone-file (deleted)")
    (proc / "102").mkdir()
    (proc / "102" / "fd").write_text("")  # not a directory
    (proc / "self").mkdir()
    scan = procfs.holders(["/dev/hnth-video9", "/tmp/hnth-gone-file", "/dev/null"], proc=proc)
    assert scan.holders == {
        "/dev/hnth-video9": (Process(101, "fakecam", "fake-cam", 1000),),
        "/tmp/hnth-gone-file": (Process(101, "fakecam", "fake-cam", 1000),),
        "/dev/null": (),
    }
    assert scan.unreadable == 0
    assert procfs.process(100, proc=proc) is None
    assert procfs.family(100, proc=proc) == {100}


NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def test_unprivileged_user_sees_its_own_fds_and_counts_the_rest(tmp_path):
    """As nobody: own fds readable, root's fd dirs counted, root's comm and sockets visible."""
    if os.geteuid() != 0:
        pytest.skip("needs root to start a child as another user")
    script = f"""
import importlib.util, json, os, sys, tempfile
spec = importlib.util.spec_from_file_location("procfs", {str(MODULE)!r})
mod = importlib.util.module_from_spec(spec)
sys.modules["procfs"] = mod
spec.loader.exec_module(mod)
with tempfile.NamedTemporaryFile() as f:
    scan = mod.holders([f.name])
    held = [p.pid for p in scan.holders[f.name]]
root = mod.process({os.getpid()})
socks = [[s.inode, s.pid] for s in mod.sockets_to(["127.0.0.1"])]
print(json.dumps({{"me": os.getpid(), "held": held, "unreadable": scan.unreadable,
                   "root": [root.name, root.uid] if root else None, "socks": socks}}))
"""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        server.bind(("127.0.0.1", 0))
        client.connect(server.getsockname())
        client_inode = inode(client)
        try:
            # setpriv, not subprocess's user=: the latter cannot exec this venv's interpreter here.
            run = subprocess.run(
                [*NOBODY, sys.executable, "-c", script],
                cwd="/",
                env={**os.environ, "TMPDIR": "/tmp"},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except OSError:
            pytest.skip("this interpreter lives where nobody may not go")
    finally:
        client.close()
        server.close()
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["held"] == [seen["me"]]
    assert seen["unreadable"] >= 1  # this test's process, at least
    own_comm = Path("/proc/self/comm").read_text().strip()
    assert seen["root"] == [own_comm, os.getuid()]
    assert [client_inode, None] in seen["socks"]


# ---------------------------------------------------------------- processes and family


def test_family_holds_the_child_and_grandchild(children):
    # A comm that fools a parser splitting /proc/PID/stat on spaces.
    child, line = children.start(PARENT, comm="a) S 1 1 1 (")
    grandchild = int(line)
    assert procfs.family(child.pid) == {child.pid, grandchild}
    assert {child.pid, grandchild} <= procfs.family(os.getpid())
    assert procfs.family(grandchild) == {grandchild}
    assert os.getpid() not in procfs.family(child.pid)


def test_processes_by_comm_case_insensitive(children):
    child, _ = children.start(HOLD, comm="hnthprobe-a")
    found = procfs.processes(["HNTHPROBE-A", "nothing-like-it"])
    assert found == (Process(child.pid, "hnthprobe-a", EXE, os.getuid()),)
    assert procfs.processes(["hnthprobe-a"], exclude={child.pid}) == ()
    assert procfs.processes(["hnthprobe"]) == ()  # no prefix matching


def test_processes_matches_a_long_name_against_the_truncated_comm(children):
    child, _ = children.start(HOLD, comm="hnth-long-program-name")
    assert Path(f"/proc/{child.pid}/comm").read_text().strip() == "hnth-long-progr"
    assert [p.pid for p in procfs.processes(["hnth-long-program-name"])] == [child.pid]
    assert [p.pid for p in procfs.processes(["HNTH-LONG-PROGR"])] == [child.pid]
    assert procfs.processes(["hnth-long-prog"]) == ()
    assert procfs.processes(["xhnth-long-program-name"]) == ()


def test_processes_by_argv0_basename(children):
    child, _ = children.start(HOLD, argv0="/opt/hnth/Zoom-Probe")
    found = procfs.processes(["zoom-probe"])
    assert [(p.pid, p.exe) for p in found] == [(child.pid, "Zoom-Probe")]
    assert found[0].name != "Zoom-Probe"  # matched by argv[0], not by comm
    assert procfs.processes(["hnth"]) == ()


def test_process_of_a_live_child(children):
    child, _ = children.start(HOLD, comm="hnth-one")
    assert procfs.process(child.pid) == Process(child.pid, "hnth-one", EXE, os.getuid())


# ---------------------------------------------------------------- sockets


def test_sockets_to_finds_a_connected_udp_socket_and_its_owner():
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with server, client:
        server.bind(("127.0.0.1", 0))
        client.connect(server.getsockname())
        found = ours(procfs.sockets_to(["127.0.0.1"]), server, client)
        assert found == [
            procfs.Socket(
                "udp",
                client.getsockname(),
                server.getsockname(),
                "CONNECTED",
                inode(client),
                os.getpid(),
            )
        ]
        assert ours(procfs.sockets_to(["127.0.0.2", "not-an-ip"]), client) == []
        assert ours(procfs.sockets_to(["::ffff:127.0.0.1"]), client) != []
        assert procfs.sockets_to([]) == ()


def test_sockets_to_names_a_child_as_the_owner(children):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        child, line = children.start(UDP_CLIENT, "127.0.0.1", str(server.getsockname()[1]))
        found = [s for s in procfs.sockets_to(["127.0.0.1"]) if s.local[1] == int(line)]
        assert [(s.proto, s.pid) for s in found] == [("udp", child.pid)]


def test_sockets_to_finds_both_ends_of_a_tcp_connection():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        with client, accepted:
            found = ours(procfs.sockets_to(["127.0.0.1"]), listener, client, accepted)
            by_inode = {s.inode: s for s in found}
            assert set(by_inode) == {inode(client), inode(accepted)}  # not the listener
            out = by_inode[inode(client)]
            assert (out.proto, out.state, out.pid) == ("tcp", "ESTABLISHED", os.getpid())
            assert (out.local, out.remote) == (client.getsockname(), listener.getsockname())
            assert by_inode[inode(accepted)].remote == client.getsockname()


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_sockets_to_finds_ipv6_and_ipv4_mapped_connections():
    v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with v6, v4:
        v6.bind(("::1", 0))
        v6.listen(1)
        v4.bind(("127.0.0.1", 0))
        v4.listen(1)
        client6 = socket.create_connection(v6.getsockname()[:2])
        mapped = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        mapped.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        mapped.connect(("::ffff:127.0.0.1", v4.getsockname()[1]))
        with client6, mapped:
            (found,) = ours(procfs.sockets_to(["0:0:0:0:0:0:0:1"]), client6)
            assert (found.proto, found.remote) == ("tcp6", ("::1", v6.getsockname()[1]))
            assert found.pid == os.getpid()
            (found,) = ours(procfs.sockets_to(["127.0.0.1"]), mapped)
            assert (found.proto, found.remote) == ("tcp6", ("127.0.0.1", v4.getsockname()[1]))
            assert found.local[0] == "127.0.0.1"


@pytest.mark.skipif(sys.byteorder != "little", reason="the lines below are an x86 kernel's")
def test_sockets_to_parses_kernel_lines(tmp_path):
    net = tmp_path / "net"
    net.mkdir()
    (net / "tcp").write_text(
        TCP_HEADER + "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
        "     0        0 1111 1 0000000000000000 100 0 0 10 0\n"
        "   1: 0F02000A:D431 0A01A8C0:01BB 01 00000000:00000000 02:000A7D3B 00000000"
        "  1000        0 2222 2 0000000000000000 20 4 30 10 -1\n"
        "   2: 0F02000A:D432 0A01A8C0:01BB 06 00000000:00000000 03:00000F3B 00000000"
        "     0        0 0 3 0000000000000000\n"
    )
    (net / "tcp6").write_text(
        TCP_HEADER
        + "   0: 00000000000000000000000001000000:9C40 00000000000000000000000001000000:1F90"
        " 02 00000000:00000000 00:00000000 00000000  1000        0 3333 1 0000000000000000\n"
        "   1: 0000000000000000FFFF00000F02000A:9C41 0000000000000000FFFF00000A01A8C0:0050"
        " 08 00000000:00000000 00:00000000 00000000  1000        0 4444 1 0000000000000000\n"
    )
    (net / "udp").write_text("garbage\n")
    # 0.0.0.0: the listener's remote end, port 0, which is no peer.
    found = procfs.sockets_to(["192.168.1.10", "::1", "0.0.0.0"], proc=tmp_path)
    assert [(s.proto, s.local, s.remote, s.state, s.inode, s.pid) for s in found] == [
        ("tcp", ("10.0.2.15", 54321), ("192.168.1.10", 443), "ESTABLISHED", 2222, None),
        ("tcp", ("10.0.2.15", 54322), ("192.168.1.10", 443), "TIME_WAIT", 0, None),
        ("tcp6", ("::1", 40000), ("::1", 8080), "SYN_SENT", 3333, None),
        ("tcp6", ("10.0.2.15", 40001), ("192.168.1.10", 80), "CLOSE_WAIT", 4444, None),
    ]


# ---------------------------------------------------------------- /proc/asound


def write_asound(root: Path) -> Path:
    """A kernel-shaped /proc/asound: PCH with a running playback, a USB card mid-setup."""
    asound = root / "asound"
    for card, card_id in ((0, "PCH"), (1, "Device")):
        (asound / f"card{card}").mkdir(parents=True)
        (asound / f"card{card}" / "id").write_text(f"{card_id}\n")
    (asound / "Device").symlink_to("card1")  # the kernel links each id to its card
    (asound / "cards").write_bytes(CARDS)
    (asound / "version").write_text("Advanced Linux Sound Architecture Driver Version k6.1.0.\n")
    subs = {
        "card0/pcm0p/sub0": STATUS_RUNNING,
        "card0/pcm0c/sub0": b"closed\n",
        "card1/pcm0c/sub0": b"state: PREPARED\nowner_pid   : 0\n",
        "card1/pcm0c/sub1": b"closed\n",
        "card1/pcm3p/sub0": b"error -19\n",  # the kernel's answer when status fails
    }
    for sub, text in subs.items():
        (asound / sub).mkdir(parents=True)
        (asound / sub / "status").write_bytes(text)
        (asound / sub / "info").write_text("card: 0\ndevice: 0\n")
    (asound / "card0" / "pcm0p" / "info").write_text("card: 0\n")
    (asound / "card0" / "codec#0").write_text("Codec: Realtek ALC892\n")
    return asound


def test_pcms_reads_every_substream(tmp_path):
    asound = write_asound(tmp_path)
    found = procfs.pcms(asound=asound)
    assert found == (
        Pcm(0, 0, 0, "capture", "closed", None, "PCH"),
        Pcm(0, 0, 0, "playback", "RUNNING", 1234, "PCH"),
        Pcm(1, 0, 0, "capture", "PREPARED", None, "Device"),
        Pcm(1, 0, 1, "capture", "closed", None, "Device"),
    )
    assert [p.node for p in found] == [
        "/dev/snd/pcmC0D0c",
        "/dev/snd/pcmC0D0p",
        "/dev/snd/pcmC1D0c",
        "/dev/snd/pcmC1D0c",
    ]


def test_cards_reads_the_kernel_format(tmp_path):
    asound = write_asound(tmp_path)
    assert procfs.cards(asound=asound) == (
        (0, "PCH", "HDA Intel PCH at 0xf7f10000 irq 32"),
        (
            1,
            "Device",
            "C-Media Electronics Inc. USB Audio Device at usb-0000:00:14.0-2, full speed",
        ),
    )


def test_no_sound_cards(tmp_path):
    asound = tmp_path / "asound"
    asound.mkdir()
    (asound / "cards").write_text("--- no soundcards ---\n")
    assert procfs.cards(asound=asound) == ()
    assert procfs.pcms(asound=asound) == ()
    assert procfs.pcms(asound=tmp_path / "missing") == ()
    assert procfs.cards(asound=tmp_path / "missing") == ()


# ---------------------------------------------------------------- fuzz: garbage never raises


def mangled(valid: bytes) -> st.SearchStrategy[bytes]:
    """Arbitrary bytes, or the valid text cut anywhere with arbitrary bytes spliced in."""
    spliced = st.builds(
        lambda cut, junk, rest: valid[:cut] + junk + valid[cut + rest :],
        st.integers(0, len(valid)),
        st.binary(max_size=40),
        st.integers(0, 40),
    )
    return st.one_of(st.binary(max_size=400), spliced)


FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=mangled(STATUS_RUNNING))
def test_garbage_status_gives_at_most_one_pcm(tmp_path, data):
    sub = tmp_path / "card0" / "pcm0p" / "sub0"
    sub.mkdir(parents=True, exist_ok=True)
    (sub / "status").write_bytes(data)
    found = procfs.pcms(asound=tmp_path)
    assert len(found) <= 1
    for pcm in found:
        assert re.fullmatch(r"[A-Z_]+|closed", pcm.state)
        assert pcm.owner_pid is None or pcm.owner_pid > 0


@FUZZ
@given(data=mangled(CARDS))
def test_garbage_cards_file_never_raises(tmp_path, data):
    (tmp_path / "cards").write_bytes(data)
    for index, card_id, long_name in procfs.cards(asound=tmp_path):
        assert 0 <= index <= 9999
        assert card_id == card_id.strip() != ""
        assert isinstance(long_name, str)


TCP_LINE = (
    TCP_HEADER.encode()
    + b"   1: 0F02000A:D431 0A01A8C0:01BB 01 00000000:00000000 02:000A7D3B 00000000"
    b"  1000        0 2222 2 0000000000000000 20 4 30 10 -1\n"
)


@FUZZ
@given(data=mangled(TCP_LINE))
def test_garbage_net_file_never_raises(tmp_path, data):
    (tmp_path / "net").mkdir(exist_ok=True)
    for name in ("tcp", "udp6"):
        (tmp_path / "net" / name).write_bytes(data)
    for found in procfs.sockets_to(["192.168.1.10", "10.0.2.15", "::"], proc=tmp_path):
        assert found.remote[1] != 0
        assert found.remote[0] in {"192.168.1.10", "10.0.2.15", "::"}
        assert found.pid is None


# ---------------------------------------------------------------- this machine


def test_a_scan_of_this_machine_returns_well_typed_results():
    own = Path("/proc/self/comm").read_text().strip()
    scan = procfs.holders(["/dev/null", "/nonexistent/hnth"], exclude=procfs.family(os.getpid()))
    assert set(scan.holders) == {"/dev/null", "/nonexistent/hnth"}
    assert scan.holders["/nonexistent/hnth"] == ()
    assert scan.unreadable >= 0
    for proc in scan.holders["/dev/null"]:
        assert isinstance(proc, Process)
        assert proc.pid > 0
        assert proc.pid != os.getpid()
    assert os.getpid() in [p.pid for p in procfs.processes([own])]
    assert all(isinstance(p, Pcm) for p in procfs.pcms())
    assert all(isinstance(c[0], int) and isinstance(c[1], str) for c in procfs.cards())
    assert all(s.remote[1] != 0 for s in procfs.sockets_to(["127.0.0.1", "::1"]))
    assert os.getpid() in procfs.family(os.getppid())
