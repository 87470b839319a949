"""The agent's MQTT side, speaking agent.contract (v2):

- `client`: the only paho import, a bounded client with its own reconnecting thread;
- `settings`: what the client is told and reports (settings, messages, failures), no paho;
- `outbox`: the SQLite event outbox and the pump that drains it;
- `parsing`: a received command message into a validated request or a refusal (sans-IO);
- `commands`: the verb handler (lanes, the PTZ rate limit and hold);
- `reports`: the readiness body from a Report, and alert bookkeeping;
- `link`: the daemon's whole MQTT side (`Link`) and `client_settings(config)`.
"""

__all__ = ["client", "commands", "link", "outbox", "parsing", "reports", "settings"]
