"""`hnth-agent run`: the long-running agent, as systemd starts it."""

from __future__ import annotations

import argparse
import logging

from agent.cli.common import load_config
from agent.service import Agent, Reporter, install_signals

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """`run` takes only the common options (--config, --lang, --debug)."""


def main(args: argparse.Namespace) -> int:
    """Run the daemon until SIGTERM; SIGHUP reloads the config."""
    cfg = load_config(args)
    if not args.debug:
        logging.getLogger().setLevel(cfg.agent.log_level.upper())
    agent = Agent(cfg, reporter_factory=reporter_factory)
    install_signals(agent)
    log.info(
        "hnth-agent starting for room %s/%s/%s", cfg.room.province, cfg.room.district, cfg.room.id
    )
    return agent.run()


def reporter_factory(agent: Agent) -> Reporter:
    """Build the MQTT side when [mqtt] host is set; log-only otherwise."""
    from agent.service import NullReporter

    if not agent.config.mqtt.host:
        log.warning("[mqtt] host is empty: readiness is only logged, not reported to central")
        return NullReporter()
    from agent.service import MqttReporter

    return MqttReporter(agent)
