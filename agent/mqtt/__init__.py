"""MQTT contract v1: topics, payloads, the paho client, the outbox and the command handler."""
