"""A real mosquitto broker as a child process, for tests, benches and `hnth-agent demo`.

    with Mosquitto(tmp_dir) as broker:              # a free 127.0.0.1 port, anonymous allowed
        broker.host, broker.port
        broker.kill()                                # SIGKILL, reaped
        broker.start()                               # same port again
    Mosquitto(d, users={"central": "pw"}, acl=CONTRACT_ACL)        # passwords + the contract ACL
    Mosquitto(d, tls=ServerTls(pki.ca, pki.server_cert, pki.server_key, require_certificate=True))
    Mosquitto(d, extra="connection national\\naddress 127.0.0.1:1884\\n…")   # a bridge
    pki = make_pki(d, clients=["xa-a"])              # CA, server cert (SAN 127.0.0.1), client certs

Notes (see docs/mosquitto/): mosquitto drops root to the `mosquitto` user, so every file it
reads is made world-readable; it logs to stderr (stdout is buffered until exit), which goes
to `<dir>/mosquitto.log`. Nothing here builds a shell command line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Self

from agent import programs
from agent.errors import AgentError

# The contract's ACL (docs/mosquitto/acl): each room pinned to its own hnth/v2/{province}/{room}
# subtree by its username `{province}/{room}`, with no wildcard between province and room; only
# `central` sends commands and publishes meetings.
CONTRACT_ACL: Final = """\
# rooms (contract v2): the username is {province}/{room}
pattern write hnth/v2/%u/status
pattern write hnth/v2/%u/meta
pattern write hnth/v2/%u/readiness
pattern write hnth/v2/%u/snapshot
pattern write hnth/v2/%u/events
pattern write hnth/v2/%u/resp/#
pattern read  hnth/v2/%u/cmd/#
pattern read  hnth/v2/+/_schedule/+
# central staff: read everything, command rooms, publish meetings (v2, and v1 while rooms migrate)
user central
topic read  hnth/#
topic write hnth/v2/+/+/cmd/#
topic write hnth/v2/+/_schedule/+
topic write hnth/v1/+/+/+/cmd/#
topic write hnth/v1/+/schedule/+
"""
# While rooms still run contract v1 (docs/migration.md): the v1 rules too. A v1 room's username
# is its bare slug, so these lines keep v1's weakness (any province or district) for v1 rooms
# only; a v2 username holds a '/', so a v2 room can never match them. Drop them after the move.
MIGRATION_ACL: Final = (
    CONTRACT_ACL
    + """\
