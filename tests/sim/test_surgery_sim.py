"""Surgery as Simulation commands and as scene actions: one state, one line per mistake,
recorded sessions that replay."""

from __future__ import annotations

import numpy as np
import pytest

from rnnsim.scene import SceneError, parse_scene
from rnnsim.scene.record import history_steps
from rnnsim.sim import Settings, SimError, Simulation

TEXT = "The cat sat on the mat."


@pytest.fixture
def sim():
    return Simulation.from_settings(TEXT)


def test_commands_change_the_trace(sim):
    before = sim.trace.loss
    sim.pin("f", 1.0)
    assert np.all(sim.trace.forward.gates["f"] == 1.0)
    assert sim.trace.loss != before
    sim.knockout([2, 5])
    assert np.all(sim.trace.forward.h[:, [2, 5]] == 0.0)
    sim.scale_recurrent(2.0)
    np.testing.assert_array_equal(sim.trace.model.params["rnn.weight_hh_l0"], 2 * sim.model.params["rnn.weight_hh_l0"])
    sim.clip(0.5)
    assert sim.trace.clip_scale() == pytest.approx(min(1, 0.5 / (sim.trace.grad_norm() + 1e-6)))
    assert sim.surgery.describe() == "pin f=1, knockout u2,u5, W_hh ×2, clip 0.5"
    sim.clear_surgery()
    assert not sim.surgery.active and sim.trace.loss == before


def test_shortcuts(sim):
    sim.toggle_memory_pin()
    assert sim.surgery.pins == (("f", 1.0),)
    sim.toggle_memory_pin()
    assert sim.surgery.pins == ()
    sim.scale_recurrent_by(1.25)
    sim.scale_recurrent_by(1.25)
    assert sim.surgery.scale_recurrent == pytest.approx(1.5625)
    sim.toggle_clip()
    assert sim.surgery.clip == 1.0
    sim.toggle_clip()
    assert sim.surgery.clip is None
    sim.set_cell("gru")
    sim.toggle_memory_pin()
    assert sim.surgery.pins == (("z", 1.0),)
    sim.set_cell("rnn")
    with pytest.raises(SimError, match="a plain RNN has no gates to pin"):
        sim.toggle_memory_pin()


@pytest.mark.parametrize(
    ("words", "state"),
    [
        ("pin i=0.5", "pin i=0.5"),
        ("knockout 3,7", "knockout u3,u7"),
        ("scale 1.5", "W_hh ×1.5"),
        ("clip 2", "clip 2"),
    ],
)
def test_typed_words(sim, words, state):
    sim.apply_surgery_words(words)
    assert sim.surgery.describe() == state


@pytest.mark.parametrize(
    ("words", "msg"),
    [
        ("pin f=2", "pin f=2 is impossible: f is a sigmoid, so it lies in [0, 1]"),
        ("pin x=1", "unknown gate 'x' for the LSTM: choose one of i f g o"),
        ("pin f", "write GATE=VALUE"),
        ("knockout 99", "unit 99 is out of range"),
        ("scale -1", "the recurrent scale must be a finite number above 0"),
        ("scale big", "scale needs a number"),
        ("clip 0", "the clip norm must be a finite number above 0"),
        ("unpin f", "gate 'f' is not pinned"),
        ("cut 3", "unknown surgery 'cut'"),
    ],
)
def test_nonsense_is_one_line_and_changes_nothing(sim, words, msg):
    version = sim.data_version
    with pytest.raises(SimError) as err:
        sim.apply_surgery_words(words)
    assert msg in str(err.value) and "\n" not in str(err.value)
    assert not sim.surgery.active and sim.data_version == version


def test_a_new_model_keeps_what_fits_and_says_what_it_dropped(sim):
    sim.pin("f", 1.0)
    sim.knockout([3, 20])  # the shipped LSTM has 32 units
    sim.scale_recurrent(1.5)
    sim.set_hidden(8)  # a random model of 8 units
    assert sim.surgery.describe() == "pin f=1, knockout u3, W_hh ×1.5"
    assert "surgery dropped (not in this model): u20" in sim.notice
    sim.set_cell("gru")
    assert sim.surgery.describe() == "knockout u3, W_hh ×1.5"
    assert "pin f" in sim.notice


def test_a_recorded_session_replays_as_a_scene(sim):
    sim.pin("f", 0.25)
    sim.knockout((1, 4))
    sim.scale_recurrent(1.5)
    sim.clip(1.0)
    sim.unpin()
    sim.clip(None)
    sim.clear_surgery()
    sim.apply_surgery_words("knockout 2")
    steps = history_steps(sim.history)
    assert steps == [
        ("pin", "f=0.25"),
        ("knockout", [1, 4]),
        ("scale_recurrent", 1.5),
        ("clip", 1.0),
        ("unpin", True),
        ("clip", False),
        ("clear_surgery", True),
        ("knockout", [2]),
    ]
    body = "\n".join(f"[[step]]\n{a} = {_toml(v)}" for a, v in steps)
    scene = parse_scene(f'[scene]\nmodel = "lstm"\ntext = "{TEXT}"\n{body}\n')
    assert len(scene.steps) == len(steps)


