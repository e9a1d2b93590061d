"""Scenes that choose a layer of a stacked model and a classifier's label: the actions
(layer, layers, label), the checks (layer, layers, top_label, class_prob_above/_below),
the [scene] key `layers`, and one clear line for every mistake, found before playing."""

from __future__ import annotations

import math
import re

import pytest

import rnnsim
from rnnsim.scene import SceneError, dry_run, parse_scene
from rnnsim.scene.record import history_steps, session_scene
from rnnsim.scene.steps import apply_step

from .test_parser import error

STACKED = '[scene]\ncell = "lstm"\nlayers = 3\ntext = "The cat sat on the mat."\n'
WORDS = ["the", "film", "was", "good", "."]


@pytest.fixture
def classifier(tmp_path):
    """A scene head over a small random two-layer GRU classifier saved beside the scene."""
    model = rnnsim.random_model("gru", vocab=WORDS, hidden=6, embed=3, seed=4, num_layers=2, labels=["neg", "pos"])
    rnnsim.save_model(model, tmp_path / "cls.safetensors")
    return tmp_path, '[scene]\nmodel = "cls.safetensors"\ntext = "the film was good ."\n'


def parse(source: str, base=None):
    return parse_scene(source, file="s.toml", base_dir=base)


def test_a_stacked_scene_starts_at_the_top_layer_and_chooses_another():
    scene = parse(
        STACKED + "[[step]]\nstep = 2\nexpect = { layers = 3, layer = 3 }\n"
        "[[step]]\nlayer = 1\nexpect = { layer = 1 }\n"
    )
    assert scene.settings.layers == 3
    assert [s.action for s in scene.steps] == ["step", "layer"]
    assert dry_run(scene) == []


def test_checks_read_the_chosen_layer():
    sim = parse(STACKED + "[[step]]\nstep = 2\n").new_sim()
    sim.step(2)
    norms = [float(math.sqrt((sim.trace.layers[k]["forward"].h[1] ** 2).sum())) for k in range(3)]
    assert norms[0] != norms[2]
    mid = (norms[0] + norms[2]) / 2
    above = "above" if norms[0] > norms[2] else "below"
    check = f"expect = {{ h_norm_{above} = {mid!r} }}\n"
    assert dry_run(parse(STACKED + f"[[step]]\nstep = 2\n[[step]]\nlayer = 1\n{check}")) == []
    (f,) = dry_run(parse(STACKED + f"[[step]]\nstep = 2\n{check}"))  # layer 3: the other side of mid
    assert "|h| at t=1" in str(f)


def test_a_layer_check_that_fails_says_which_layer_shows():
    (f,) = dry_run(parse(STACKED + "[[step]]\nlayer = 2\nexpect = { layer = 1 }\n"))
    assert str(f).endswith("expect layer = 1: the panels show layer 2 of 3, not layer 1")


def test_a_classifier_scene_checks_its_decision_and_a_chosen_label(classifier):
    base, head = classifier
    probs = rnnsim.load_model(base / "cls.safetensors").run("the film was good .").probs
    top = ["neg", "pos"][int(probs.argmax())]
    other = "pos" if top == "neg" else "neg"
    p_top = float(probs.max())
    loss_other = -math.log(1 - p_top)  # two classes: p(other) = 1 - p(top)
    scene = parse(
        head + "[[step]]\nend = true\n"
        f'expect = {{ top_label = "{top}", class_prob_above = ["{top}", {p_top - 0.01!r}], '
        f'class_prob_below = ["{other}", {1 - p_top + 0.01!r}] }}\n'
        f'[[step]]\nlabel = "{other}"\nexpect = {{ loss_above = {loss_other * (1 - 1e-9)!r}, '
        f"loss_below = {loss_other * (1 + 1e-9)!r} }}\n"
        "[[step]]\nlabel = false\n",
        base,
    )
    assert [s.action for s in scene.steps] == ["end", "label", "label"]
    assert scene.steps[2].value is False
    assert dry_run(scene) == []
    (f,) = dry_run(parse(head + f'[[step]]\nend = true\nexpect = {{ top_label = "{other}" }}\n', base))
    assert f"the classifier decides {top!r}" in str(f) and f"not {other!r}" in str(f)


# ------------------------------------------------------------------ every mistake, one line


@pytest.mark.parametrize(
    "step, words",
    [
        ("layer = 0", "step 1: layer must be from 1 to 8, not 0"),
        ("layer = 9", "step 1: layer must be from 1 to 8, not 9"),
        ('layer = "2"', "step 1: layer must be a whole number from 1 to 8"),
        ("layers = 0", "step 1: layers must be from 1 to 8"),
        ("label = 3", 'step 1: label must be a label in quotes (e.g. "positive"), or false'),
        ('label = ""', "step 1: label must be a label in quotes"),
        ("label = true", "step 1: label must be a label in quotes"),
    ],
)
def test_wrong_values_of_the_layer_and_label_actions(step, words):
    e = error(STACKED + f"[[step]]\n{step}\n")
    assert words in str(e), str(e)
    assert e.line == 6


