"""Where the agent's MQTT security is enforced: [mqtt] into ClientSettings, or a refusal.

`client_settings(config)` checks the TLS files, reads the password from `password_file`
(warning when a secret file is group- or world-readable) and refuses plaintext to a broker
that is not on this machine unless `allow_insecure`. The daemon's link, `mqtt-test`, the
schedule's retained read and the central side all build their settings here.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from agent.contract.topics import username
from agent.errors import ConfigError
from agent.i18n import t
from agent.mqtt.settings import ClientSettings, TlsSettings, Will

if TYPE_CHECKING:
    from agent.config import Config

log = logging.getLogger(__name__)


def client_settings(
    config: Config, *, will: Will | None = None, client_id: str | None = None
) -> ClientSettings:
    """Build the client settings from [mqtt]; ConfigError (exit 3) if unsafe or broken."""
    m = config.mqtt
    if not m.host:
        raise ConfigError(t("mqtt.cfg.no_host"), hint=t("mqtt.cfg.no_host_hint"))
    port = m.port or (8883 if m.tls else 1883)
    if not m.tls and not m.allow_insecure and not is_loopback(m.host):
        raise ConfigError(
            t("mqtt.cfg.insecure", host=m.host, port=port), hint=t("mqtt.cfg.insecure_hint")
        )
    tls = None
    if m.tls:
        for key in ("ca_file", "cert_file", "key_file"):
            value = getattr(m, key)
            if value and not Path(value).is_file():
                raise ConfigError(t("mqtt.cfg.missing_file", key=key, path=value))
        if bool(m.cert_file) != bool(m.key_file):
            raise ConfigError(t("mqtt.cfg.cert_pair"))
        if m.key_file:
            warn_if_exposed(m.key_file, "key_file")
        tls = TlsSettings(
            ca_file=m.ca_file or None, cert_file=m.cert_file or None, key_file=m.key_file or None
        )
    password = None
    if m.password_file:
        password = read_password(m.password_file)
    # Contract v2: a room's username (and client id) is {province}/{room}, which the broker's
    # ACL pattern hnth/v2/%u/… pins to the room's own subtree.
    own = username(config.room.province, config.room.id)
    return ClientSettings(
        host=m.host,
        port=port,
        client_id=client_id or own,
        protocol=m.protocol,
        keepalive_s=m.keepalive_s,
        session_expiry_s=m.session_expiry_s,
        clean_start=False,
        username=m.username or (own if password is not None else None),
        password=password,
        tls=tls,
        will=will,
        reconnect_max_s=m.reconnect_max_s,
    )


def read_password(path: str) -> str:
    """Read the broker password (first line of `path`); ConfigError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            t("mqtt.cfg.password_unreadable", path=path, error=exc.strerror or exc)
        ) from None
    warn_if_exposed(path, "password_file")
    password = text.splitlines()[0] if text else ""
    if not password:
        raise ConfigError(t("mqtt.cfg.password_empty", path=path))
    return password


def warn_if_exposed(path: str, key: str) -> bool:
    """Log a warning when a file holding a secret is group- or world-readable; True if so."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return False
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning("%s", t("mqtt.cfg.exposed", key=key, path=path, mode=f"{stat.S_IMODE(mode):o}"))
        return True
    return False


def is_loopback(host: str) -> bool:
    """True if `host` is a loopback address or a name that resolves only to loopback."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addrs = {str(i[4][0]) for i in infos}
    return bool(addrs) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs)


__all__ = ["client_settings", "is_loopback", "read_password", "warn_if_exposed"]
