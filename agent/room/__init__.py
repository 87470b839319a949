"""What is going on in the room right now, found without opening a device.

- `procfs`: who holds a device open, which programs run, /proc/asound and /proc/net readers;
- `pulse`: the one module that imports pulsectl (PulseAudio/PipeWire clients, levels, events).
"""
