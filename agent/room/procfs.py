"""Who holds which file, which programs run, ALSA and socket state: read from /proc, never a device.

What an unprivileged system user sees of another user's processes:
- /proc/PID/fd needs the same uid or CAP_SYS_PTRACE: `holders` sees only the processes it may
  look into and counts the rest in `Scan.unreadable`; `sockets_to` leaves `pid` None for a
  socket whose owner it cannot look into;
- /proc/PID/comm, cmdline, status and stat, /proc/asound and /proc/net are world-readable, so
  `processes`, `process`, `family`, `pcms`, `cards` and `sockets_to` see every user's;
unless /proc is mounted with hidepid= (or subset=pid) or the unit has systemd's
ProtectProc=invisible: other users' processes are then hidden, and not even counted.
/proc/net shows the reader's network namespace only (so not with PrivateNetwork=yes).
Nothing here raises for a race (a process exiting mid-scan, EACCES, ENOENT, ESRCH).
"""

# ruff: noqa: PTH115, PTH116, PTH119, PTH123, PTH208
# os calls on str paths, not pathlib: a scan reads thousands of fd links, and Path objects
# made it twice as slow.
from __future__ import annotations

import ipaddress
import os
import re
import sys
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

PROC: Final = Path("/proc")
ASOUND: Final = Path("/proc/asound")


@dataclass(frozen=True, slots=True)
class Process:
    """A process as /proc tells it."""

    pid: int
    name: str  # /proc/PID/comm, stripped
    exe: str  # basename of argv[0] from /proc/PID/cmdline ("" if unreadable/empty)
    uid: int  # real uid from /proc/PID/status (-1 if unknown)


@dataclass(frozen=True, slots=True)
class Scan:
    """Who holds each path, and how many processes could not be looked into (permissions)."""

    holders: Mapping[str, tuple[Process, ...]]  # key: the path as the caller gave it
    unreadable: int  # processes whose fd dir could not be read


def holders(paths: Iterable[str], *, exclude: Collection[int] = (), proc: Path = PROC) -> Scan:
    """Processes (other than `exclude`) with an open fd on each path (as `fuser` sees it)."""
    keys = list(dict.fromkeys(paths))
    by_name: dict[str, set[str]] = {}
    by_inode: dict[tuple[int, int], set[str]] = {}
    inode_of: dict[str, tuple[int, int]] = {}
    for key in keys:
        real = os.path.realpath(key)
        by_name.setdefault(real, set()).add(key)
        try:
            st = os.stat(key)
        except OSError:
            continue  # gone: matched by its name alone
        inode_of[real] = (st.st_dev, st.st_ino)
        by_inode.setdefault(inode_of[real], set()).add(key)
    # A link naming an existing path is that file: it also answers for the path's other names.
    for real, inode in inode_of.items():
        by_name[real] |= by_inode[inode]

    found: dict[str, dict[int, None]] = {key: {} for key in keys}
    skip = frozenset(exclude)
    unreadable = 0
    for pid in _pids(proc):
        if pid in skip:
            continue
        fds = _fd_links(proc, pid)
        if fds is None:
            unreadable += 1
            continue
        for link, target in fds:
            matched = _by_link(target, by_name, inode_of)
            if not matched and by_inode and target.startswith("/"):
                # Another name for the file (a hard link, a bind mount): only the inode tells.
                try:
                    st = os.stat(link)
                except OSError:
                    continue
                matched = by_inode.get((st.st_dev, st.st_ino), set())
            for key in matched:
                found[key][pid] = None

    held = {pid for pids in found.values() for pid in pids}
    known = {pid: process(pid, proc=proc) for pid in held}
    result = {key: tuple(p for pid in pids if (p := known[pid])) for key, pids in found.items()}
    return Scan(holders=result, unreadable=unreadable)


