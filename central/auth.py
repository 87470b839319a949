"""Board access: scrypt password hashes, sessions in the database and per-session CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final, Protocol

from agent.contract.clock import iso

log = logging.getLogger(__name__)

SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
_MAX_SESSIONS: Final = 10_000  # sessions remembered for the fallback (oldest forgotten)
_GRACE_S: Final = 600.0  # how long a session vouched for stays usable while the database is away
_RETRY_S: Final = 2.0  # after the database failed, requests use the fallback this long
_PURGE_EVERY_S: Final = 3600.0  # a sign-in deletes expired rows at most this often
# A user's sessions end as expired, not deleted: its open pages say "session expired".
_END_USER: Final = 'UPDATE sessions SET expires=0 WHERE "user"=? AND expires>0'
_MAX_TRACKED: Final = 10_000  # users and addresses with recent failures (oldest forgotten)
DISABLED: Final = "!"  # a hash starting with this belongs to a disabled user


class Role(StrEnum):
    """What a user may do on the board."""

    VIEWER = "viewer"  # sees everything, changes nothing
    OPERATOR = "operator"  # also moves cameras, re-runs checks and schedules meetings


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in browser."""

    token: str
    user: str
    role: Role
    csrf: str
    expires: float


def hash_password(password: str) -> str:
    """Return `scrypt$N$r$p$salt$hash` for a password."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return "$".join(
        ("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest))
    )


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches a hash made by `hash_password` (constant-time compare)."""
    if stored.startswith(DISABLED):
        verify_password(password, stored[len(DISABLED) :])  # the same time as for any user
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(_unb64(digest)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


class SqlSeam(Protocol):
    """What Sessions needs of a `central.store.Store`: its lock and its driver seam."""

    @property
    def _lock(self) -> AbstractContextManager[Any]: ...

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class Sessions:
    """Sessions in the board's database: kept over a restart and shared by every board on it.

    Only the token's SHA-256 is stored. While the database does not answer, a session that this
    process saw the database vouch for within `_GRACE_S` still works (viewers keep their page);
    a new sign-in fails, and a sign-out here is remembered and written once the database is back.
    """

    def __init__(
        self,
        store: SqlSeam,
        ttl_s: float,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._clock, self._monotonic = clock, monotonic
        self._lock = threading.Lock()
        # token hash → (session, when the database last vouched for it): the fallback, and
        # never consulted while the database answers
        self._seen: OrderedDict[str, tuple[Session, float]] = OrderedDict()
        self._dropped: set[str] = set()  # token hashes signed out while the database was away
        self._dropped_users: set[str] = set()  # users whose sessions ended then
        self._down_until = 0.0  # the database failed: requests use the fallback until then
        self._purged = -float("inf")

    def create(self, user: str, role: Role) -> Session:
        """Start a session for a user who just proved their password (StoreUnavailable if down)."""
        now = self._clock()
        s = Session(
            secrets.token_urlsafe(32), user, role, secrets.token_urlsafe(32), now + self.ttl_s
        )
        digest = _digest(s.token)
        self._settle()
        self._exec(
            'INSERT INTO sessions(token_hash, "user", role, csrf, expires, created)'
            " VALUES(?,?,?,?,?,?)",
            (digest, user, role.value, s.csrf, s.expires, iso(datetime.fromtimestamp(now, UTC))),
        )
        self._remember(digest, s)
        if now - self._purged >= _PURGE_EVERY_S:
            self._purged = now
            try:
                self._exec("DELETE FROM sessions WHERE expires<?", (now,))
            except Exception as exc:
                if not _unavailable(exc):
                    raise
        return s

    def get(self, token: str | None) -> tuple[Session | None, bool]:
        """Return (session, expired); an expired session is removed."""
        if not token:
            return None, False
        digest = _digest(token)
        if self._monotonic() >= self._down_until:
            try:
                self._settle()
                rows = self._query(
                    'SELECT "user", role, csrf, expires FROM sessions WHERE token_hash=?',
                    (digest,),
                )
            except Exception as exc:
                if not _unavailable(exc):
                    raise
                self._went_down(exc)
            else:
                if self._down_until:
                    self._down_until = 0.0
                    log.warning("sessions checked in the database again")
                return self._answer(token, digest, rows)
        return self._fallback(digest)

    def expire(self, token: str) -> None:
        """Make a session expired now (tests and admin use)."""
        digest = _digest(token)
        self._exec("UPDATE sessions SET expires=0 WHERE token_hash=?", (digest,))
        with self._lock:
            self._seen.pop(digest, None)

    def drop(self, token: str) -> None:
        """Sign a session out (on every board; later if the database is away now)."""
        digest = _digest(token)
        with self._lock:
            self._seen.pop(digest, None)
            self._dropped.add(digest)
        self._try_settle()

    def drop_user(self, user: str) -> int:
        """Sign every session of a user out (disabled, deleted or new password); return how many."""
        with self._lock:
            for digest in [k for k, (s, _) in self._seen.items() if s.user == user]:
                del self._seen[digest]
        try:
            self._settle()
            return self._exec(_END_USER, (user,))
        except Exception as exc:
            if not _unavailable(exc):
                raise
            with self._lock:
                self._dropped_users.add(user)
            return 0

    # ------------------------------------------------------------ internals

    def _answer(
        self, token: str, digest: str, rows: list[tuple[Any, ...]]
    ) -> tuple[Session | None, bool]:
        if not rows:
            with self._lock:
                self._seen.pop(digest, None)
            return None, False
        user, role, csrf, expires = rows[0]
        if float(expires) < self._clock():
            with self._lock:
                self._seen.pop(digest, None)
                self._dropped.add(digest)
            self._try_settle()
            return None, True
        s = Session(token, str(user), Role(role), str(csrf), float(expires))
        self._remember(digest, s)
        return s, False

    def _fallback(self, digest: str) -> tuple[Session | None, bool]:
        with self._lock:
            found = None if digest in self._dropped else self._seen.get(digest)
        if found is None or self._monotonic() - found[1] > _GRACE_S:
            return None, False
        if found[0].expires < self._clock():
            return None, True
        return found[0], False

    def _remember(self, digest: str, s: Session) -> None:
        with self._lock:
            self._seen.pop(digest, None)
            self._seen[digest] = (s, self._monotonic())
            while len(self._seen) > _MAX_SESSIONS:
                self._seen.popitem(last=False)

    def _settle(self) -> None:
        """Write the sign-outs made while the database was away (before it is asked again)."""
        with self._lock:
            tokens, users = list(self._dropped), list(self._dropped_users)
        for digest in tokens:
            self._exec("DELETE FROM sessions WHERE token_hash=?", (digest,))
            with self._lock:
                self._dropped.discard(digest)
        for user in users:
            self._exec(_END_USER, (user,))
            with self._lock:
                self._dropped_users.discard(user)

    def _try_settle(self) -> None:
        try:
            self._settle()
        except Exception as exc:
            if not _unavailable(exc):
                raise
            self._went_down(exc)

    def _went_down(self, exc: Exception) -> None:
        if not self._down_until:
            log.warning("database not answering: sessions seen recently still work (%s)", exc)
        self._down_until = self._monotonic() + _RETRY_S

    def _exec(self, sql: str, params: Sequence[Any]) -> int:
        with self.store._lock:
            return self.store._exec(sql, params)

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self.store._lock:
            return self.store._query(sql, params)


@dataclass(frozen=True, slots=True)
class Lockout:
    """Why a sign-in is refused before its password is even checked."""

    who: str  # "user" or "address"
    seconds_left: int


class Throttle:
    """Failed sign-ins per user and per client address; too many in a window locks that key.

    While a key is locked every attempt is refused without checking the password, so a
    guesser gains nothing from finding the right one then, and costs no scrypt work.
    """

    def __init__(
        self,
        *,
        per_user: int = 5,
        per_address: int = 20,
        window_s: float = 900.0,
        lockout_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_user, self.per_address = per_user, per_address
        self.window_s, self.lockout_s = window_s, lockout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._fails: OrderedDict[str, deque[float]] = OrderedDict()
        self._until: dict[str, float] = {}

    def locked(self, user: str, address: str) -> Lockout | None:
        """Return the lockout that refuses this attempt now, or None."""
        now = self._clock()
        with self._lock:
            for who, key in (("user", f"u:{user}"), ("address", f"a:{address}")):
                until = self._until.get(key, 0.0)
                if until > now:
                    return Lockout(who, max(1, int(until - now + 0.999)))
                self._until.pop(key, None)
        return None

    def failed(self, user: str, address: str) -> list[str]:
        """Count a wrong password; return what it has just locked ("user", "address")."""
        now = self._clock()
        started: list[str] = []
        with self._lock:
            for who, key, limit in (
                ("user", f"u:{user}", self.per_user),
                ("address", f"a:{address}", self.per_address),
            ):
                times = self._fails.pop(key, None) or deque()
                times.append(now)
                while times and times[0] <= now - self.window_s:
                    times.popleft()
                self._fails[key] = times
                if len(times) >= limit and self._until.get(key, 0.0) <= now:
                    self._until[key] = now + self.lockout_s
                    times.clear()
                    started.append(who)
            while len(self._fails) > _MAX_TRACKED:
                self._fails.popitem(last=False)
            if len(self._until) > _MAX_TRACKED:
                for key in [k for k, u in self._until.items() if u <= now]:
                    del self._until[key]
        return started

    def succeeded(self, user: str) -> None:
        """Forget a user's failures after a right password (the address keeps its count)."""
        with self._lock:
            self._fails.pop(f"u:{user}", None)


def csrf_ok(session: Session, header: str | None) -> bool:
    """True when the request's X-CSRF-Token matches the session's token."""
    return bool(header) and hmac.compare_digest(session.csrf, header or "")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unavailable(exc: Exception) -> bool:
    """The database did not answer: central.store.StoreUnavailable, which says it is retryable."""
    # By its flag, not its class: auth sits beside the store in the layers and cannot import it.
    return getattr(exc, "retryable", False) is True


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
