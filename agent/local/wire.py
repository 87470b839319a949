"""What travels on the local socket: no I/O here.

A request is one line of JSON, `{"verb": "check", "args": {...}, "lang": "vi"}`; the answer
is one line, `{"ok": true, "result": ...}` or `{"ok": false, "error": {"code", "message",
"hint"}}`. A line longer than MAX_LINE is refused, whole.
"""

from __future__ import annotations

import json
from typing import Any, Final

from agent.errors import AgentError, RemoteProtocolError

MAX_LINE: Final = 256 * 1024


def request(verb: str, args: dict[str, Any] | None = None, *, lang: str = "") -> bytes:
    """Encode one request line."""
    body = {"verb": verb, "args": args or {}, "lang": lang}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def parse_request(line: bytes) -> tuple[str, dict[str, Any], str]:
    """Decode a request line into (verb, args, lang); RemoteProtocolError names what is wrong."""
    body = _decode(line)
    verb, args, lang = body.get("verb"), body.get("args", {}), body.get("lang", "")
    if not isinstance(verb, str) or not verb or len(verb) > 64:
        raise RemoteProtocolError(f"verb {str(verb)[:64]!r} is not a short string")
    if not isinstance(args, dict):
        raise RemoteProtocolError("args is not an object")
    return verb, args, lang if lang in ("vi", "en") else ""


def answer(result: Any = None, error: BaseException | None = None) -> bytes:
    """Encode one answer line: the result, or the error's code, message and hint."""
    if error is None:
        body: dict[str, Any] = {"ok": True, "result": result}
    elif isinstance(error, AgentError):
        body = {"ok": False, "error": {"code": error.code, "message": error.message}}
        body["error"]["hint"] = error.hint
    else:
        body = {"ok": False, "error": {"code": "internal", "message": type(error).__name__}}
    return json.dumps(body, ensure_ascii=False, default=str, separators=(",", ":")).encode() + b"\n"


def parse_answer(line: bytes) -> dict[str, Any]:
    """Decode an answer line; RemoteProtocolError when it is not one."""
    body = _decode(line)
    if not isinstance(body.get("ok"), bool):
        raise RemoteProtocolError("answer has no ok field")
    return body


def _decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        raise RemoteProtocolError(f"line of {len(line)} bytes, at most {MAX_LINE}")
    try:
        body = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RemoteProtocolError(f"not UTF-8 JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RemoteProtocolError("not a JSON object")
    return body


__all__ = ["MAX_LINE", "answer", "parse_answer", "parse_request", "request"]
