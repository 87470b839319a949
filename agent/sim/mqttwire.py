"""A minimal MQTT 5 client codec for the simulated fleet: sans-IO, no networking code here.

Only what a simulated room needs: CONNECT with a Will, PUBLISH QoS 0/1 with the contract's MQTT 5
properties, PUBACK, SUBSCRIBE, PINGREQ and DISCONNECT. It lets one process hold thousands of
real MQTT connections on one asyncio loop, each with its own Will, where paho needs a thread each.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

from agent.errors import RemoteProtocolError

MAX_PACKET: Final = 4 * 1024 * 1024


class PacketType(IntEnum):
    """MQTT control packet types (high nibble of the first byte)."""

    CONNECT = 1  # client → broker
    CONNACK = 2  # broker → client
    PUBLISH = 3  # both ways
    PUBACK = 4  # QoS 1 acknowledgement
    SUBSCRIBE = 8  # client → broker
    SUBACK = 9  # broker → client
    PINGREQ = 12  # client → broker
    PINGRESP = 13  # broker → client
    DISCONNECT = 14  # both ways


class Prop(IntEnum):
    """The MQTT 5 property identifiers the contract uses."""

    MESSAGE_EXPIRY = 0x02  # four-byte integer
    CONTENT_TYPE = 0x03  # UTF-8 string
    RESPONSE_TOPIC = 0x08  # UTF-8 string
    CORRELATION_DATA = 0x09  # binary data
    SESSION_EXPIRY = 0x11  # four-byte integer
    USER_PROPERTY = 0x26  # UTF-8 string pair


@dataclass(frozen=True, slots=True)
class Publish:
    """A received or outgoing PUBLISH."""

    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False
    packet_id: int = 0
    content_type: str | None = None
    response_topic: str | None = None
    correlation_data: bytes | None = None
    message_expiry_s: int | None = None
    user_properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Packet:
    """Any other packet: its type and the raw variable header + payload."""

    type: PacketType
    flags: int
    body: bytes


@dataclass(slots=True)
class Decoder:
    """Buffers bytes from the broker and yields whole packets."""

    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[Publish | Packet]:
        """Add bytes; return every complete packet now available."""
        self._buf += data
        out: list[Publish | Packet] = []
        while True:
            got = _split(self._buf)
            if got is None:
                return out
            first, body, used = got
            del self._buf[:used]
            out.append(_decode(first, body))


def connect(
    client_id: str,
    *,
    keepalive_s: int,
    will_topic: str | None = None,
    will_payload: bytes = b"",
    username: str | None = None,
    password: str | None = None,
) -> bytes:
    """CONNECT, MQTT 5, clean start, with an optional retained QoS 1 Will."""
    flags = 0x02
    payload = _str(client_id)
    if will_topic is not None:
        flags |= 0x04 | 0x08 | 0x20  # Will, Will QoS 1, Will retain
        payload += _varint(0) + _str(will_topic) + _bin(will_payload)
    if username is not None:
        flags |= 0x80
        payload += _str(username)
    if password is not None:
        flags |= 0x40
        payload += _bin(password.encode())
    variable = _str("MQTT") + bytes([5, flags]) + struct.pack(">H", keepalive_s) + _varint(0)
    return _packet(PacketType.CONNECT, 0, variable + payload)


def publish(p: Publish) -> bytes:
    """Encode a PUBLISH with its MQTT 5 properties."""
    props = b""
    if p.message_expiry_s is not None:
        props += bytes([Prop.MESSAGE_EXPIRY]) + struct.pack(">I", p.message_expiry_s)
    if p.content_type is not None:
        props += bytes([Prop.CONTENT_TYPE]) + _str(p.content_type)
    if p.response_topic is not None:
        props += bytes([Prop.RESPONSE_TOPIC]) + _str(p.response_topic)
    if p.correlation_data is not None:
        props += bytes([Prop.CORRELATION_DATA]) + _bin(p.correlation_data)
    for k, v in p.user_properties:
        props += bytes([Prop.USER_PROPERTY]) + _str(k) + _str(v)
    variable = (
        _str(p.topic)
        + (struct.pack(">H", p.packet_id) if p.qos else b"")
        + _varint(len(props))
        + props
    )
    flags = (p.qos << 1) | int(p.retain)
    return _packet(PacketType.PUBLISH, flags, variable + p.payload)


def puback(packet_id: int) -> bytes:
    """Acknowledge a QoS 1 PUBLISH (success, no properties)."""
    return _packet(PacketType.PUBACK, 0, struct.pack(">H", packet_id))


def subscribe(packet_id: int, topic_filter: str, qos: int = 1) -> bytes:
    """SUBSCRIBE to one filter."""
    return _packet(
        PacketType.SUBSCRIBE,
        0x02,
        struct.pack(">H", packet_id) + _varint(0) + _str(topic_filter) + bytes([qos]),
    )


def pingreq() -> bytes:
    """PINGREQ."""
    return bytes([PacketType.PINGREQ << 4, 0])


def disconnect() -> bytes:
    """DISCONNECT, normal: the broker discards the Will."""
    return bytes([PacketType.DISCONNECT << 4, 0])


def connack_code(pkt: Packet) -> int:
    """Return the CONNACK reason code (0 = success)."""
    if len(pkt.body) < 2:
        raise RemoteProtocolError(f"short CONNACK: {pkt.body.hex(' ')}")
    return pkt.body[1]


# ---------------------------------------------------------------- internals


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s: str) -> bytes:
    return _bin(s.encode("utf-8"))


def _bin(b: bytes) -> bytes:
    return struct.pack(">H", len(b)) + b


def _packet(kind: PacketType, flags: int, body: bytes) -> bytes:
    return bytes([(kind << 4) | flags]) + _varint(len(body)) + body


def _split(buf: bytearray) -> tuple[int, bytes, int] | None:
    """Return (first byte, body, bytes used) of the first whole packet, or None if incomplete."""
    if len(buf) < 2:
        return None
    length, mult, i = 0, 1, 1
    while True:
        if i >= len(buf):
            return None
        byte = buf[i]
        length += (byte & 0x7F) * mult
        mult *= 128
        i += 1
        if not byte & 0x80:
            break
        if i > 4:
            raise RemoteProtocolError(f"malformed remaining length: {bytes(buf[:5]).hex(' ')}")
    if length > MAX_PACKET:
        raise RemoteProtocolError(f"packet of {length} bytes exceeds {MAX_PACKET}")
    if len(buf) < i + length:
        return None
    return buf[0], bytes(buf[i : i + length]), i + length


def _read_varint(b: bytes, i: int) -> tuple[int, int]:
    n, mult = 0, 1
    for _ in range(4):
        byte = b[i]
        i += 1
        n += (byte & 0x7F) * mult
        mult *= 128
        if not byte & 0x80:
            return n, i
    raise RemoteProtocolError("malformed variable byte integer")


def _read_str(b: bytes, i: int) -> tuple[bytes, int]:
    (n,) = struct.unpack_from(">H", b, i)
    return b[i + 2 : i + 2 + n], i + 2 + n


def _decode(first: int, body: bytes) -> Publish | Packet:
    kind = first >> 4
    try:
        ptype = PacketType(kind)
    except ValueError:
        raise RemoteProtocolError(f"unexpected packet type {kind} ({first:02x})") from None
    if ptype is not PacketType.PUBLISH:
        return Packet(ptype, first & 0x0F, body)
    try:
        qos = (first >> 1) & 0x03
        topic, i = _read_str(body, 0)
        packet_id = 0
        if qos:
            (packet_id,) = struct.unpack_from(">H", body, i)
            i += 2
        plen, i = _read_varint(body, i)
        end = i + plen
        ct = rt = None
        cd = None
        expiry = None
        users: list[tuple[str, str]] = []
        while i < end:
            pid = body[i]
            i += 1
            if pid in (Prop.CONTENT_TYPE, Prop.RESPONSE_TOPIC):
                raw, i = _read_str(body, i)
                if pid == Prop.CONTENT_TYPE:
                    ct = raw.decode()
                else:
                    rt = raw.decode()
            elif pid == Prop.CORRELATION_DATA:
                cd, i = _read_str(body, i)
            elif pid == Prop.MESSAGE_EXPIRY:
                (expiry,) = struct.unpack_from(">I", body, i)
                i += 4
            elif pid == Prop.USER_PROPERTY:
                k, i = _read_str(body, i)
                v, i = _read_str(body, i)
                users.append((k.decode(), v.decode()))
            elif pid == 0x01:  # payload format indicator: one byte
                i += 1
            elif pid == 0x23:  # topic alias: two bytes
                i += 2
            elif pid == 0x0B:  # subscription identifier: varint
                _, i = _read_varint(body, i)
            else:
                raise RemoteProtocolError(f"unexpected PUBLISH property 0x{pid:02x}")
        return Publish(
            topic.decode("utf-8"),
            body[end:],
            qos,
            bool(first & 1),
            packet_id,
            ct,
            rt,
            cd,
            expiry,
            tuple(users),
        )
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise RemoteProtocolError(f"malformed PUBLISH ({exc}): {body[:32].hex(' ')}") from None
