"""The app, `rnnsim trace` and both --help texts state the same defaults: the same model,
the same loss, the same sizes of a random model."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from rnnsim import cli, cli_trace
from rnnsim.sim import DEFAULTS


def app_session(*argv: str):
    return cli.app_simulation(list(argv))


def trace_json(capsys, *argv: str) -> dict:
    assert cli.main(["trace", "--json", *argv]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def help_text(parser) -> str:
    return " ".join(parser.format_help().split())  # argparse wraps lines at will


@pytest.mark.parametrize("argv", [[], ["--cell", "gru"], ["--cell", "rnn"], ["--bidirectional"]])
def test_trace_runs_the_model_and_loss_the_app_opens_on(argv, capsys):
    sim = app_session(*argv)
    d = trace_json(capsys, *argv)
    assert d["cell"] == sim.model.cell and d["bidirectional"] == sim.model.bidirectional
    assert d["loss_mode"] == sim.loss_mode
    assert d["loss"] == pytest.approx(sim.trace.loss, rel=1e-12)
    np.testing.assert_allclose(d["forward"]["h"], sim.trace.forward.h, rtol=1e-12)


def test_the_help_names_the_app_s_default_model_and_its_sizes():
    sim = app_session()
    assert sim.origin == f"trained: {DEFAULTS.cell}"
    stated = f"By default the trained {sim.model.cell} that ships with rnnsim (hidden {sim.model.hidden}, embed "
    for parser in (cli.app_parser(), cli_trace.trace_parser()):
        text = help_text(parser)
        assert stated in text
        embed = int(re.search(re.escape(stated) + r"(\d+)\)", text).group(1))
        assert embed == sim.model.params["embedding.weight"].shape[1]
        assert f"(default: {DEFAULTS.cell})" in text


@pytest.mark.parametrize("parser", [cli.app_parser, cli_trace.trace_parser])
def test_the_random_model_defaults_in_the_help_are_the_ones_used(parser, capsys):
    text = help_text(parser())
    for option, value in [
        ("hidden units of a random model", DEFAULTS.hidden),
        ("embedding size of a random model", DEFAULTS.embed),
        ("seed of a random model", DEFAULTS.seed),
        ("forget-gate bias of a random model", DEFAULTS.init_forget_bias),
    ]:
        assert f"{option} (default: {value})" in text
    d = trace_json(capsys, "--seed", str(DEFAULTS.seed))  # a random model, other options defaulted
    assert np.array(d["forward"]["h"]).shape[1] == DEFAULTS.hidden
    assert np.array(d["dx"]).shape[1] == DEFAULTS.embed
    sim = app_session("--seed", str(DEFAULTS.seed))
    np.testing.assert_allclose(d["forward"]["h"], sim.trace.forward.h, rtol=1e-12)


def test_the_trace_help_states_the_app_s_default_loss(capsys):
    assert "(default: as in the app, the last prediction of a word it knows; all when bidirectional)" in help_text(
        cli_trace.trace_parser()
    )
    # one direction: the prediction of the last word ("mat" at t=4), not the full stop
    assert app_session().loss_mode == 4 == trace_json(capsys)["loss_mode"]
    assert app_session("--bidirectional").loss_mode == "all" == trace_json(capsys, "--bidirectional")["loss_mode"]


@pytest.mark.parametrize("parser", [cli.app_parser, cli_trace.trace_parser], ids=["rnnsim", "trace"])
def test_the_help_names_every_shipped_model_model_takes(parser):
    """--model lstm2 and --model sentiment work; the help listed only four of the seven."""
    from rnnsim.core.shipped import shipped_names

    names = shipped_names()
    assert {"lstm", "lstm2", "sentiment", "char"} <= set(names)
    assert f"a shipped model's name ({', '.join(names)})" in help_text(parser())
