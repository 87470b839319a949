"""Board access: scrypt password hashes, server-side sessions and per-session CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
_MAX_SESSIONS: Final = 10_000
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


class Sessions:
    """Sessions live in memory: a board restart signs everyone out, which is acceptable here."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._by_token: dict[str, Session] = {}

    def create(self, user: str, role: Role) -> Session:
        """Start a session for a user who just proved their password."""
        s = Session(
            secrets.token_urlsafe(32),
            user,
            role,
            secrets.token_urlsafe(32),
            time.time() + self.ttl_s,
        )
        with self._lock:
            if len(self._by_token) >= _MAX_SESSIONS:
                self._purge()
            self._by_token[s.token] = s
        return s

    def get(self, token: str | None) -> tuple[Session | None, bool]:
        """Return (session, expired); an expired session is removed."""
        if not token:
            return None, False
        with self._lock:
            s = self._by_token.get(token)
            if s is None:
                return None, False
            if s.expires < time.time():
                del self._by_token[token]
                return None, True
            return s, False

    def expire(self, token: str) -> None:
        """Make a session expired now (tests and admin use)."""
        with self._lock:
            s = self._by_token.get(token)
            if s is not None:
                self._by_token[token] = Session(s.token, s.user, s.role, s.csrf, 0.0)

    def drop(self, token: str) -> None:
        """Sign a session out."""
        with self._lock:
            self._by_token.pop(token, None)

    def drop_user(self, user: str) -> list[str]:
        """Sign every session of a user out (disabled, deleted or new password); return tokens."""
        with self._lock:
            tokens = [k for k, s in self._by_token.items() if s.user == user]
            for token in tokens:
                del self._by_token[token]
        return tokens

    def _purge(self) -> None:
        now = time.time()
        for token in [k for k, s in self._by_token.items() if s.expires < now]:
            del self._by_token[token]


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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