def _toml(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


@pytest.mark.parametrize(
    ("step", "msg"),
    [
        ("pin = 1", 'pin must be "GATE=VALUE" in quotes'),
        ('pin = "f=high"', "'high' is not a number"),
        ('pin = "f=3"', "pin f=3 is impossible"),
        ('pin = "z=1"', "unknown gate 'z' for the LSTM"),
        ("knockout = 3", "must be a list of unit numbers"),
        ("knockout = [40]", "unit 40 is out of range"),
        ("scale_recurrent = 0", "must be a number above 0"),
        ("clip = true", "must be a number above 0"),
        ("unpin = 3", "must be a gate in quotes"),
    ],
)
def test_scene_mistakes_are_one_line_with_the_line(step, msg):
    with pytest.raises(SceneError) as err:
        parse_scene(f'[scene]\nmodel = "lstm"\ntext = "{TEXT}"\n[[step]]\n{step}\n', file="s.toml")
    text = str(err.value)
    assert msg in text and "\n" not in text and text.startswith("s.toml:5")


def test_a_settings_model_starts_with_no_surgery():
    assert not Simulation.from_settings(TEXT, Settings(cell="gru")).surgery.active


def _failures(steps: str) -> list[str]:
    from rnnsim.scene import dry_run

    scene = parse_scene(f'[scene]\nmodel = "lstm"\ntext = "{TEXT}"\nloss = "all"\n{steps}\n', dry=False)
    return [f.message for f in dry_run(scene)]


def test_surgery_checks_measure_what_they_name():
    sim = Simulation.from_settings(TEXT)
    sim.set_loss_mode("all")
    sim.clip(0.5)
    norm, scale = sim.trace.grad_norm(), sim.trace.clip_scale()
    h = sim.trace.forward.h[3, 7]
    ok = f"""
[[step]]
clip = 0.5
[step.expect]
surgery = "clip 0.5"
grad_norm_above = {norm * 0.999}
grad_norm_below = {norm * 1.001}
clip_scale_above = {scale * 0.999}
clip_scale_below = {scale * 1.001}
clipped_grad_norm_above = 0.4999
clipped_grad_norm_below = 0.5001
unit_value_above = [7, {h - 1e-9}]
unit_value_below = [7, {h + 1e-9}]
at = 3
"""
    assert _failures(ok) == []
    bad = f"""
[[step]]
clip = 0.5
[step.expect]
surgery = "none"
grad_norm_below = {norm * 0.999}
clip_scale_above = {scale * 1.001}
unit_value_below = [7, {h - 1e-9}]
at = 3
"""
    got = _failures(bad)
    assert len(got) == 4
    assert any("the surgery is 'clip 0.5', not 'none'" in m for m in got)
    assert any("clip_scale = " in m and "not above" in m for m in got)
    assert any("h[3] of unit 7 = " in m for m in got)


def test_clip_scale_check_without_a_clip_is_a_mistake():
    with pytest.raises(SceneError, match="no clip norm is set"):
        _failures("[[step]]\nexpect = { clip_scale_below = 1 }")


def test_accuracy_now_follows_the_surgery():
    from rnnsim.scene.surgery_checks import accuracy_now

    sim = Simulation.from_settings(TEXT)
    before = accuracy_now(sim)
    sim.pin("f", 1.0)
    assert accuracy_now(sim) < before


def test_accuracy_now_is_scored_once_for_the_same_weights_and_surgery(monkeypatch):
    """A scene's dry run and its play are two Simulations of the same weights: the 64
    probes run once; other weights or another surgery are scored anew."""
    from rnnsim.scene import surgery_checks

    monkeypatch.setattr(surgery_checks, "_scored", {})
    runs = []
    first = Simulation.from_settings(TEXT)
    real = type(first.model).run

    def counted(model, *a, **kw):
        runs.append(1)
        return real(model, *a, **kw)

    monkeypatch.setattr(type(first.model), "run", counted)
    a = surgery_checks.accuracy_now(first)
    n = len(runs)
    assert n == len(surgery_checks._probes())
    assert surgery_checks.accuracy_now(Simulation.from_settings(TEXT)) == a and len(runs) == n
    pinned = Simulation.from_settings(TEXT)
    pinned.pin("f", 1.0)
    assert surgery_checks.accuracy_now(pinned) < a and len(runs) > n
    rebiased = Simulation.from_settings(TEXT)
    rebiased.set_forget_bias(3.0)  # other weights, no surgery
    before = len(runs)
    surgery_checks.accuracy_now(rebiased)
    assert len(runs) > before


def test_trained_moves_from_a_random_model_to_the_shipped_one_keeping_the_surgery():
    sim = Simulation.from_settings(TEXT, Settings(source="random", cell="gru", hidden=8, seed=3))
    sim.pin("z", 1.0)
    sim.use_trained()
    assert sim.origin == "trained: gru" and sim.model.hidden == 32
    assert sim.surgery.describe() == "pin z=1"
    assert history_steps(sim.history)[-1] == ("trained", True)
