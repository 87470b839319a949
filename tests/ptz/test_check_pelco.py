"""The ptz check against a Pelco camera emulated on a real pty.

A Pelco camera acknowledges nothing: the check passes only when the camera answers the
position queries and reached home; without answers it warns that it cannot verify.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.checks import CheckContext, Status
from agent.checks import ptz as check
from agent.pelco import Camera
from agent.pelco.commands import Opcode
from agent.ptz import close_shared

HOME = 34
ROOT = Path(__file__).resolve().parents[2]


def config_for(make_config, emu, extra: str = "", variant: str = "d"):
    return make_config(
        f'[ptz]\nport = "pelco-{variant}://{emu.path}?baud={emu.baud}&address={emu.state.address}"\n'
        f"move_timeout_ms = 3000\n{extra}"
    )


def recalls(emu, expect: int = 0) -> list[int]:
    """The presets the camera was told to go to, in order (waiting up to 2 s for `expect`)."""
    deadline = time.monotonic() + 2
    while True:
        found = [f.data2 for _, f in list(emu.frames) if f.word2 == Opcode.GOTO_PRESET]
        if len(found) >= expect or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def test_pelco_d_goes_home_and_passes_with_the_position_read_back(make_config, pelco_emulator):
    pelco_emulator.usecases.place(9000, 1200, 300)
    out = check.run(CheckContext(config_for(make_config, pelco_emulator), lang="en"))
    assert out.status is Status.PASS, out
    assert recalls(pelco_emulator, 1) == [HOME]
    assert out.metrics["position"] == {"pan": 0, "tilt": 0, "zoom": 0, "unavailable": []}
    assert out.metrics["home_preset"] == HOME
    assert out.metrics["reference_learned"] is True
    assert "Pelco-D 1" in out.summary
    assert pelco_emulator.state.pan == 0.0


def test_pelco_d_drift_from_the_configured_home_fails(make_config, pelco_emulator):
    cfg = config_for(make_config, pelco_emulator, "home_position = [4500, 0]\n")
    out = check.run(CheckContext(cfg, lang="en"))
    assert out.status is Status.FAIL, out
    assert out.metrics["drift"] == 4500
    assert "preset 34" in (out.hint or "") or "34" in out.summary


def test_configured_home_preset_is_the_one_recalled(make_config, pelco_emulator):
    pelco_emulator.usecases.place(1000, 500)
    with Camera(f"pelco-d://{pelco_emulator.path}?baud=9600") as cam:
        cam.preset_set(7)
    pelco_emulator.usecases.place(20000, 3000)
    cfg = config_for(make_config, pelco_emulator, "home_preset = 7\nhome_position = [1000, 500]\n")
    out = check.run(CheckContext(cfg, lang="en"))
    assert out.status is Status.PASS, out
    assert recalls(pelco_emulator, 1) == [7]
    assert out.metrics["position"]["pan"] == 1000


def test_pelco_p_is_sent_home_and_the_check_warns_it_cannot_verify(make_config, pelco_factory):
    emu = pelco_factory(variant="p", baud=9600)
    emu.usecases.set_motion_scale(20)
    emu.usecases.place(9000, 0)
    out = check.run(CheckContext(config_for(make_config, emu, variant="p"), lang="en"))
    assert out.status is Status.WARN, out
    assert "cannot be verified" in out.summary
    assert "Pelco-P" in out.summary
    assert out.hint
    assert "pelco-d://" in out.hint
    assert recalls(emu, 1) == [HOME]
    time.sleep(0.6)  # 9000 at 20 x 20000/s is 23 ms; plenty
    with emu.lock:
        emu.state.advance(time.monotonic())
        pan = emu.state.pan
    assert round(pan) == 0  # it did go home; only the check could not see it


def test_pelco_d_without_queries_warns_in_vietnamese_too(make_config, pelco_emulator):
    pelco_emulator.usecases.disable_queries()
    out = check.run(CheckContext(config_for(make_config, pelco_emulator), lang="vi"))
    assert out.status is Status.WARN, out
    assert "không kiểm tra được vị trí" in out.summary
    assert out.metrics["unavailable"] == ["pan", "tilt", "zoom"]
    assert recalls(pelco_emulator, 1) == [HOME]


def test_pelco_d_without_tilt_query_warns_partial(make_config, pelco_emulator):
    pelco_emulator.usecases.disable_queries("tilt")
    out = check.run(CheckContext(config_for(make_config, pelco_emulator), lang="en"))
    assert out.status is Status.WARN, out
    assert "tilt" in out.summary


@pytest.mark.parametrize("why", ["background", "meeting"])
def test_no_motion_runs_only_read_the_position(make_config, pelco_emulator, why):
    pelco_emulator.usecases.place(4200, 100)
    cfg = config_for(make_config, pelco_emulator)
    ctx = CheckContext(
        cfg, lang="en", allow_motion=why != "background", in_meeting=why == "meeting"
    )
    out = check.run(ctx)
    assert out.status is Status.PASS, out
    assert recalls(pelco_emulator) == []
    assert out.metrics["position"]["pan"] == 4200


def test_unplugged_adapter_fails_as_gone_without_opening_it(make_config, pelco_emulator):
    cfg = config_for(make_config, pelco_emulator)
    pelco_emulator.usecases.disconnect()  # the pty is gone: the link points at nothing
    out = check.run(CheckContext(cfg, lang="en"))
    assert out.status is Status.FAIL, out
    assert out.metrics["presence"] == "gone"
    assert out.summary.key == "ptz.check.gone"


@given(st.integers(0, 35999), st.integers(0, 35999))
def test_turn_distance_is_the_short_way_round(a, b):
    d = check._turn_distance(a, b)
    assert d == check._turn_distance(b, a)
    assert 0 <= d <= 18000
    assert (a + d) % 36000 == b or (b + d) % 36000 == a


def test_saving_the_home_preset_with_the_cli_makes_the_check_learn_it_again(
    make_config, pelco_emulator, tmp_path
):
    url = f"pelco-d://{pelco_emulator.path}?baud=9600&home=5"
    pelco_emulator.usecases.place(3000, 200)
    cfg = make_config(f'[ptz]\nport = "{url}"\nmove_timeout_ms = 3000\n')
    with Camera(url) as cam:
        cam.preset_set(5)
    first = check.run(CheckContext(cfg, lang="en"))
    assert first.status is Status.PASS, first
    assert first.metrics["reference_learned"] is True
    assert check.run(CheckContext(cfg, lang="en")).metrics.get("reference_learned") is None
    close_shared()  # the CLI opens the port itself

    pelco_emulator.usecases.place(6000, 100)
    done = subprocess.run(
        [sys.executable, "-m", "agent", "ptz", "--lang", "en", "preset", "set", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HNTH_AGENT_CONFIG": str(tmp_path / "config.toml")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    again = check.run(CheckContext(cfg, lang="en"))
    assert again.status is Status.PASS, again
    assert again.metrics["reference_learned"] is True  # forgotten by the CLI, learned anew
    assert again.metrics["position"]["pan"] == 6000
