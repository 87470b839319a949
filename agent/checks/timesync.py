"""The `time` check: clock offset by SNTP, else the system's own sync state."""

from __future__ import annotations

import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from typing import Final

from agent import programs
from agent.checks import CheckContext, Outcome, Status
from agent.config import parse_host_port
from agent.errors import RemoteProtocolError

NTP_PORT: Final = 123
# Seconds between the NTP era (1900) and the Unix epoch (1970).
NTP_EPOCH_DELTA: Final = 2_208_988_800
_PACKET: Final = struct.Struct("!BBbbII4sQQQQ")


@dataclass(frozen=True, slots=True)
class SntpSample:
    """One SNTP exchange: our clock's offset from the server and the round-trip delay."""

    offset_s: float
    delay_s: float
    stratum: int


def run(ctx: CheckContext) -> Outcome:
    """Measure the clock offset and warn when it exceeds [time] max_offset_ms."""
    cfg = ctx.config.time
    if cfg.ntp_server:
        host, port = parse_host_port(cfg.ntp_server) or (cfg.ntp_server, NTP_PORT)
        try:
            sample = sntp_query(host, port, cfg.timeout_ms / 1000)
        except (OSError, TimeoutError, RemoteProtocolError) as exc:
            return Outcome(
                Status.FAIL,
                ctx.t("time.ntp_unreachable", server=cfg.ntp_server, error=exc),
                ctx.t("time.ntp_unreachable_hint", server=cfg.ntp_server),
                {"server": cfg.ntp_server},
            )
        offset_ms = sample.offset_s * 1000
        metrics = {
            "source": "sntp",
            "server": cfg.ntp_server,
            "offset_ms": round(offset_ms, 1),
            "delay_ms": round(sample.delay_s * 1000, 1),
            "stratum": sample.stratum,
        }
        return _judge(ctx, offset_ms, metrics)

    offset = _chrony_offset_ms()
    if offset is not None:
        return _judge(ctx, offset, {"source": "chrony", "offset_ms": round(offset, 1)})
    synced = _timedatectl_synced()
    if synced is None:
        return Outcome(Status.SKIP, ctx.t("time.no_source"), ctx.t("time.no_source_hint"), {})
    if synced:
        return Outcome(
            Status.PASS, ctx.t("time.synced"), None, {"source": "timedatectl", "synchronized": True}
        )
    return Outcome(
        Status.WARN,
        ctx.t("time.not_synced"),
        ctx.t("time.not_synced_hint"),
        {"source": "timedatectl", "synchronized": False},
    )


def sntp_query(host: str, port: int = NTP_PORT, timeout: float = 1.5) -> SntpSample:
    """Ask an (S)NTP server once (RFC 4330) and return offset and delay."""
    addr = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    with socket.socket(addr[0], socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        t1 = time.time()
        request = _PACKET.pack(
            0x23, 0, 0, 0, 0, 0, b"\0" * 4, 0, 0, 0, to_ntp(t1)
        )  # LI 0, VN 4, client
        sock.sendto(request, addr[4])
        deadline = time.monotonic() + timeout
        last_error: RemoteProtocolError | None = None
        while True:
            # Keep listening after a bad datagram: a stray packet must not hide the real reply.
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                data, _ = sock.recvfrom(512)
            except TimeoutError:
                if last_error is not None:
                    raise last_error from None
                raise
            t4 = time.time()
            try:
                return parse_reply(data, to_ntp(t1), t4)
            except RemoteProtocolError as exc:
                last_error = exc


def parse_reply(data: bytes, originate: int, t4: float) -> SntpSample:
    """Decode a server reply to the request sent at NTP time `originate`, received at `t4`."""
    if len(data) < _PACKET.size:
        raise RemoteProtocolError(f"SNTP reply of {len(data)} bytes, expected at least 48")
    first, stratum, _, _, _, _, _, _, orig, recv, xmit = _PACKET.unpack_from(data)
    mode = first & 0x07
    if mode not in (4, 5):
        raise RemoteProtocolError(f"SNTP reply mode {mode}, expected 4 (server)")
    if stratum == 0:
        raise RemoteProtocolError("SNTP kiss-o'-death: the server refuses to serve us")
    if orig != originate:
        raise RemoteProtocolError("SNTP reply does not answer our request")
    t1, t2, t3 = from_ntp(originate), from_ntp(recv), from_ntp(xmit)
    return SntpSample(((t2 - t1) + (t3 - t4)) / 2, (t4 - t1) - (t3 - t2), stratum)


def to_ntp(unix: float) -> int:
    """Convert Unix seconds to a 64-bit NTP timestamp."""
    return int((unix + NTP_EPOCH_DELTA) * 2**32) & 0xFFFF_FFFF_FFFF_FFFF


def from_ntp(value: int) -> float:
    """Convert a 64-bit NTP timestamp to Unix seconds."""
    return value / 2**32 - NTP_EPOCH_DELTA


def _judge(ctx: CheckContext, offset_ms: float, metrics: dict[str, object]) -> Outcome:
    """Warn past max_offset_ms; fail past fail_offset_s, naming the minutes (offset > 0: slow)."""
    limit = ctx.config.time.max_offset_ms
    if abs(offset_ms) > ctx.config.time.fail_offset_s * 1000:
        minutes = abs(offset_ms) / 60_000
        return Outcome(
            Status.FAIL,
            ctx.t(
                "time.clock_wrong_slow" if offset_ms > 0 else "time.clock_wrong_fast",
                minutes=f"{minutes:.0f}" if minutes >= 10 else f"{minutes:.1f}",
                offset=f"{offset_ms / 1000:+.0f}",
            ),
            ctx.t("time.clock_wrong_hint"),
            metrics,
        )
    if abs(offset_ms) > limit:
        return Outcome(
            Status.WARN,
            ctx.t("time.offset_high", offset=f"{offset_ms:+.0f}", limit=f"{limit:g}"),
            ctx.t("time.offset_high_hint"),
            metrics,
        )
    return Outcome(Status.PASS, ctx.t("time.offset_ok", offset=f"{offset_ms:+.1f}"), None, metrics)


def _command(argv: list[str]) -> str | None:
    exe = programs.which(argv[0])
    if exe is None:
        return None
    try:
        proc = subprocess.run(
            [exe, *argv[1:]], capture_output=True, text=True, timeout=3, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _chrony_offset_ms() -> float | None:
    out = _command(["chronyc", "-c", "tracking"])
    if not out:
        return None
    fields = out.strip().split(",")
    try:
        # CSV field 5 is "System time": how far the system clock is from NTP time, in seconds.
        return float(fields[4]) * 1000
    except (IndexError, ValueError):
        return None


def _timedatectl_synced() -> bool | None:
    out = _command(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
    if out is None:
        return None
    value = out.strip()
    return {"yes": True, "no": False}.get(value)
