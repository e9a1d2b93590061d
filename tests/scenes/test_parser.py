"""Scene validation: every kind of mistake gives one SceneError line with the file, the line
where it is known, what is wrong and a suggestion. Nothing plays before that."""

from __future__ import annotations

import re

import pytest

from rnnsim.scene import ACTIONS, CHECKS, SceneError, dry_run, load_scene, parse_scene

HEAD = '[scene]\ntitle = "t"\ncell = "rnn"\n'


def error(source: str, **kw) -> SceneError:
    with pytest.raises(SceneError) as e:
        parse_scene(source, file="s.toml", **kw)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith("s.toml")
    return e.value


def where(err: SceneError) -> int | None:
    return err.line


# ------------------------------------------------------------------ a valid scene


def test_a_valid_scene_parses_into_steps():
    scene = parse_scene(
        HEAD + '\n[[step]]\nstep = 2\ncaption = "two"\nsnapshot = "a"\n'
        '\n[[step]]\nbackward = true\nexpect = { phase = "backward" }\n',
        file="s.toml",
    )
    assert [s.action for s in scene.steps] == ["step", "backward"]
    assert scene.steps[0].value == 2 and scene.steps[0].caption == "two" and scene.steps[0].snapshot == "a"
    assert scene.steps[1].expect == (("phase", "backward", None, "forward"),)
    assert scene.steps[0].line == 5 and scene.steps[1].line == 10
    assert scene.settings.source == "random" and scene.settings.cell == "rnn"
    assert dry_run(scene) == []


def test_a_step_without_an_action_is_a_caption():
    scene = parse_scene(HEAD + '[[step]]\ncaption = "look"\n', file="s.toml")
    assert scene.steps[0].action is None


def test_expect_may_be_a_list_of_tables_each_with_its_own_position():
    scene = parse_scene(
        HEAD + 'text = "a b c"\n[[step]]\nstep = 3\nexpect = [{ at = 0, cursor = 3 }, { at = 2, cursor = 3 }]\n',
        file="s.toml",
    )
    assert [(c[0], c[2]) for c in scene.steps[0].expect] == [("cursor", 0), ("cursor", 2)]


# ------------------------------------------------------------------ TOML syntax


def test_a_toml_syntax_error_names_its_line():
    e = error(HEAD + "[[step]]\nstep = \n")
    assert e.line == 5
    assert "TOML syntax error" in str(e) and "check the quotes" in str(e)


def test_an_unterminated_string_names_its_line():
    e = error('[scene]\ntitle = "oops\n[[step]]\nstep = 1\n')
    assert e.line == 2


def test_a_key_written_twice_is_a_syntax_error_with_a_hint():
    e = error(HEAD + "[[step]]\nstep = 1\nstep = 2\n")
    assert e.line is not None and "written twice" in str(e)


