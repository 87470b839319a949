"""The `network` check: DNS and TCP connect RTT, jitter and loss to each configured target."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from agent.checks import CheckContext, Outcome, Status
from agent.config import NetworkConfig, parse_host_port


@dataclass(frozen=True, slots=True)
class Probe:
    """What was measured for one `host:port` target."""

    target: str
    address: str | None
    dns_ms: float | None
    rtt_ms: float | None
    rtt_min_ms: float | None
    rtt_max_ms: float | None
    jitter_ms: float | None
    loss_pct: float
    sent: int
    error: str | None  # "dns", "refused", "timeout" or "unreachable" when every sample failed


def run(ctx: CheckContext) -> Outcome:
    """Probe every target concurrently and judge the worst one."""
    cfg = ctx.config.network
    if not cfg.targets:
        return Outcome(
            Status.SKIP, ctx.t("network.no_targets"), ctx.t("network.no_targets_hint"), {}
        )
    probes: dict[str, Probe] = {}
    threads = []
    for target in cfg.targets:
        th = threading.Thread(
            target=lambda tg=target: probes.__setitem__(tg, probe(tg, cfg, ctx.cancel)),
            name=f"probe-{target}",
            daemon=True,
        )
        th.start()
        threads.append(th)
    for th in threads:
        th.join()

    verdicts = [_judge(ctx, probes[tg], cfg) for tg in cfg.targets]
    metrics: dict[str, Any] = {"targets": [asdict(probes[tg]) for tg in cfg.targets]}
    worst = max((v[0] for v in verdicts), key=_rank)
    if worst == Status.PASS:
        parts = [f"{p.target} {p.rtt_ms:.0f} ms" for p in (probes[tg] for tg in cfg.targets)]
        return Outcome(Status.PASS, ctx.t("network.ok", targets=", ".join(parts)), None, metrics)
    bad = [v for v in verdicts if v[0] == worst]
    return Outcome(worst, "; ".join(v[1] for v in bad), " ".join(v[2] for v in bad), metrics)


def probe(target: str, cfg: NetworkConfig, cancel: threading.Event | None = None) -> Probe:
    """Resolve `target` and time `cfg.samples` TCP connects to it."""
    host, port = parse_host_port(target) or (target, 0)
    t0 = time.monotonic()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return Probe(target, None, None, None, None, None, None, 100.0, 0, "dns")
    dns_ms = (time.monotonic() - t0) * 1000
    family, _, _, _, sockaddr = infos[0]
    address = str(sockaddr[0])
    rtts: list[float] = []
    errors: list[str] = []
    for i in range(cfg.samples):
        if cancel is not None and cancel.is_set():
            break
        if i and cfg.interval_ms:
            time.sleep(cfg.interval_ms / 1000)
        start = time.monotonic()
        try:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(cfg.timeout_ms / 1000)
                sock.connect(sockaddr)
            rtts.append((time.monotonic() - start) * 1000)
        except ConnectionRefusedError:
            errors.append("refused")
        except TimeoutError:
            errors.append("timeout")
        except OSError:
            errors.append("unreachable")
    sent = len(rtts) + len(errors)
    loss = 100.0 * len(errors) / sent if sent else 100.0
    if not rtts:
        return Probe(
            target,
            address,
            round(dns_ms, 2),
            None,
            None,
            None,
            None,
            loss,
            sent,
            max(set(errors), key=errors.count) if errors else "timeout",
        )
    gaps = [abs(a - b) for a, b in itertools.pairwise(rtts)]
    jitter = sum(gaps) / len(gaps) if gaps else 0.0
    return Probe(
        target,
        address,
        round(dns_ms, 2),
        round(_median(rtts), 2),
        round(min(rtts), 2),
        round(max(rtts), 2),
        round(jitter, 2),
        round(loss, 1),
        sent,
        None,
    )


def _judge(ctx: CheckContext, p: Probe, cfg: NetworkConfig) -> tuple[Status, str, str]:
    host, port = parse_host_port(p.target) or (p.target, 0)
    if p.error == "dns":
        return (
            Status.FAIL,
            ctx.t("network.dns_failed", target=p.target),
            ctx.t("network.dns_failed_hint", host=host),
        )
    if p.error is not None:
        return (
            Status.FAIL,
            ctx.t(f"network.{p.error}", target=p.target, timeout=cfg.timeout_ms),
            ctx.t(f"network.{p.error}_hint", target=p.target, host=host, port=port),
        )
    assert p.rtt_ms is not None
    assert p.jitter_ms is not None
    if p.loss_pct >= cfg.fail_loss_pct:
        return (
            Status.FAIL,
            ctx.t("network.loss", target=p.target, loss=f"{p.loss_pct:.0f}"),
            ctx.t("network.loss_hint", target=p.target),
        )
    warn: list[str] = []
    if p.loss_pct > cfg.warn_loss_pct:
        warn.append(ctx.t("network.loss", target=p.target, loss=f"{p.loss_pct:.0f}"))
    if p.rtt_ms > cfg.warn_rtt_ms:
        warn.append(
            ctx.t(
                "network.slow", target=p.target, rtt=f"{p.rtt_ms:.0f}", limit=f"{cfg.warn_rtt_ms:g}"
            )
        )
    if p.jitter_ms > cfg.warn_jitter_ms:
        warn.append(
            ctx.t(
                "network.jitter",
                target=p.target,
                jitter=f"{p.jitter_ms:.0f}",
                limit=f"{cfg.warn_jitter_ms:g}",
            )
        )
    if warn:
        return Status.WARN, "; ".join(warn), ctx.t("network.loss_hint", target=p.target)
    return Status.PASS, "", ""


def _median(values: list[float]) -> float:
    # Not statistics.median: that module pulls in decimal and fractions, ~0.7 MB the idle
    # daemon would carry for good.
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _rank(status: Status) -> int:
    return [Status.PASS, Status.SKIP, Status.WARN, Status.FAIL, Status.ERROR].index(status)
