"""Sony VISCA over IP: the 8-byte header and sequence numbers; this module contains no I/O."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from agent.visca.errors import ViscaLocalError, ViscaRemoteError
from agent.visca.framing import MessageType, hexs

DEFAULT_PORT: Final = 52381
HEADER: Final = struct.Struct(">HHI")
# Sony caps a VISCA message at 16 bytes ("Message length error" above that) and the
# VISCA-over-IP payload length field at 1..16: BRC-X400/X401/SRG-X400 Command List
# ("VISCA Communication Specifications", "VISCA over IP"; Sony, 2019). Sony's own wider
# positions fit in 16: the BRC-300 and BRC-H700 send a 5-nibble pan with a 4-nibble tilt
# (BRC-H700 Command List 4/5, AbsolutePosition). So a 17-byte packet is never valid here.
MAX_PAYLOAD: Final = 16
SEQUENCE_MASK: Final = 0xFFFFFFFF

CONTROL_RESET: Final = b"\x01"
CONTROL_ACK: Final = b"\x01"
CONTROL_ERROR_SEQUENCE: Final = b"\x0f\x01"
CONTROL_ERROR_TYPE: Final = b"\x0f\x02"


class PayloadType(IntEnum):
    """The first header field: what the payload is."""

    COMMAND = 0x0100  # a VISCA command packet
    INQUIRY = 0x0110  # a VISCA inquiry packet
    REPLY = 0x0111  # a VISCA reply packet from the camera
    SETTING = 0x0120  # a VISCA device setting command
    CONTROL = 0x0200  # RESET of the sequence number
    CONTROL_REPLY = 0x0201  # the camera's answer to a control message, or an error


def payload_length(datagram: bytes) -> int | None:
    """The payload length a datagram's header announces, None if it has no whole header."""
    if len(datagram) < HEADER.size:
        return None
    return int(HEADER.unpack_from(datagram)[1])


@dataclass(frozen=True, slots=True)
class Message:
    """One datagram: payload type, sequence number and payload."""

    payload_type: PayloadType
    sequence: int
    payload: bytes

    def to_bytes(self) -> bytes:
        """Encode header and payload."""
        if not 1 <= len(self.payload) <= MAX_PAYLOAD:
            raise ViscaLocalError("ptz.ip.bad_length", length=len(self.payload)).hinted(
                "ptz.ip.bad_length_hint"
            )
        return (
            HEADER.pack(self.payload_type, len(self.payload), self.sequence & SEQUENCE_MASK)
            + self.payload
        )

    @classmethod
    def from_bytes(cls, datagram: bytes) -> Message:
        """Decode one datagram; raise ViscaRemoteError naming the bytes if it is malformed."""
        if len(datagram) < HEADER.size + 1:
            raise ViscaRemoteError("ptz.ip.bad_datagram", data=hexs(datagram))
        kind, length, seq = HEADER.unpack_from(datagram)
        payload = datagram[HEADER.size :]
        if length != len(payload) or not 1 <= length <= MAX_PAYLOAD:
            raise ViscaRemoteError("ptz.ip.bad_datagram", data=hexs(datagram))
        try:
            ptype = PayloadType(kind)
        except ValueError:
            raise ViscaRemoteError("ptz.ip.bad_datagram", data=hexs(datagram)) from None
        return cls(ptype, seq, payload)


def reset(sequence: int = 0) -> Message:
    """The control RESET that sets the camera's expected sequence number to 0."""
    return Message(PayloadType.CONTROL, sequence, CONTROL_RESET)


class Sequencer:
    """Number outgoing VISCA packets and recognise the replies that belong to them."""

    def __init__(self) -> None:
        self._next = 0

    def reset(self) -> Message:
        """Return the RESET to send; numbering restarts at 0."""
        self._next = 0
        return reset(0)

    def wrap(self, packet: bytes) -> Message:
        """Wrap a bare VISCA packet with the next sequence number."""
        is_inquiry = len(packet) > 1 and packet[1] == MessageType.INQUIRY
        msg = Message(
            PayloadType.INQUIRY if is_inquiry else PayloadType.COMMAND, self._next, packet
        )
        self._next = (self._next + 1) & SEQUENCE_MASK
        return msg
