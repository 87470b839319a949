"""The whole emulator: a chain of emulated cameras reachable through one or more links."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Final, Self

from agent.errors import UsageError
from agent.i18n import t
from agent.visca.emulator.links import Link, PtyLink, TcpLink, UdpLink
from agent.visca.emulator.model import Model
from agent.visca.emulator.service import Service
from agent.visca.emulator.state import CameraState, Chain
from agent.visca.emulator.usecases import Fault, Faults, UseCases

LOOPBACK: Final = ("127.0.0.1", "::1", "localhost")


class Emulator:
    """A chain of emulated cameras reachable through one or more links."""

    def __init__(
        self,
        cameras: int = 1,
        *,
        baud: int = 9600,
        field_hz: float = 50.0,
        model: Model | None = None,
        faults: Iterable[Fault | str] = (),
        network_change_on_start: bool = True,
    ) -> None:
        if not 1 <= cameras <= 7:
            raise UsageError(t("ptz.sim.bad_cameras", value=cameras))
        self.chain = Chain(cameras, model)
        self.baud = baud
        self.field_hz = field_hz
        self.faults = Faults(active={Fault(f) for f in faults})
        self.services: list[Service] = []
        self.requests: deque[bytes] = deque(maxlen=10_000)
        self.received_bytes = 0
        self.skipped_bytes = 0  # bytes outside any packet (noise, or a packet over 17 bytes)
        self.errors: list[BaseException | None] = []
        self.usecases = UseCases(self)
        self._started = False
        self._announce = network_change_on_start

    @property
    def state(self) -> CameraState:
        """Camera 1's state."""
        return self.chain.camera(1)

    def add_pty(self, link: str | None = None) -> str:
        """Listen on a new pty; return the path the controller should open."""
        pty = PtyLink(link)
        self._add(pty)
        return pty.label

    def add_listener(self, url: str, *, allow_remote: bool = False) -> str:
        """Listen on a `tcp://`, `udp://` or `visca-ip://` URL; return it with its real port."""
        from agent.visca.transport import parse_url

        ep = parse_url(url)
        if ep.scheme == "serial":
            raise UsageError(t("ptz.sim.bad_listen", url=url))
        if ep.host not in LOOPBACK and not allow_remote:
            raise UsageError(t("ptz.sim.not_loopback", host=ep.host))
        link: Link
        try:
            if ep.scheme == "tcp":
                link = TcpLink(ep.host, ep.port)
            else:
                link = UdpLink(ep.host, ep.port, sony=ep.scheme == "visca-ip")
        except OSError as exc:
            raise UsageError(t("ptz.sim.listen_failed", url=url, error=exc)) from None
        self._add(link)
        return link.label

    def _add(self, link: Link) -> None:
        svc = Service(self, link)
        self.services.append(svc)
        if self._started:
            svc.start()

    def start(self) -> Emulator:
        """Start serving; a powered-up camera announces itself with a network change."""
        self._started = True
        for svc in self.services:
            svc.start()
        if self._announce:
            for cam in self.chain.cameras:
                self.usecases.network_change(cam.address)
        return self

    def close(self) -> None:
        """Stop every thread and release every link."""
        for svc in self.services:
            svc.stop()
        for svc in self.services:
            svc.link.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
