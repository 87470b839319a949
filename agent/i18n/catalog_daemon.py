"""Messages of the daemon (`hnth-agent run`) and the demo."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "daemon.status": (
        "{activity}; kết luận gần nhất: {verdict}",
        "{activity}; last verdict: {verdict}",
    ),
    "daemon.activity.checking": ("đang kiểm tra ({trigger})", "checking ({trigger})"),
    "daemon.stopping": ("đang dừng", "stopping"),
}