@pytest.mark.parametrize(
    "check, words",
    [
        ("layer = 0", "expect layer must be from 1 to 8, not 0"),
        ("layers = 10", "expect layers must be from 1 to 8, not 10"),
        ("top_label = 1", "expect top_label must be a string in quotes"),
        ('class_prob_above = ["pos"]', "expect class_prob_above must be a list [label, p], not ['pos']"),
        ('class_prob_below = ["pos", 2]', "must be from 0 to 1, not 2"),
    ],
)
def test_wrong_values_of_the_layer_and_label_checks(check, words):
    e = error(STACKED + f"[[step]]\nstep = 1\nexpect = {{ {check} }}\n")
    assert words in str(e), str(e)


def test_an_unknown_layer_check_suggests_the_right_name():
    e = error(STACKED + '[[step]]\nstep = 1\nexpect = { top_lable = "pos" }\n')
    assert "unknown check 'top_lable' in expect; did you mean 'top_label'?" in str(e)


def test_layers_in_the_scene_table_is_checked_and_random_only():
    assert "[scene] layers must be from 1 to 8, not 9" in str(error('[scene]\ncell = "rnn"\nlayers = 9\n[[step]]\n'))
    e = error('[scene]\nmodel = "lstm"\nlayers = 2\n[[step]]\nstep = 1\n')
    assert "[scene] layers describes a random model; it cannot change model" in str(e) and e.line == 3


@pytest.mark.parametrize(
    "steps, words",
    [
        ("[[step]]\nlayer = 4\n", "there is no layer 4: choose 1 to 3 (1 is the bottom, 3 the top)"),
        ("[[step]]\nstep = 1\nexpect = { layer = 5 }\n", "expect layer: the model has 3 layers: there is no layer 5"),
        ('[[step]]\nlabel = "pos"\n', "only a classifier has labels; this model's task is next"),
        ('[[step]]\nend = true\nexpect = { top_label = "pos" }\n', "only a classifier has labels"),
        ('[[step]]\nend = true\nexpect = { class_prob_above = ["pos", 0.5] }\n', "only a classifier has labels"),
    ],
)
def test_what_the_model_cannot_do_is_caught_before_playing(steps, words):
    e = error(STACKED + steps)
    assert words in str(e), str(e)
    assert re.match(r"s\.toml:\d+: step 1", str(e)), str(e)


def test_a_one_layer_model_has_no_second_layer():
    e = error('[scene]\ncell = "rnn"\n[[step]]\nlayer = 2\n')
    assert str(e) == "s.toml:4: step 1 (layer = 2): there is no layer 2: this model has one layer"


@pytest.mark.parametrize(
    "steps, words",
    [
        ('[[step]]\nlabel = "maybe"\n', "unknown label 'maybe': choose one of neg, pos"),
        ('[[step]]\nend = true\nexpect = { top_label = "pso" }\n', "unknown label 'pso'; did you mean 'pos'?"),
        ('[[step]]\nend = true\nexpect = { class_prob_above = ["meh", 0.5] }\n', "unknown label 'meh'; choose one of"),
        ('[[step]]\nstep = 1\nexpect = { top_label = "pos" }\n', "decides after the last token: add a step with end"),
        ("[[step]]\nlayer = 3\n", "there is no layer 3: choose 1 to 2"),
    ],
)
def test_a_classifiers_labels_and_decision_are_checked(classifier, steps, words):
    base, head = classifier
    with pytest.raises(SceneError) as e:
        parse(head + steps, base)
    msg = str(e.value)
    assert words in msg, msg
    assert "\n" not in msg and re.match(r"s\.toml:\d+: step 1", msg), msg


def test_a_recorded_session_replays_its_layers_and_labels(classifier):
    base, head = classifier
    sim = parse(head + "[[step]]\nend = true\n", base).new_sim()
    sim.to_end()
    sim.layer_down()
    other = next(name for name in ("neg", "pos") if name != sim.top_label()[0])
    for _ in range(2):
        sim.cycle_label()  # the label that is not predicted, then back to the predicted one
    want = [("end", True), ("layer", 1), ("label", other), ("label", False)]
    assert history_steps(sim.history) == want
    replay = parse(session_scene(sim), base)
    again = replay.new_sim()
    for st in replay.steps:
        apply_step(replay, again, st)
    assert again.shown_layer == 0 and again.label is None and again.cursor == again.T


def test_a_recorded_stacked_random_model_keeps_its_depth():
    sim = parse(STACKED + "[[step]]\nstep = 1\n").new_sim()
    sim.set_layers(2)
    text = session_scene(sim)
    assert "layers = 3" in text and "layers = 2" in text  # the start, then the step
    assert parse(text).new_sim().model.num_layers == 3


@pytest.mark.parametrize(
    "old, new", [("label_prob_above", "class_prob_above"), ("label_prob_below", "class_prob_below")]
)
def test_the_old_spelling_of_the_class_probability_check_names_the_kept_one(classifier, old, new):
    base, head = classifier
    e = error(head + f'[[step]]\nend = true\nexpect = {{ {old} = ["pos", 0.5] }}\n', base_dir=base)
    assert str(e).endswith(f"step 1: the check '{old}' is now called '{new}' (the same value): rename it in expect")
    assert e.line == head.count("\n") + 3
