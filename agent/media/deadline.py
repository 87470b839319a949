"""Run a blocking driver call under a deadline: the caller always gets control back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from agent.errors import DeviceTimeoutError

_T = TypeVar("_T")


def bounded(fn: Callable[[], _T], timeout_s: float, what: str) -> _T:
    """Return fn() or re-raise its error; raise DeviceTimeoutError after `timeout_s`."""
    # Driver calls (PortAudio open/close, OpenCV open/read) can block inside C code and cannot
    # be interrupted; a daemon thread lets the caller go on, and is left to finish on its own.
    box: list[_T] = []
    err: list[BaseException] = []

    def work() -> None:
        try:
            box.append(fn())
        except BaseException as exc:
            err.append(exc)

    th = threading.Thread(target=work, name=f"media-io:{what}"[:60], daemon=True)
    th.start()
    th.join(max(timeout_s, 0.0))
    if th.is_alive():
        raise DeviceTimeoutError(f"{what} did not return within {timeout_s:.1f} s")
    if err:
        raise err[0]
    return box[0]