def processes(
    names: Iterable[str], *, exclude: Collection[int] = (), proc: Path = PROC
) -> tuple[Process, ...]:
    """Running processes whose comm or argv[0] basename matches one of `names` (case-insensitive).

    comm is truncated by the kernel to 15 chars: a name longer than 15 chars matches a comm
    equal to its first 15 chars.
    """
    wanted = {n.lower() for n in names if n}
    if not wanted:
        return ()
    as_comm = wanted | {n[:_COMM_LEN] for n in wanted if len(n) > _COMM_LEN}
    skip = frozenset(exclude)
    out: list[Process] = []
    for pid in _pids(proc):
        if pid in skip:
            continue
        base = f"{proc}/{pid}"
        comm = _read(f"{base}/comm")
        if comm is None:
            continue  # gone
        name, exe = comm.strip(), _argv0(base)
        if name.lower() in as_comm or (exe and exe.lower() in wanted):
            out.append(Process(pid, name, exe, _uid(base)))
    return tuple(out)


def family(pid: int, *, proc: Path = PROC) -> frozenset[int]:
    """`pid` and all its descendants (from /proc/*/stat ppid): our own tree, to exclude."""
    children: dict[int, list[int]] = {}
    for child in _pids(proc):
        parent = _ppid(_read(f"{proc}/{child}/stat") or "")
        if parent is not None:
            children.setdefault(parent, []).append(child)
    seen = {pid}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return frozenset(seen)


def process(pid: int, *, proc: Path = PROC) -> Process | None:
    """One process, or None when it is gone."""
    base = f"{proc}/{pid}"
    comm = _read(f"{base}/comm")
    if comm is None:
        return None
    return Process(pid, comm.strip(), _argv0(base), _uid(base))


def pty_device_ends(*, exclude: Collection[int] = (), proc: Path = PROC) -> dict[int, set[int]]:
    """Pids holding a pty's master, by pty index: a pty's far end is the device, not a rival.

    (A camera emulator on a pty holds the master; a program that controls the camera opens
    /dev/pts/N like any serial port.) The index comes from /proc/PID/fdinfo's tty-index.
    """
    ends: dict[int, set[int]] = {}
    for pid in _pids(proc):
        if pid in exclude:
            continue
        for link, target in _fd_links(proc, pid) or ():
            if target not in ("/dev/ptmx", "/dev/pts/ptmx"):
                continue
            info = _read(link.replace("/fd/", "/fdinfo/")) or ""
            index = re.search(r"^tty-index:\s*(\d+)", info, re.MULTILINE)
            if index is not None:
                ends.setdefault(int(index[1]), set()).add(pid)
    return ends


@dataclass(frozen=True, slots=True)
class Pcm:
    """One ALSA PCM substream's state, from /proc/asound/cardC/pcmDX/subS/status."""

    card: int
    device: int
    subdevice: int
    stream: str  # "playback" (pcmNp) or "capture" (pcmNc)
    state: str  # "RUNNING", "PREPARED", "SETUP", "DRAINING", "PAUSED", "XRUN", "closed", ...
    owner_pid: int | None  # the "owner_pid" line, when present (and not 0)
    card_id: str  # /proc/asound/cardC/id (e.g. "Device", "PCH")

    @property
    def node(self) -> str:
        """The device node of this substream's PCM, e.g. /dev/snd/pcmC1D0c."""
        return f"/dev/snd/pcmC{self.card}D{self.device}{self.stream[0]}"


def pcms(*, asound: Path = ASOUND) -> tuple[Pcm, ...]:
    """Every substream's state; a closed substream's status file holds just "closed"."""
    out: list[Pcm] = []
    for card, card_dir in _numbered(f"{asound}", _CARD_DIR):
        card_id = (_read(f"{card_dir}/id") or "").strip()
        for pcm_name in _listdir(card_dir):
            m = re.fullmatch(_PCM_DIR, pcm_name)
            if m is None:
                continue
            stream = "playback" if m[2] == "p" else "capture"
            for sub, sub_dir in _numbered(f"{card_dir}/{pcm_name}", _SUB_DIR):
                status = _parse_status(_read(f"{sub_dir}/status") or "")
                if status is not None:
                    out.append(Pcm(card, int(m[1]), sub, stream, *status, card_id))
    out.sort(key=lambda p: (p.card, p.device, p.stream, p.subdevice))
    return tuple(out)


