"""Download a published calendar over HTTP(S): a timeout, a size cap, conditional requests.

The standard library is enough for one GET with two validators (ETag, Last-Modified); a
dependency would add nothing a room needs. Every failure is a FetchError whose text says what
happened, for the schedule event and the technician.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from agent.config_fields import CALENDAR_SCHEMES, is_url
from agent.schedule.core import ScheduleError

CHUNK: Final = 64 * 1024
# What names a URL rather than a file is config grammar (agent.config_fields, below config).
SCHEMES: Final = CALENDAR_SCHEMES


class FetchError(ScheduleError):
    """The calendar could not be downloaded; the message says why."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """One answer: a new body, or None when the server said 304 Not Modified."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None


def http_url(location: str) -> str:
    """Return the URL to GET: webcal:// (what Google and Outlook publish) is https://."""
    if location.lower().startswith("webcal://"):
        return "https://" + location[len("webcal://") :]
    return location


def fetch(
    url: str,
    *,
    timeout_s: float,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET `url` with If-None-Match / If-Modified-Since; raise FetchError on any failure."""
    # Imported here: urllib.request pulls in http.client and email, which an idle daemon
    # without a calendar URL never needs.
    import urllib.error
    import urllib.request

    from agent import __version__

    headers = {"User-Agent": f"hnth-agent/{__version__}", "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(http_url(url), headers=headers)  # noqa: S310 - scheme checked by is_url
    deadline = time.monotonic() + timeout_s
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{url}: {int(length)} bytes, more than the {max_bytes} allowed")
            body = _read(response, max_bytes, deadline, url)
            content_type = response.headers.get("Content-Type", "")
            new_etag = response.headers.get("ETag")
            new_modified = response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None, etag, last_modified)
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"{url}: {_reason(exc.reason)}") from None
    except TimeoutError:
        raise FetchError(f"{url}: no answer within {timeout_s:g} s") from None
    except OSError as exc:
        raise FetchError(f"{url}: {_reason(exc)}") from None
    if "html" in content_type.lower() or body.lstrip()[:1] == b"<":
        raise FetchError(f"{url}: the link returned a web page (HTML), not an iCalendar file")
    return Fetched(body, new_etag, new_modified)


def _read(response: object, max_bytes: int, deadline: float, url: str) -> bytes:
    """Read at most max_bytes; a server trickling bytes still meets the overall deadline."""
    parts: list[bytes] = []
    size = 0
    read = getattr(response, "read")  # noqa: B009 - http.client.HTTPResponse, typed loosely
    while True:
        chunk: bytes = read(CHUNK)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: more than the {max_bytes} bytes allowed")
        if time.monotonic() > deadline:
            raise TimeoutError
        parts.append(chunk)


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "no answer in time (timeout)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)


__all__ = ["FetchError", "Fetched", "fetch", "http_url", "is_url"]