# rooms still on contract v1: the username is the room slug (remove once all rooms are on v2)
pattern write hnth/v1/+/+/%u/status
pattern write hnth/v1/+/+/%u/readiness
pattern write hnth/v1/+/+/%u/snapshot
pattern write hnth/v1/+/+/%u/events
pattern write hnth/v1/+/+/%u/resp/#
pattern read  hnth/v1/+/+/%u/cmd/#
pattern read  hnth/v1/+/schedule/+
"""
)


@dataclass(frozen=True, slots=True)
class ServerTls:
    """The broker side of TLS; `require_certificate` makes it mTLS."""

    ca_file: Path
    cert_file: Path
    key_file: Path
    require_certificate: bool = False


@dataclass(frozen=True, slots=True)
class Pki:
    """Files made by `make_pki`: a CA, a server cert for 127.0.0.1/localhost, client certs."""

    dir: Path
    ca: Path
    ca_key: Path
    server_cert: Path
    server_key: Path

    def client(self, name: str) -> tuple[Path, Path]:
        """Return (cert, key) of client `name` (made by make_pki or `add_client`)."""
        return self.dir / f"{name}.crt", self.dir / f"{name}.key"


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Mosquitto:
    """One mosquitto process on a fixed loopback port; restartable on the same port."""

    def __init__(
        self,
        workdir: Path,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        users: dict[str, str] | None = None,
        acl: str | None = None,
        tls: ServerTls | None = None,
        extra: str = "",
        persistence: bool = False,
        conf: str | None = None,
    ) -> None:
        """Write the config into `workdir`; `start()` runs it.

        `conf` replaces the generated config with a whole mosquitto.conf text (e.g. one of
        docs/mosquitto/ with its paths rewritten); it must listen on `port`.
        """
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        self.host = host
        self.port = port or free_port(host)
        self.users = dict(users or {})
        self.acl = acl
        self.tls = tls
        self.extra = extra
        self.persistence = persistence
        self.conf = self.dir / "mosquitto.conf"
        self.log_path = self.dir / "mosquitto.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: int | None = None
        if conf is not None:
            self.conf.write_text("\n".join([*self._common(), conf]) + "\n", encoding="utf-8")
            self.conf.chmod(0o644)
        else:
            self._write_config()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`mqtt://host:port` or `mqtts://host:port`."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The running broker's pid, if any."""
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    def start(self, timeout: float = 5.0) -> Self:
        """Start the broker (again, on the same port) and wait until it accepts TCP."""
        if self.pid is not None:
            return self
        exe = programs.require("mosquitto")
        log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            self._proc = subprocess.Popen(
                [exe, "-c", str(self.conf)],
                stdin=subprocess.DEVNULL,
                stdout=log_fd,
                stderr=log_fd,
                start_new_session=True,
            )
        finally:
            os.close(log_fd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._proc = None
                raise AgentError(f"mosquitto exited at start; log: {self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), 0.2),
            ):
                return self
            time.sleep(0.01)
        self.stop()
        raise AgentError(
            f"mosquitto did not listen on {self.port} within {timeout:g} s: {self.log_tail()}"
        )

    def kill(self) -> None:
        """SIGKILL the broker (a crash: no clean disconnects) and reap it."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def restart(self, timeout: float = 5.0) -> Self:
        """Kill, then start again on the same port."""
        self.kill()
        return self.start(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the broker, wait for it, SIGKILL if it lingers; always reaped."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the broker logged."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _common(self) -> list[str]:
        lines = ["log_dest stderr", "log_type error", "log_type warning", "log_type notice"]
        lines.append("log_type information")
        if os.geteuid() == 0:
            # Test temp dirs (e.g. pytest's /tmp/pytest-of-root) are 0700: a broker that
            # dropped to the `mosquitto` user could not read its own files there.
            lines.append("user root")
        return lines

    def _write_config(self) -> None:
        lines = [
            "per_listener_settings false",
            *self._common(),
            f"persistence {'true' if self.persistence else 'false'}",
        ]
        if self.persistence:
            lines.append(f"persistence_location {self.dir}/")
        authenticated = bool(self.users) or self.acl is not None
        lines.append(f"allow_anonymous {'false' if authenticated else 'true'}")
        if self.users:
            pw = self.dir / "passwd"
            write_password_file(pw, self.users)
            lines.append(f"password_file {pw}")
        if self.acl is not None:
            acl = self.dir / "acl"
            acl.write_text(self.acl, encoding="utf-8")
            acl.chmod(0o644)
            lines.append(f"acl_file {acl}")
        lines.append(f"listener {self.port} {self.host}")
        lines.append("set_tcp_nodelay true")
        if self.tls:
            lines += [
                f"cafile {self.tls.ca_file}",
                f"certfile {self.tls.cert_file}",
                f"keyfile {self.tls.key_file}",
                f"require_certificate {'true' if self.tls.require_certificate else 'false'}",
            ]
        if self.extra:
            lines.append(self.extra)
        self.conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.conf.chmod(0o644)


def write_password_file(path: Path, users: dict[str, str]) -> None:
    """Make a mosquitto password file with `mosquitto_passwd -b` (hashed, never plaintext)."""
    exe = programs.require("mosquitto_passwd")
    path.unlink(missing_ok=True)
    path.touch()
    for user, password in users.items():
        subprocess.run(
            [exe, "-b", str(path), user, password], check=True, capture_output=True, timeout=10
        )
    path.chmod(0o644)  # mosquitto reads it after dropping root


def make_pki(directory: Path, clients: list[str] | tuple[str, ...] = (), *, days: int = 365) -> Pki:
    """Create a CA, a server cert (SAN 127.0.0.1, localhost) and client certs with openssl."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o755)
    ca, ca_key = d / "ca.crt", d / "ca.key"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-days", str(days), "-subj", "/CN=hnth-test-ca", "-keyout", ca_key, "-out", ca,
    )  # fmt: skip
    pki = Pki(d, ca, ca_key, d / "server.crt", d / "server.key")
    _sign(pki, "server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost", days)
    for name in clients:
        add_client(pki, name, days=days)
    for f in d.iterdir():
        f.chmod(0o644)
    return pki


def add_client(pki: Pki, name: str, *, days: int = 365) -> tuple[Path, Path]:
    """Issue a client certificate with CN=`name` from the PKI's CA."""
    _sign(pki, name, name, "extendedKeyUsage=clientAuth", days)
    cert, key = pki.client(name)
    cert.chmod(0o644)
    key.chmod(0o644)
    return cert, key


def _sign(pki: Pki, name: str, cn: str, ext: str, days: int) -> None:
    key, csr, crt, extf = (pki.dir / f"{name}.{s}" for s in ("key", "csr", "crt", "ext"))
    if name == "server":
        key, crt = pki.server_key, pki.server_cert
    extf.write_text(ext + "\n", encoding="utf-8")
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-subj", f"/CN={cn}", "-keyout", key, "-out", csr,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", csr, "-CA", pki.ca, "-CAkey", pki.ca_key, "-CAcreateserial",
        "-days", str(days), "-extfile", extf, "-out", crt,
    )  # fmt: skip
    csr.unlink()
    extf.unlink()


def _openssl(*args: str | Path) -> None:
    exe = programs.require("openssl")
    proc = subprocess.run([exe, *map(str, args)], capture_output=True, timeout=30, check=False)
    if proc.returncode != 0:
        raise AgentError(
            f"openssl {args[0]} failed: {proc.stderr.decode(errors='replace').strip()}"
        )