def cards(*, asound: Path = ASOUND) -> tuple[tuple[int, str, str], ...]:
    """(index, id, long name) of each sound card, from /proc/asound/cards."""
    lines = (_read(f"{asound}/cards") or "").splitlines()
    out: list[tuple[int, str, str]] = []
    for i, line in enumerate(lines):
        m = re.fullmatch(_CARD_LINE, line)
        if m is None or not m[2].strip():
            continue
        # The kernel prints "idx [id]: driver - shortname", then the long name indented below.
        below = lines[i + 1] if i + 1 < len(lines) else ""
        long_name = (
            below.strip() if below[:1] == " " and not re.fullmatch(_CARD_LINE, below) else ""
        )
        out.append((int(m[1]), m[2].strip(), long_name or m[3].strip()))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Socket:
    """A TCP or UDP socket whose remote end is one of the asked addresses."""

    proto: str  # "tcp", "tcp6", "udp", "udp6"
    local: tuple[str, int]
    remote: tuple[str, int]
    state: str  # "ESTABLISHED", "SYN_SENT", ... for tcp; "CONNECTED"/"" for udp
    inode: int
    pid: int | None  # owner when /proc/*/fd could be read (socket:[inode]), else None


def sockets_to(addresses: Collection[str], *, proc: Path = PROC) -> tuple[Socket, ...]:
    """Sockets in /proc/net/{tcp,tcp6,udp,udp6} to an IP in `addresses` (remote port not 0).

    IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as the IPv4 address; a string that is no IP
    address matches nothing.
    """
    wanted = {ip for a in addresses if (ip := _ip(a)) is not None}
    rows: list[tuple[str, tuple[str, int], tuple[str, int], str, int]] = []
    for proto in ("tcp", "tcp6", "udp", "udp6") if wanted else ():
        for line in (_read(f"{proc}/net/{proto}") or "").splitlines():
            row = _parse_socket(proto, line)
            if row is not None and row[1][1] != 0 and row[1][0] in wanted:
                rows.append((proto, row[0], row[1], row[2], row[3]))
    owners = _socket_owners({r[4] for r in rows if r[4]}, proc) if rows else {}
    return tuple(Socket(*row, pid=owners.get(row[4])) for row in rows)


# ---------------------------------------------------------------- helpers

_COMM_LEN: Final = 15  # TASK_COMM_LEN - 1: the kernel keeps this many bytes of a name
_DELETED: Final = " (deleted)"  # the kernel's suffix on the fd link of an unlinked file
_CARD_DIR: Final = r"card([0-9]{1,4})"
_PCM_DIR: Final = r"pcm([0-9]{1,4})([pc])"
_SUB_DIR: Final = r"sub([0-9]{1,4})"
_CARD_LINE: Final = r" *([0-9]{1,4}) \[([^\]]*)\]: ?(.*)"
_STATE: Final = r"[A-Z_]{1,32}"
_PID: Final = r"-?[0-9]{1,10}"
_HEX: Final = r"[0-9A-Fa-f]+"
_SOCKET_LINK: Final = r"socket:\[([0-9]{1,20})\]"
# /proc/net/tcp's "st" column: the kernel's TCP_* states, from 1.
_TCP_STATES: Final = (
    "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
    "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
)  # fmt: skip


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _pids(proc: Path) -> list[int]:
    return sorted(int(n) for n in _listdir(f"{proc}") if n.isascii() and n.isdigit())


def _numbered(parent: str, pattern: str) -> list[tuple[int, str]]:
    return [
        (int(m[1]), f"{parent}/{name}")
        for name in _listdir(parent)
        if (m := re.fullmatch(pattern, name)) is not None
    ]


def _fd_links(proc: Path, pid: int) -> list[tuple[str, str]] | None:
    """(fd link, its target) of each open fd; [] when the process is gone, None when not ours."""
    fd_dir = f"{proc}/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except PermissionError:
        return None
    except OSError:
        return []
    out: list[tuple[str, str]] = []
    for fd in fds:
        link = f"{fd_dir}/{fd}"
        try:
            out.append((link, os.readlink(link)))
        except OSError:
            continue  # closed meanwhile, or the process exited
    return out


