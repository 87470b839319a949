"""The board's user accounts: create, list, re-password, disable and delete (sessions follow)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from agent.errors import InvalidArgumentError
from agent.i18n import t
from central.auth import DISABLED, Role, Sessions, hash_password
from central.store import Store


class Users:
    """The accounts in the store; a change that takes a user's rights away ends its sessions."""

    def __init__(self, store: Store, sessions: Sessions, now: Callable[[], datetime]) -> None:
        self.store = store
        self.sessions = sessions
        self._now = now

    def add(self, name: str, role: Role, password: str) -> None:
        """Create or replace a board user."""
        if not re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", name):
            raise InvalidArgumentError(t("board.user.bad_name", name=name))
        if len(password) < 8:
            raise InvalidArgumentError(t("board.user.short_password"))
        self.store.put_user(name, role.value, hash_password(password), self._now())

    def all(self) -> list[dict[str, str]]:
        """Every user: name, role, created, and whether it is disabled."""
        return [
            {
                "name": n,
                "role": r,
                "created": c,
                "disabled": "yes" if h.startswith(DISABLED) else "",
            }
            for n, r, h, c in self.store.users()
        ]

    def set_password(self, name: str, password: str) -> None:
        """Give an existing user a new password (it also enables a disabled user)."""
        found = self._user(name)
        self.add(name, Role(found[0]), password)
        self.sessions.drop_user(name)

    def set_disabled(self, name: str, *, disabled: bool) -> None:
        """Disable a user (sign-in refused, sessions ended) or enable it again."""
        role, hashed = self._user(name)
        plain = hashed.removeprefix(DISABLED)
        self.store.put_user(name, role, DISABLED + plain if disabled else plain, self._now())
        if disabled:
            self.sessions.drop_user(name)

    def delete(self, name: str) -> None:
        """Remove a user and end its sessions."""
        self._user(name)
        self.store.delete_user(name)
        self.sessions.drop_user(name)

    def _user(self, name: str) -> tuple[str, str]:
        found = self.store.user(name)
        if found is None:
            raise InvalidArgumentError(t("board.user.unknown", name=name))
        return found