def test_not_utf8(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_bytes(b'[scene]\ntitle = "\xff"\n')
    with pytest.raises(SceneError, match="not UTF-8"):
        load_scene(p)


def test_a_missing_scene_file_suggests_a_shipped_name():
    with pytest.raises(SceneError, match="did you mean 'vanishing'"):
        load_scene("vanishng")
    with pytest.raises(SceneError, match="--list"):
        load_scene("zzzzzz.toml")


def test_a_folder_is_not_a_scene(tmp_path):
    with pytest.raises(SceneError, match="folder"):
        load_scene(tmp_path)


def test_a_shipped_scene_loads_by_name():
    assert load_scene("chain").title.startswith("1")


# ------------------------------------------------------------------ tables and keys


def test_unknown_table_with_suggestion():
    e = error(HEAD + "[[stpe]]\nstep = 1\n")
    assert "unknown table [stpe]" in str(e) and "did you mean 'step'" in str(e)
    assert e.line == 4


def test_single_bracket_step_table():
    e = error(HEAD + "[step]\nstep = 1\n")
    assert "[[step]]" in str(e) and e.line == 4


def test_no_scene_table():
    e = error("[[step]]\nstep = 1\n")
    assert "no [scene] table" in str(e)


def test_no_steps():
    e = error(HEAD)
    assert "no [[step]]" in str(e) and e.line == 1


def test_scene_key_outside_its_table():
    e = error('title = "x"\n' + HEAD + "[[step]]\nstep = 1\n")
    assert "put it under [scene]" in str(e) and e.line == 1


def test_unknown_scene_key_with_suggestion():
    e = error('[scene]\ntitel = "x"\n[[step]]\nstep = 1\n')
    assert "unknown key 'titel' in [scene]" in str(e) and "did you mean 'title'" in str(e) and e.line == 2


def test_an_action_in_the_scene_table_says_where_it_belongs():
    e = error(HEAD + "backward = true\n[[step]]\nstep = 1\n")
    assert "belongs in a [[step]]" in str(e) and e.line == 4


def test_unknown_action_with_suggestion():
    e = error(HEAD + '\n[[step]]\ncaption = "x"\nstpe = 2\n')
    assert str(e) == "s.toml:7: step 1: unknown action 'stpe'; did you mean 'step'?"


def test_an_unknown_action_far_from_any_name_lists_them():
    e = error(HEAD + "[[step]]\nzzzzzz = 2\n")
    assert "actions:" in str(e) and "grad_step" in str(e)


def test_two_actions_in_one_step():
    e = error(HEAD + "[[step]]\nstep = 1\nbackward = true\n")
    assert "two actions (step and backward)" in str(e) and "split it" in str(e) and e.line == 6


def test_unknown_check_with_suggestion():
    e = error(HEAD + '[[step]]\nstep = 1\nexpect = { tpo = "mat" }\n')
    assert "unknown check 'tpo'" in str(e) and "did you mean 'top'" in str(e) and e.line == 6


def test_expect_must_be_a_table():
    e = error(HEAD + '[[step]]\nstep = 1\nexpect = "top"\n')
    assert "expect must be a table" in str(e)


def test_expect_with_only_modifiers():
    e = error(HEAD + "[[step]]\nstep = 1\nexpect = { at = 0 }\n")
    assert "no checks" in str(e)


def test_duplicate_snapshot_names():
    e = error(HEAD + '[[step]]\nstep = 1\nsnapshot = "a"\n[[step]]\nstep = 1\nsnapshot = "a"\n')
    assert "used twice" in str(e) and e.line == 9


@pytest.mark.parametrize("name", ["", "a b", "../x", "-x", "x" * 65, 3])
def test_bad_snapshot_names(name):
    value = f'"{name}"' if isinstance(name, str) else str(name)
    e = error(HEAD + f"[[step]]\nstep = 1\nsnapshot = {value}\n")
    assert "snapshot" in str(e)


# ------------------------------------------------------------------ types and ranges


@pytest.mark.parametrize(
    "line, words",
    [
        ('step = "2"', "must be a whole number"),
        ("step = true", "must be a whole number"),
        ("step = 1.5", "must be a whole number"),
        ("step = 0", "from 1 to"),
        ("goto = -1", "from 0 to"),
        ("backward = false", "write it as `= true`"),
        ("backward = 1", "write it as `= true`"),
        ('cell = "lstn"', "did you mean 'lstm'"),
        ("cell = 3", "must be one of rnn, lstm, gru"),
        ('bidirectional = "yes"', "true or false"),
        ("hidden = 999", "from 1 to 256"),
        ("seed = -1", "from 0 to"),
        ("forget_bias = 50", "from -20 to 20"),
        ("forget_bias = nan", "must be a number"),
        ("forget_bias = inf", "must be a number"),
        ('loss = "first"', 'must be "all", "last" or a position number, not \'first\''),
        ('loss = "lats"', "did you mean 'last'?"),
        ('loss = "5"', "write a position without quotes: loss = 5"),
        ("goto = 9", "goto: 9 is past the end of the text (7 tokens, so 0..7; end = true goes to the end)"),
        ("loss = 2.5", 'must be "all", "last" or a position'),
        ('text = "  "', "is empty"),
        ("text = 5", "must be a string"),
        ("pause = -1", "from 0 to 600"),
        ("caption = 3", "must be a string"),
        ("position = 1e9", "must be a position"),
        ("compare = 1", "true or false"),
    ],
)
def test_wrong_types_and_ranges_in_steps(line, words):
    e = error(HEAD + f"\n[[step]]\n{line}\n")
    assert words in str(e), str(e)
    assert e.line == 6


@pytest.mark.parametrize(
    "check, words",
    [
        ("top = 3", "must be a string"),
        ('prob_above = ["mat", 1.5]', "from 0 to 1"),
        ('prob_above = "mat"', "must be a list [word, p]"),
        ("grad_ratio_below = [0, 6]", "[position, position, number > 0]"),
        ("grad_ratio_below = [0, 6, -1]", "number above 0"),
        ('grad_ratio_below = [0, "x", 1]', "must be a position"),
        ('gate_mean_above = ["f", 2]', "from 0 to 1"),
        ('phase = "sideways"', "must be one of forward, backward"),
        ('at = "x"', "must be a position"),
        ('direction = "up"', "must be one of forward, reverse"),
        ('compare_ratio_below = ["lsmt", 0.1]', "did you mean 'lstm'"),
    ],
)
def test_wrong_check_values(check, words):
    e = error(HEAD + f"[[step]]\nstep = 1\nexpect = {{ {check} }}\n")
    assert words in str(e), str(e)


@pytest.mark.parametrize(
    "line, words",
    [
        ("size = [120]", "[columns, rows]"),
        ("size = [10, 10]", "from 60x20 to 400x200"),
        ('size = "120x40"', "[columns, rows]"),
        ("hidden = 0", "from 1 to 256"),
        ("embed = 1000", "from 1 to 256"),
        ("loss = 99", "past the end of the text"),
        ('pause = "long"', "must be a number"),
        ("title = 3", "must be a string"),
    ],
)
def test_wrong_values_in_the_scene_table(line, words):
    e = error(f"[scene]\n{line}\n[[step]]\nstep = 1\n")
    assert words in str(e), str(e)
    assert e.line == 2


def test_forget_bias_needs_an_lstm():
    e = error('[scene]\ncell = "gru"\nforget_bias = 2.0\n[[step]]\nstep = 1\n')
    assert "only an LSTM" in str(e) and e.line == 3


def test_a_caption_too_long_for_the_caption_area():
    long = "word " * 120
    e = error(HEAD + f'[[step]]\ncaption = "{long}"\n')
    assert "caption needs" in str(e) and "shorten it" in str(e) and e.line == 5


# ------------------------------------------------------------------ models


def test_a_missing_model_file(tmp_path):
    e = error('[scene]\nmodel = "nope.safetensors"\n[[step]]\nstep = 1\n', base_dir=tmp_path)
    assert "model file 'nope.safetensors' not found" in str(e) and e.line == 2
    assert "shipped model" in str(e)


def test_a_misspelt_shipped_model_is_suggested(tmp_path):
    e = error('[scene]\nmodel = "lstn"\n[[step]]\nstep = 1\n', base_dir=tmp_path)
    assert "did you mean 'lstm'" in str(e)


def test_a_file_that_is_not_a_model(tmp_path):
    (tmp_path / "m.safetensors").write_bytes(b"not a model at all")
    e = error('[scene]\nmodel = "m.safetensors"\n[[step]]\nstep = 1\n', base_dir=tmp_path)
    assert "cannot be loaded" in str(e) and e.line == 2


def test_a_model_file_is_found_beside_the_scene(tmp_path):
    from rnnsim.core import Vocab, random_model, save_model

    save_model(
        random_model("gru", vocab=Vocab.from_texts(["a b c"]), hidden=4, embed=3, seed=1), tmp_path / "tiny.safetensors"
    )
    (tmp_path / "s.toml").write_text(
        '[scene]\nmodel = "tiny.safetensors"\ntext = "a b c"\n'
        '[[step]]\nstep = 1\nexpect = { cell = "gru", hidden = 4 }\n'
    )
    scene = load_scene(tmp_path / "s.toml")
    assert scene.settings.source == "file" and dry_run(scene) == []


def test_a_random_model_option_beside_a_model():
    e = error('[scene]\nmodel = "lstm"\nhidden = 8\n[[step]]\nstep = 1\n')
    assert "describes a random model" in str(e) and e.line == 3


# ------------------------------------------------------------------ the dry run (state-dependent)


@pytest.mark.parametrize(
    "steps, words",
    [
        ("[[step]]\nposition = 40\n", "outside the text"),
        ("[[step]]\ngrad_back = 1\n", "not in the gradient view"),
        ("[[step]]\nforget_bias = 2.0\n", "only an LSTM"),
        ("[[step]]\nloss = 6\n", "has no word to predict"),
        ('[[step]]\nstep = 1\nexpect = { gate_mean_above = ["f", 0.5] }\n', "has no gate 'f'"),
        ('[[step]]\nstep = 1\nexpect = { at = 9, top = "mat" }\n', "outside the text"),
        ('[[step]]\ncaption = "x"\nexpect = { top = "mat" }\n', "nothing is read yet"),
        ('[[step]]\nstep = 1\nexpect = { direction = "reverse", h_norm_above = 1 }\n', "needs a bidirectional"),
        ('[[step]]\nstep = 1\nexpect = { prob_above = ["zebra", 0.5] }\n', "not in the model's vocabulary"),
        ("[[step]]\nstep = 1\nexpect = { cell_grad_ratio_above = [0, 5, 1] }\n", "only an LSTM"),
        ("[[step]]\nstep = 1\nexpect = { grad_ratio_above = [0, 6, 1] }\n", "no loss reaches it"),
        ("[[step]]\nstep = 1\nexpect = { grad_ratio_above = [2, 2, 1] }\n", "must differ"),
    ],
)
def test_what_depends_on_the_state_is_caught_before_playing(steps, words):
    e = error(HEAD + "\n" + steps)
    assert words in str(e), str(e)
    assert re.match(r"s\.toml:\d+: step 1", str(e)), str(e)


def test_expect_failures_are_not_errors_but_are_reported_by_step():
    scene = parse_scene(HEAD + "[[step]]\nstep = 2\nexpect = { cursor = 3 }\n", file="s.toml")
    (f,) = dry_run(scene)
    assert str(f) == "s.toml:6: step 1 (step = 2): expect cursor = 3: the step is 2, not 3"


def test_every_action_and_check_is_documented_in_the_example():
    from rnnsim.scene import SHIPPED_DIR

    text = (SHIPPED_DIR / "example.toml").read_text(encoding="utf-8")
    for name in [*ACTIONS, *CHECKS]:
        assert re.search(rf"\b{name} =", text), name


def test_the_scene_in_the_readme_is_valid_and_its_checks_pass():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    source = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    scene = parse_scene(source, file="README.md")
    assert [str(f) for f in dry_run(scene)] == []


def test_a_loss_position_with_nothing_to_predict_names_the_loss_line():
    e = error('[scene]\ncell = "rnn"\nloss = 6\n[[step]]\nstep = 1\n')
    assert "has no word to predict" in str(e) and e.line == 3


def test_expect_as_a_sub_table_is_read_and_located():
    source = HEAD + '[[step]]\nstep = 2\n[step.expect]\ncursor = 2\ntpo = "x"\n'
    e = error(source)
    assert "unknown check 'tpo'" in str(e) and e.line is not None
    scene = parse_scene(HEAD + "[[step]]\nstep = 2\n[step.expect]\ncursor = 2\n", file="s.toml")
    assert scene.steps[0].expect == (("cursor", 2, None, "forward"),)


def test_input_grad_ratio_reads_the_gradient_at_the_words_embeddings():
    scene = parse_scene(HEAD + '[[step]]\nbackward = true\n'
                        'expect = [{ input_grad_ratio_below = [0, 4, 1e-30] },\n'
                        '          { input_grad_ratio_above = [0, 4, 1e-30] }]\n',
                        file="s.toml")  # fmt: skip
    (f,) = dry_run(scene)
    sim = scene.new_sim()
    sim.backward()
    norms = sim.input_grad_norms()
    assert norms[0] > 0 and norms[4] > 0
    assert f"|∂L/∂x[0]| / |∂L/∂x[4]| = {norms[0] / norms[4]:.3g}, not below 1.00e-30" in str(f)
