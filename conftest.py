"""Root conftest: registers the shared rigs (broker, VISCA emulator, media) as plugins."""

pytest_plugins = [
    "tests.fixtures.common",
    "tests.fixtures.broker",
    "tests.fixtures.visca",
    "tests.fixtures.media",
    "tests.fixtures.postgres",
]
