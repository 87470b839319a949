"""The one module that imports paho-mqtt: a small, bounded, thread-safe MQTT client.

Used by the agent's link (agent/mqtt/link.py), `mqtt-test`, the central board and tests::

    settings = ClientSettings(host="127.0.0.1", port=1883, client_id="central",
                              username="central", password="…", tls=TlsSettings(ca_file="ca.pem"))
    with MqttClient(settings) as c:          # start() + wait_connected(); BrokerError if refused
        c.subscribe("hnth/v1/#")
        msg = c.get_message(timeout=1.0)     # Message(topic, payload, retain, properties…) | None
        c.publish(topic, b"{}", response_topic=…, correlation_data=b"…")
        rc = c.publish_wait(topic, payload, retain=True, timeout=5)   # PUBACK reason code

Design:
- One network thread (ours, not `loop_start`) connects, runs `loop()` and reconnects with
  exponential backoff and per-client jitter, so 200 rooms do not reconnect in step.
- Subscriptions are remembered and renewed on every connect.
- Every paho callback is wrapped: an exception inside one would kill the network thread.
  User callbacks run on the network thread and must be quick (queue work, do not block).
- Bounded: at most `max_pending` unacknowledged publishes (BusyError beyond) and at most
  `max_messages` received messages waiting in `get_message()` (the oldest is dropped, counted).
- MQTT 5 sets the Session Expiry explicitly: paho sends none, and `clean_start=False`
  alone gives no persistent session.
- The password never appears in a repr or a log line.

What the client is told and reports back (settings, messages, link states, failures, backoff)
is plain data in agent.mqtt.settings, re-exported here; what it holds between callbacks (the
publishes awaiting their PUBACK, the received messages) is agent.mqtt.inflight.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Self

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from agent.errors import BrokerError, BusyError
from agent.mqtt.inflight import Acks, Inbox, Waiter
from agent.mqtt.settings import (
    BAD_CREDENTIALS,
    NOT_AUTHORIZED,
    ClientSettings,
    ConnectFailure,
    LinkState,
    Message,
    ProtocolVersion,
    Subscription,
    TlsSettings,
    Will,
    backoff,
    connect_failure,
    reason_value,
    ssl_text,
)

log = logging.getLogger(__name__)


class MqttClient:
    """A bounded MQTT client with its own reconnecting network thread."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        on_connect: Callable[[bool], None] | None = None,
        on_disconnect: Callable[[str], None] | None = None,
        on_message: Callable[[Message], None] | None = None,
        on_publish: Callable[[int, int], None] | None = None,
    ) -> None:
        """Prepare the client; nothing touches the network until `start()`.

        `on_connect(session_present)`, `on_disconnect(reason)`, `on_publish(mid, reason_code)`
        and `on_message(msg)` run on the network thread. Without `on_message`, messages
        queue for `get_message()`.
        """
        self.settings = settings
        self._on_connect_cb = on_connect
        self._on_disconnect_cb = on_disconnect
        self._on_message_cb = on_message
        self._on_publish_cb = on_publish
        self._v5 = settings.protocol == "5"
        # Per-client jitter: seeded by the client id so each room has its own rhythm.
        self._rng = random.Random(f"{settings.client_id}/{time.time_ns()}")
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._ready = threading.Event()  # connected and the remembered subscriptions acknowledged
        self._resub_mid: int | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = LinkState.IDLE
        self._subs: dict[str, Subscription] = {}
        self._acks = Acks()
        self._sub_waits: dict[int, tuple[threading.Event, list[int]]] = {}
        self._inbox = Inbox(settings.max_messages)
        self.last_failure: ConnectFailure | None = None
        self.connects = 0
        self._paho = self._make_paho()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        self.start()
        if not self.wait_first_attempt(self.settings.connect_timeout_s):
            self.stop()
            raise BrokerError(self.failure_text())
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the network thread; it connects and keeps reconnecting until `stop()`."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name=f"mqtt-{self.settings.client_id}", daemon=True
        )
        # paho's threaded mode: with _thread set, publish() from other threads only queues
        # and wakes the loop, instead of writing the socket concurrently with our thread.
        self._paho._thread = self._thread
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect cleanly (the broker discards the Will) and join the network thread."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            if self._connected.is_set():
                try:
                    self._paho.disconnect()
                except Exception:
                    log.debug("disconnect failed", exc_info=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("MQTT network thread did not stop within %.1f s", timeout)
        self._state = LinkState.STOPPED
        with self._lock:
            for w in self._acks.waiters():
                if w.event is not None:
                    w.event.set()

    def kick(self) -> None:
        """Cut the backoff short and try to connect now."""
        self._wake.set()

    @property
    def dropped_messages(self) -> int:
        """Received messages dropped because `get_message()` fell `max_messages` behind."""
        return self._inbox.dropped

    @property
    def state(self) -> LinkState:
        """Where the network thread is."""
        return self._state

    @property
    def connected(self) -> bool:
        """True between a successful CONNACK and the next disconnect."""
        return self._connected.is_set()

    def alive(self) -> bool:
        """True while the network thread runs (connected or backing off); for the watchdog."""
        return self._thread is not None and self._thread.is_alive()

    def wait_connected(self, timeout: float) -> bool:
        """Wait up to `timeout` s for a connection; False if none (see `last_failure`)."""
        return self._connected.wait(timeout)

    def wait_first_attempt(self, timeout: float) -> bool:
        """Wait until the first connection attempt ends; True if it connected."""
        deadline = time.monotonic() + timeout
        while not self._connected.is_set() and self.last_failure is None:
            if time.monotonic() >= deadline:
                break
            self._connected.wait(0.02)
        return self._connected.is_set()

    def wait_ready(self, timeout: float) -> bool:
        """Wait until connected and every remembered subscription has its SUBACK."""
        return self._ready.wait(timeout)

    def failure_text(self) -> str:
        """One line saying why we are not connected."""
        f = self.last_failure
        return f.text if f else f"no connection to {self.settings.host}:{self.settings.port}"

    # ------------------------------------------------------------------ publishing

    def publish(
        self,
        topic: str,
        payload: bytes | str,
        *,
        qos: int = 1,
        retain: bool = False,
        content_type: str | None = None,
        response_topic: str | None = None,
        correlation_data: bytes | None = None,
        message_expiry_s: int | None = None,
        user_properties: Sequence[tuple[str, str]] = (),
        on_ack: Callable[[int, int], None] | None = None,
    ) -> int:
        """Queue a publish and return its mid; `on_ack(mid, rc)` (or on_publish) gets the PUBACK.

        `on_ack` is bound to this publish before any PUBACK can be seen, so it never misses
        a fast acknowledgement. A publish made while disconnected waits in RAM and goes out
        after reconnecting. Raises BusyError when `max_pending` publishes are unacknowledged.
        """
        return self._publish(
            topic,
            payload,
            qos,
            retain,
            Waiter(on_ack),
            self._pub_props(
                content_type, response_topic, correlation_data, message_expiry_s, user_properties
            ),
        )

    def publish_wait(
        self,
        topic: str,
        payload: bytes | str,
        *,
        qos: int = 1,
        retain: bool = False,
        timeout: float = 5.0,
        content_type: str | None = None,
        response_topic: str | None = None,
        correlation_data: bytes | None = None,
        message_expiry_s: int | None = None,
        user_properties: Sequence[tuple[str, str]] = (),
    ) -> int | None:
        """Publish, wait for the PUBACK; return its reason code (0 ok, 135 denied) or None."""
        waiter = Waiter(None, threading.Event())
        props = self._pub_props(
            content_type, response_topic, correlation_data, message_expiry_s, user_properties
        )
        self._publish(topic, payload, qos, retain, waiter, props)
        assert waiter.event is not None
        waiter.event.wait(timeout)
        return waiter.rc

    def pending(self) -> int:
        """Publishes handed to the broker (or queued for it) and not yet acknowledged."""
        with self._lock:
            return len(self._acks)

    # ------------------------------------------------------------------ subscribing

    def subscribe(
        self,
        topic_filter: str,
        qos: int = 1,
        timeout: float = 5.0,
        *,
        retain_as_published: bool = False,
        retain_handling: int = 0,
    ) -> list[int] | None:
        """Subscribe now if connected (and again on every reconnect); return the SUBACK codes.

        MQTT 5 options: `retain_as_published` keeps the retain flag on live messages;
        `retain_handling=2` asks the broker not to send retained messages at subscribe time.
        Codes: the granted QoS, or >= 128 when refused (135 not authorised). None if not
        connected yet (the subscription is made on connect) or no SUBACK within `timeout`.
        """
        sub = Subscription(topic_filter, qos, retain_as_published, retain_handling)
        with self._lock:
            self._subs[topic_filter] = sub
        if not self._connected.is_set():
            return None
        return self._send_subscribe([sub], timeout)

    def unsubscribe(self, topic_filter: str) -> None:
        """Forget a subscription and unsubscribe if connected."""
        with self._lock:
            self._subs.pop(topic_filter, None)
        if self._connected.is_set():
            self._paho.unsubscribe(topic_filter)

    def get_message(self, timeout: float | None = None) -> Message | None:
        """Return the next received message, or None after `timeout` seconds."""
        return self._inbox.get(timeout)

    def iter_messages(self, timeout: float) -> Iterator[Message]:
        """Yield messages until none arrives for `timeout` seconds."""
        while (msg := self.get_message(timeout)) is not None:
            yield msg

    # ------------------------------------------------------------------ internals

    def _make_paho(self) -> paho.Client:
        s = self.settings
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=s.client_id,
            protocol=paho.MQTTv5 if self._v5 else paho.MQTTv311,
            clean_session=None if self._v5 else s.clean_start,
            reconnect_on_failure=False,
        )
        client.suppress_exceptions = True
        client.connect_timeout = s.connect_timeout_s  # bounds TCP connect and TLS handshake
        client.max_inflight_messages_set(s.max_inflight)
        if s.username is not None:
            client.username_pw_set(s.username, s.password)
        if s.tls is not None:
            client.tls_set_context(tls_context(s.tls))
        if s.will is not None:
            will_props = _props(PacketTypes.WILLMESSAGE) if self._v5 else None
            client.will_set(s.will.topic, s.will.payload, s.will.qos, s.will.retain, will_props)
        client.on_connect = _guard(self._on_connect)
        client.on_disconnect = _guard(self._on_disconnect)
        client.on_message = _guard(self._on_message)
        client.on_publish = _guard(self._on_publish)
        client.on_subscribe = _guard(self._on_subscribe)
        client.on_connect_fail = _guard(lambda *_: None)
        return client

    def _publish(  # noqa: PLR0917 - private; the public methods take keywords
        self,
        topic: str,
        payload: bytes | str,
        qos: int,
        retain: bool,
        waiter: Waiter,
        props: Properties | None,
    ) -> int:
        with self._lock:
            if len(self._acks) >= self.settings.max_pending:
                raise BusyError(f"{len(self._acks)} MQTT publishes are waiting for the broker")
        # Not under self._lock: paho holds its own message lock while calling on_publish,
        # which takes self._lock, so holding ours here could deadlock. A PUBACK that beats
        # the registration below is parked in the Acks.
        info = self._paho.publish(topic, payload, qos, retain, props)
        if info.rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN):
            raise BrokerError(f"publish to {topic} failed: {paho.error_string(info.rc)}")
        with self._lock:
            early = self._acks.register(info.mid, waiter)
        if early is not None:
            self._acknowledge(info.mid, waiter, early)
        if not self._connected.is_set():
            self._wake.set()  # cut a reconnect backoff short: there is something to send
        return info.mid

    def _pub_props(
        self,
        content_type: str | None,
        response_topic: str | None,
        correlation_data: bytes | None,
        message_expiry_s: int | None,
        user_properties: Sequence[tuple[str, str]],
    ) -> Properties | None:
        if not self._v5:
            return None
        if not (
            content_type
            or response_topic
            or correlation_data
            or message_expiry_s
            or user_properties
        ):
            return None
        props = _props(PacketTypes.PUBLISH)
        if content_type:
            props.ContentType = content_type
        if response_topic:
            props.ResponseTopic = response_topic
        if correlation_data is not None:
            props.CorrelationData = correlation_data
        if message_expiry_s is not None:
            props.MessageExpiryInterval = message_expiry_s
        if user_properties:
            props.UserProperty = list(user_properties)
        return props

    def _send_subscribe(self, items: list[Subscription], timeout: float) -> list[int] | None:
        ev = threading.Event()
        codes: list[int] = []
        with self._lock:
            rc, mid = self._paho.subscribe(self._sub_args(items))
            if rc != paho.MQTT_ERR_SUCCESS or mid is None:
                return None
            self._sub_waits[mid] = (ev, codes)
        if not ev.wait(timeout):
            with self._lock:
                self._sub_waits.pop(mid, None)
            return None
        return codes

    def _sub_args(self, items: list[Subscription]) -> Any:
        if not self._v5:
            return [(s.filter, s.qos) for s in items]
        return [
            (
                s.filter,
                SubscribeOptions(
                    qos=s.qos,
                    retainAsPublished=s.retain_as_published,
                    retainHandling=s.retain_handling,
                ),
            )
            for s in items
        ]

    def _connect_props(self) -> Properties | None:
        if not self._v5:
            return None
        props = _props(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.settings.session_expiry_s
        return props

    def _run(self) -> None:
        s = self.settings
        attempt = 0
        while not self._stopping.is_set():
            self._state = LinkState.CONNECTING
            ok = self._attempt()
            if ok:
                attempt = 0
            if self._stopping.is_set():
                break
            delay = backoff(attempt, s.reconnect_min_s, s.reconnect_max_s, self._rng)
            attempt += 1
            self._state = LinkState.WAITING
            log.debug("MQTT reconnect in %.2f s", delay)
            self._wake.clear()
            self._wake.wait(delay)
        self._state = LinkState.STOPPED

    def _attempt(self) -> bool:
        """Connect once and run the loop until the link drops; True if CONNACK succeeded."""
        s = self.settings
        was_connected = False
        # A new process starts clean: commands queued for a previous run are stale, and a
        # clean takeover makes the broker publish the old session's Will (its old boot_id).
        # Reconnects within the process resume the session so no command is lost.
        clean = s.clean_start or (s.clean_first and self.connects == 0)
        if not self._v5:
            self._paho._clean_session = clean  # paho fixes 3.1.1's flag at construction
        try:
            self._paho.connect(
                s.host,
                s.port,
                s.keepalive_s,
                clean_start=clean if self._v5 else paho.MQTT_CLEAN_START_FIRST_ONLY,
                properties=self._connect_props(),
            )
        except ssl.SSLError as exc:
            self._fail(None, f"TLS to {s.host}:{s.port} failed: {ssl_text(exc)}", tls=True)
            return False
        except (OSError, ValueError) as exc:
            self._fail(None, f"cannot reach {s.host}:{s.port}: {exc}")
            return False
        sock = self._paho.socket()
        if isinstance(sock, socket.socket | ssl.SSLSocket):
            # Small MQTT packets must not wait for Nagle: with the peer's delayed ACK a QoS 1
            # stream stalls 40 ms at a time.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        deadline = time.monotonic() + s.connect_timeout_s
        try:
            while not self._stopping.is_set() or self._connected.is_set():
                rc = self._paho.loop(timeout=0.2)
                if self._connected.is_set():
                    was_connected = True
                elif time.monotonic() > deadline and not was_connected:
                    self._fail(
                        None, f"no CONNACK from {s.host}:{s.port} within {s.connect_timeout_s:g} s"
                    )
                    self._paho.disconnect()
                    break
                if rc != paho.MQTT_ERR_SUCCESS:
                    break
        except ssl.SSLError as exc:
            self._fail(None, f"TLS to {s.host}:{s.port} failed: {ssl_text(exc)}", tls=True)
        except Exception:
            log.exception("MQTT network loop failed")
        finally:
            self._ready.clear()
            if self._connected.is_set():
                self._connected.clear()
                self._call(self._on_disconnect_cb, "connection lost")
            try:
                self._paho._sock_close()
            except Exception:
                log.debug("socket close failed", exc_info=True)
        return was_connected

    def _fail(self, reason_code: int | None, text: str, *, tls: bool = False) -> None:
        self.last_failure = connect_failure(reason_code, text, tls=tls)
        log.warning("MQTT: %s", text)

    # paho callbacks (wrapped by _guard; they run on the network thread) -------------

    def _on_connect(
        self, _c: object, _u: object, flags: Any, reason: ReasonCode, _p: object
    ) -> None:
        code = reason_value(reason)
        if code != 0:
            self._fail(
                code,
                f"broker {self.settings.host}:{self.settings.port} refused the login: {reason}",
            )
            return
        self.last_failure = None
        self.connects += 1
        with self._lock:
            subs = list(self._subs.items())
            self._connected.set()
        self._state = LinkState.CONNECTED
        log.info("MQTT connected to %s:%s", self.settings.host, self.settings.port)
        if subs:
            with self._lock:
                _, self._resub_mid = self._paho.subscribe(self._sub_args([sub for _, sub in subs]))
        else:
            self._ready.set()
        self._call(self._on_connect_cb, bool(getattr(flags, "session_present", False)))

    def _on_disconnect(
        self, _c: object, _u: object, _f: object, reason: ReasonCode, _p: object
    ) -> None:
        self._ready.clear()
        if self._connected.is_set():
            self._connected.clear()
            log.info("MQTT disconnected: %s", reason)
            self._call(self._on_disconnect_cb, str(reason))

    def _on_message(self, _c: object, _u: object, m: paho.MQTTMessage) -> None:
        props = getattr(m, "properties", None)
        msg = Message(
            topic=m.topic,
            payload=bytes(m.payload),
            qos=m.qos,
            retain=bool(m.retain),
            content_type=getattr(props, "ContentType", None),
            response_topic=getattr(props, "ResponseTopic", None),
            correlation_data=getattr(props, "CorrelationData", None),
            message_expiry_s=getattr(props, "MessageExpiryInterval", None),
            user_properties=tuple(tuple(p) for p in getattr(props, "UserProperty", []) or []),
            received_at=time.monotonic(),
        )
        if self._on_message_cb is not None:
            self._on_message_cb(msg)
            return
        self._inbox.put(msg)

    def _on_publish(self, _c: object, _u: object, mid: int, reason: ReasonCode, _p: object) -> None:
        code = reason_value(reason)
        # Codes below 128 are successes (16 is "no matching subscribers"): report them as 0.
        code = 0 if code < 128 else code
        with self._lock:
            waiter = self._acks.acked(mid, code)
        if waiter is not None:
            self._acknowledge(mid, waiter, code)

    def _acknowledge(self, mid: int, waiter: Waiter, code: int) -> None:
        if code >= 128:
            log.debug("broker refused publish %d: reason %d", mid, code)
        waiter.rc = code
        if waiter.event is not None:
            waiter.event.set()
        self._call(waiter.on_ack, mid, code)
        self._call(self._on_publish_cb, mid, code)

    def _on_subscribe(
        self, _c: object, _u: object, mid: int, codes: list[ReasonCode], _p: object
    ) -> None:
        with self._lock:
            wait = self._sub_waits.pop(mid, None)
            if mid == self._resub_mid and self._connected.is_set():
                self._ready.set()
        if wait is not None:
            wait[1].extend(reason_value(c) for c in codes)
            wait[0].set()

    @staticmethod
    def _call(cb: Callable[..., None] | None, *args: Any) -> None:
        if cb is None:
            return
        try:
            cb(*args)
        except Exception:
            log.exception("MQTT user callback %s failed", getattr(cb, "__qualname__", cb))


def tls_context(tls: TlsSettings) -> ssl.SSLContext:
    """Build the client TLS context: verify the broker, present our cert for mTLS."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=tls.ca_file or None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = tls.check_hostname
    if tls.cert_file:
        ctx.load_cert_chain(tls.cert_file, tls.key_file or None)
    return ctx


def resolve(host: str) -> list[str]:
    """Resolve a broker host name to its addresses (raises OSError)."""
    return sorted({str(a[4][0]) for a in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})


def _props(packet_type: int) -> Properties:
    props: Properties = Properties(packet_type)  # type: ignore[no-untyped-call]
    return props


def _guard(fn: Callable[..., None]) -> Callable[..., None]:
    """Wrap a paho callback so that an exception is logged instead of killing paho's thread."""

    def wrapped(*args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("MQTT callback %s failed", getattr(fn, "__name__", fn))

    return wrapped


@contextmanager
def connected(settings: ClientSettings, **callbacks: Any) -> Iterator[MqttClient]:
    """Start a client, wait for the connection (BrokerError if none) and stop it afterwards."""
    client = MqttClient(settings, **callbacks)
    with client:
        yield client


# The settings and the failure model live in agent.mqtt.settings; callers import them from here.
__all__ = [
    "BAD_CREDENTIALS",
    "NOT_AUTHORIZED",
    "ClientSettings",
    "ConnectFailure",
    "LinkState",
    "Message",
    "MqttClient",
    "ProtocolVersion",
    "TlsSettings",
    "Will",
    "backoff",
    "connected",
    "resolve",
    "tls_context",
]
