"""The saturation and learning checks and views in scene files: each check passes on the
numbers it names and fails when they break the claim, a check that cannot be evaluated is
one line before playing, and the views open, stay open and close as the steps say."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from rnnsim.scene import SceneError, ScenePlayer, dry_run, parse_scene
from rnnsim.sim import Settings, Simulation
from rnnsim.sim.learning import shipped_history
from rnnsim.ui.scene_app import SceneLearningScreen, ScenePlayerApp, SceneSaturationScreen, export_text

LONG = "The cat that the farmer fed after a long day near the old house went back to the mat"
DOG = LONG.replace("cat", "dog")


def scene(steps: str, model: str = "rnn") -> str:
    return f'[scene]\ntitle = "t"\nmodel = "{model}"\ntext = "{LONG}"\nsize = [120, 40]\n\n{steps}'


def failures(steps: str, model: str = "rnn") -> list[str]:
    return [f.message for f in dry_run(parse_scene(scene(steps, model), dry=False))]


def figures(contrast: bool = True):
    sim = Simulation.from_settings(LONG, Settings(cell="rnn"))
    if contrast:
        sim.set_contrast(DOG)
    return sim.saturation()


def test_a_saturation_check_passes_and_fails_on_the_figure_it_names():
    gap = figures().gap[17]
    ok = f'[[step]]\ncontrast = "{DOG}"\nexpect = {{ saturation_above = ["gap", 17, {gap * 0.99}] }}\n'
    assert failures(ok) == []
    bad = f'[[step]]\ncontrast = "{DOG}"\nexpect = {{ saturation_above = ["gap", 17, {gap * 1.01}] }}\n'
    (msg,) = failures(bad)
    assert "gap at t=17" in msg and "not above" in msg


def test_min_and_max_read_every_position_between():
    f = figures().gap_factor
    worst = int(np.nanargmax(f[2:])) + 2
    limit = f[worst] * 0.999
    steps = f'[[step]]\ncontrast = "{DOG}"\nexpect = {{ saturation_max_below = ["gap_factor", 2, 18, {limit}] }}\n'
    (msg,) = failures(steps)
    assert f"at t={worst}" in msg


def test_the_weights_checks():
    s = figures(contrast=False)
    steps = (
        f"[[step]]\nexpect = {{ recurrent_stretched = {s.weights_stretched}, "
        f"recurrent_stretch_above = {s.weights_stretch - 0.01}, "
        f"recurrent_stretch_below = {s.weights_stretch + 0.01} }}\n"
    )
    assert failures(steps) == []
    (msg,) = failures(f"[[step]]\nexpect = {{ recurrent_stretched = {s.weights_stretched + 1} }}\n")
    assert "singular values are above 1" in msg


def test_a_gap_without_a_second_text_is_an_error_before_playing():
    with pytest.raises(SceneError, match="contrast") as e:
        parse_scene(scene('[[step]]\nexpect = { saturation_above = ["gap", 3, 0.1] }\n'))
    assert "\n" not in str(e.value)


def test_the_jacobian_of_an_lstm_is_an_error_before_playing():
    with pytest.raises(SceneError, match="LSTM step has another Jacobian"):
        parse_scene(scene('[[step]]\nexpect = { saturation_below = ["stretch", 3, 2] }\n', model="lstm"))


def test_history_checks_read_the_epoch_shown():
    lstm = shipped_history().figure("lstm", "long_range_accuracy")
    steps = (
        f"[[step]]\nepoch = 8\nexpect = {{ epoch = 8, history_above = "
        f'["lstm", "long_range_accuracy", {lstm[8] - 0.01}], history_max_below = ["lstm", "long_range_accuracy", '
        f"{lstm[:9].max() + 0.01}] }}\n"
    )
    assert failures(steps, "lstm") == []
    (msg,) = failures('[[step]]\nepoch = 8\nexpect = { history_min_above = ["lstm", "long_range_accuracy", 0.5] }\n')
    assert "over epochs 0..8 (at " in msg


def test_a_training_loss_before_training_is_an_error():
    with pytest.raises(SceneError, match="no train_loss at epoch 0"):
        parse_scene(scene('[[step]]\nexpect = { history_below = ["rnn", "train_loss", 5] }\n'))


def test_an_epoch_past_the_record_is_an_error_with_its_line():
    last = shipped_history().epochs
    with pytest.raises(SceneError, match=f"epochs 0 to {last}") as e:
        parse_scene(scene(f"[[step]]\nepoch = {last + 1}\n"))
    assert ":8:" in str(e.value)  # the line of `epoch = ...`


VIEWS = f"""
[[step]]
saturation = true
[[step]]
contrast = "{DOG}"
[[step]]
learning = true
[[step]]
epoch = 3
[[step]]
goto = 2
"""


def test_views_open_stay_open_while_their_subject_changes_and_close():
    p = ScenePlayer(parse_scene(scene(VIEWS)))
    seen = []
    while not p.at_end:
        p.next()
        seen.append(p.view)
    assert seen == ["saturation", "saturation", "learning", "learning", None]
    assert not p.compare_open


def test_headless_play_shows_each_view_on_its_screen():
    app = ScenePlayerApp(parse_scene(scene(VIEWS)), autoplay=False, headless=True)

    async def run():
        shown = []
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(5):
                app.play_step()
                await pilot.pause()
                shown.append((type(app.screen), export_text(app)))
        return shown

    shown = asyncio.run(run())
    assert shown[1][0] is SceneSaturationScreen and "h₂: the states of “The dog that" in shown[1][1]
    assert shown[3][0] is SceneLearningScreen and "epoch 3 of" in shown[3][1]
    assert shown[4][0] not in (SceneSaturationScreen, SceneLearningScreen)


def test_a_recorded_contrast_and_epoch_replay():
    from rnnsim.scene import session_scene

    sim = Simulation.from_settings("The cat sat on the mat.", Settings(cell="rnn"))
    sim.set_contrast("The dog sat on the rug.")
    sim.set_epoch(7)
    sim.set_contrast("")
    replay = parse_scene(session_scene(sim, size=(100, 30)), file="rec.toml")
    assert [(s.action, s.value) for s in replay.steps] == [
        ("contrast", "The dog sat on the rug."),
        ("epoch", 7),
        ("contrast", ""),
    ]
    p = ScenePlayer(replay)
    p.goto(3)
    assert (p.sim.contrast, p.sim.epoch) == ("", 7)


def test_the_long_range_accuracy_is_the_reports_from_a_forward_pass_only():
    from rnnsim.core.probes import long_range_report
    from rnnsim.core.shipped import load_shipped
    from rnnsim.scene.longrange import _hits, probes_at_every_distance

    report = long_range_report(load_shipped("rnn"), list(probes_at_every_distance()))
    assert _hits("rnn") == tuple(zip(report.gaps, report.hits, strict=True))


def test_a_units_memory_cell_check_reads_c_over_the_range_it_names():
    """unit_cell_min_above / _max_below: the painted h of an LSTM unit hides what its cell
    holds where the output gate shuts (the surgery lesson's unit 2); the check reads c."""
    c = Simulation.from_settings(LONG, Settings(cell="lstm")).trace.forward.c[:, 2]
    low, high = float(c[1:19].min()), float(c[1:19].max())
    ok = (
        f"[[step]]\nstep = 1\nexpect = {{ unit_cell_min_above = [2, 1, 18, {low * 0.99}], "
        f"unit_cell_max_below = [2, 18, 1, {high * 1.01}] }}\n"
    )
    assert failures(ok, "lstm") == []
    (bad,) = failures(f"[[step]]\nstep = 1\nexpect = {{ unit_cell_min_above = [2, 1, 18, {low * 1.01}] }}\n", "lstm")
    assert f"smallest c of unit 2 from t=1 to t=18 (at t={1 + int(np.argmin(c[1:19]))})" in bad
    with pytest.raises(SceneError, match="only an LSTM has a memory cell c"):
        parse_scene(scene("[[step]]\nstep = 1\nexpect = { unit_cell_max_below = [2, 1, 3, 1.0] }\n", "gru"))
    with pytest.raises(SceneError, match="unit 40 is out of range"):
        parse_scene(scene("[[step]]\nstep = 1\nexpect = { unit_cell_max_below = [40, 1, 3, 1.0] }\n", "lstm"))


def test_the_pick_prob_check_reads_the_odds_g_draws_from():
    """pick_prob_*: p(word) in the generate row's odds, at the temperature set (the plain
    softmax's 89% for "mat" is 43% at T = 2: the generate lesson quotes both)."""
    head = '[scene]\ntitle = "t"\nmodel = "lstm"\ntext = "The cat sat on the"\n\n[[step]]\ntemperature = 2\n'

    def fails(expect: str) -> list[str]:
        return [f.message for f in dry_run(parse_scene(head + f"expect = {expect}\n", dry=False))]

    assert fails('{ pick_prob_above = ["mat", 0.42], pick_prob_below = ["mat", 0.44] }') == []
    (bad,) = fails('{ pick_prob_above = ["mat", 0.5] }')
    assert "p(mat) of the next pick at T=2" in bad
    with pytest.raises(SceneError, match="'zzyzx' is not in the model's vocabulary"):
        parse_scene(head + 'expect = { pick_prob_below = ["zzyzx", 0.5] }\n')


def test_an_extreme_check_names_which_value_and_where():
    """Every *_min_* / *_max_* check reports the same way (scene/check_context.py)."""
    from rnnsim.scene.check_context import _extreme

    said = _extreme("per_step_max_below", {1: 0.5, 2: 1.2, 3: 1.2}, 1.0, "f from t=1 to t=3")
    assert said == "largest f from t=1 to t=3 (at t=2) = 1.2, not below 1"  # the first of equal ones
    said = _extreme("x_min_above", {3: 0.5, 4: 0.2}, 0.3, "rnn loss over epochs 0..4", at="")
    assert said == "smallest rnn loss over epochs 0..4 (at 4) = 0.2, not above 0.3"
    said = _extreme("compare_step_min_above", {5: 0.1}, 0.3, "single-step factor", before="compare rnn: ")
    assert said == "compare rnn: smallest single-step factor (at t=5) = 0.1, not above 0.3"
    assert _extreme("x_min_above", {3: 0.5}, 0.3, "w") is None
