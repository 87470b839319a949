"""The agent's MQTT side, speaking agent.contract (v2):

- `client`: the only paho import, a bounded client with its own reconnecting thread;
- `settings`: what the client is told and reports (settings, messages, failures), no paho;
- `inflight`: what the client holds between callbacks (PUBACK waiters, the inbox), no paho;
- `outbox`: the SQLite event outbox and the pump that drains it;
- `parsing`: a received command message into a validated request or a refusal (sans-IO);
- `commands`: the verb handler (lanes, the PTZ rate limit and hold);
- `reports`: the readiness body from a Report, and alert bookkeeping;
- `retained`: the room's retained readiness and snapshot, republished on every connect;
- `security`: `client_settings(config)`, where TLS, the password file and plaintext refusals live;
- `link`: the daemon's whole MQTT side (`Link`).
"""

__all__ = [
    "client",
    "commands",
    "link",
    "outbox",
    "parsing",
    "reports",
    "retained",
    "security",
    "settings",
]
