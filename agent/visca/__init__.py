"""Sony VISCA for PTZ cameras: sans-IO protocol, transports by URL, a client, an emulator."""
