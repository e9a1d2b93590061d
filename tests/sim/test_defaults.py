"""The model defaults have one home (rnnsim.sim.build): the app's command line, `rnnsim
trace`, --help and scene files all take them from there."""

from dataclasses import replace

import numpy as np

from rnnsim import cli, cli_trace
from rnnsim.scene import parse_scene
from rnnsim.sim import DEFAULT_TEXT, DEFAULTS, Settings, build_model, settings_from

RANDOM = replace(DEFAULTS, source="random")


def test_the_defaults_are_one_settings_object():
    assert DEFAULTS == Settings() == settings_from("trained")
    assert settings_from("random", hidden=None, seed=None) == RANDOM
    assert settings_from("random", hidden=4).hidden == 4


def test_the_app_command_line_takes_the_defaults():
    assert cli.app_settings(cli.app_parser().parse_args([])) == DEFAULTS
    # a random-only option makes a random model; everything else stays at the default
    assert cli.app_settings(cli.app_parser().parse_args(["--seed", "0"])) == RANDOM
    assert cli.app_settings(cli.app_parser().parse_args(["--hidden", "5"])) == replace(RANDOM, hidden=5)


def test_trace_builds_the_same_random_model_as_the_session():
    args = cli_trace.trace_parser().parse_args(["--seed", "0", DEFAULT_TEXT])
    traced = cli.build_model(args, DEFAULT_TEXT)
    session, _, _ = build_model(RANDOM, DEFAULT_TEXT)
    assert traced.params.keys() == session.params.keys()
    for name in session.params:
        np.testing.assert_array_equal(traced.params[name], session.params[name])


def test_help_states_the_defaults():
    helps = {a.dest: a.help for a in cli.app_parser()._actions}
    stated = {"cell": "cell", "hidden": "hidden", "embed": "embed", "seed": "seed", "forget_bias": "init_forget_bias"}
    for dest, field in stated.items():
        assert f"(default: {getattr(DEFAULTS, field)})" in helps[dest], helps[dest]


def test_a_scene_without_a_model_starts_from_the_defaults(tmp_path):
    scene = parse_scene("[scene]\ntitle = 't'\n[[step]]\nstep = 1\n", file=str(tmp_path / "s.toml"))
    assert scene.settings == RANDOM
    assert scene.text == DEFAULT_TEXT