def _by_link(
    target: str, by_name: Mapping[str, set[str]], inode_of: Mapping[str, tuple[int, int]]
) -> set[str]:
    matched = by_name.get(target)
    if matched is not None:
        return matched
    if target.endswith(_DELETED):
        name = target[: -len(_DELETED)]
        # A name that exists again is another file now: the inode decides, not the name.
        if name not in inode_of:
            return by_name.get(name, set())
    return set()


def _argv0(base: str) -> str:
    return os.path.basename((_read(f"{base}/cmdline") or "").split("\0", 1)[0])


def _uid(base: str) -> int:
    for line in (_read(f"{base}/status") or "").splitlines():
        if line.startswith("Uid:"):
            fields = line.split()
            if len(fields) > 1 and re.fullmatch(_PID, fields[1]):
                return int(fields[1])
    return -1


def _ppid(stat: str) -> int | None:
    # comm, in parentheses, may hold spaces and ')': the fields follow its last ')'.
    fields = stat.rpartition(")")[2].split()
    if len(fields) > 1 and re.fullmatch(_PID, fields[1]):
        return int(fields[1])
    return None


def _parse_status(text: str) -> tuple[str, int | None] | None:
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if first == "closed":
        return ("closed", None)
    key, _, state = first.partition(":")
    if key.strip() != "state" or not re.fullmatch(_STATE, state.strip()):
        return None
    owner = None
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep and key.strip() == "owner_pid":
            # 0: the owner lives in another pid namespace, so we cannot name it.
            value = value.strip()
            if re.fullmatch(_PID, value) and int(value) > 0:
                owner = int(value)
            break
    return (state.strip(), owner)


def _ip(value: str | bytes) -> str | None:
    """The address in canonical form, an IPv4-mapped IPv6 one as IPv4; None for no address."""
    try:
        ip = ipaddress.ip_address(value.partition("%")[0] if isinstance(value, str) else value)
    except ValueError:
        return None
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return str(mapped or ip)


def _endpoint(text: str) -> tuple[str, int] | None:
    host, _, port = text.partition(":")
    if len(port) != 4 or not re.fullmatch(_HEX, port) or not re.fullmatch(_HEX, host):
        return None
    if len(host) not in (8, 32):
        return None
    # Each 32-bit word is printed as a host-order integer: its bytes are reversed on x86.
    raw = b"".join(
        int(host[i : i + 8], 16).to_bytes(4, sys.byteorder) for i in range(0, len(host), 8)
    )
    ip = _ip(raw)
    return None if ip is None else (ip, int(port, 16))


def _parse_socket(
    proto: str, line: str
) -> tuple[tuple[str, int], tuple[str, int], str, int] | None:
    fields = line.split()
    if len(fields) < 10 or not fields[0].endswith(":"):
        return None
    local, remote = _endpoint(fields[1]), _endpoint(fields[2])
    if local is None or remote is None or not re.fullmatch(r"[0-9A-Fa-f]{2}", fields[3]):
        return None
    if not re.fullmatch(r"[0-9]{1,20}", fields[9]):
        return None
    code = int(fields[3], 16)
    if proto.startswith("udp"):
        state = "CONNECTED" if code == 1 else ""  # TCP_ESTABLISHED: connect() gave a peer
    else:
        state = _TCP_STATES[code] if 0 < code < len(_TCP_STATES) else f"{code:02X}"
    return (local, remote, state, int(fields[9]))


def _socket_owners(inodes: set[int], proc: Path) -> dict[int, int]:
    owners: dict[int, int] = {}
    for pid in _pids(proc):
        for _, target in _fd_links(proc, pid) or ():
            m = re.fullmatch(_SOCKET_LINK, target)
            if m is not None and int(m[1]) in inodes:
                owners.setdefault(int(m[1]), pid)
        if len(owners) == len(inodes):
            break
    return owners


__all__ = [
    "ASOUND", "PROC", "Pcm", "Process", "Scan", "Socket",
    "cards", "family", "holders", "pcms", "process", "processes", "sockets_to",
]  # fmt: skip
