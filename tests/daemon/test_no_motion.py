"""Background runs and meetings never move the camera or power it on by themselves."""

from __future__ import annotations

import pytest

from agent.checks import CheckContext, Status
from agent.checks.ptz import run
from agent.config import loads
from agent.ptz import close_shared

RECALL = bytes([0x81, 0x01, 0x04, 0x3F, 0x02])
POWER_ON = bytes([0x81, 0x01, 0x04, 0x00, 0x02])


@pytest.fixture
def cfg(visca_emulator, tmp_path):
    visca_emulator.state.presets[1] = (500.0, 100.0, 0.0)
    ptz = f'[ptz]\nport = "{visca_emulator.path}"\nhome_preset = 1\n'
    yield loads(f'[agent]\nstate_dir = "{tmp_path}"\n' + ptz)
    close_shared()


@pytest.mark.parametrize(
    "ctx_kw", [{"allow_motion": False}, {"in_meeting": True}], ids=["periodic", "meeting"]
)
def test_no_recall_no_power_on(visca_emulator, cfg, ctx_kw):
    visca_emulator.state.powered = False
    out = run(CheckContext(cfg, lang="en", **ctx_kw))
    sent = list(visca_emulator.requests)
    assert not any(p.startswith(RECALL) for p in sent)
    assert not any(p.startswith(POWER_ON) for p in sent)
    assert out.status == Status.FAIL  # in standby, and reported as such
    assert not visca_emulator.state.powered


def test_pre_meeting_run_goes_home(visca_emulator, cfg):
    out = run(CheckContext(cfg, lang="en"))
    assert out.status == Status.PASS, out
    assert any(p.startswith(RECALL) for p in visca_emulator.requests)
    assert abs(visca_emulator.state.pan - 500) <= 16
