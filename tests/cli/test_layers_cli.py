"""`--layers N`: a random stacked model from the command line, for the app and for
`rnnsim trace`, with its default from rnnsim/sim/build.py and one-line errors."""

import json

import pytest

from rnnsim import cli
from rnnsim.sim import DEFAULTS

from .test_app_cli import opened  # noqa: F401  (the fixture)


def test_layers_opens_a_random_stacked_model_on_its_top_layer(opened):  # noqa: F811
    assert cli.main(["--layers", "3", "--cell", "gru", "a b c d"]) == 0
    sim = opened["sim"]
    assert sim.model.num_layers == 3 and sim.model.cell == "gru" and sim.origin == "random, seed 0"
    assert sim.layer_caption() == "layer 3 of 3 (top)"


def test_without_layers_the_default_is_one(opened):  # noqa: F811
    assert cli.main(["--hidden", "6", "a b"]) == 0
    assert opened["sim"].model.num_layers == DEFAULTS.layers == 1


def test_trace_reads_the_same_default_and_option(capsys):
    assert cli.main(["trace", "--json", "--layers", "2", "--cell", "rnn", "a b c"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["num_layers"] == 2 and len(out["layers"]) == 2
    assert cli.main(["trace", "--json", "a b c"]) == 0
    assert json.loads(capsys.readouterr().out)["num_layers"] == DEFAULTS.layers


def test_the_help_names_the_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert f"(default: {DEFAULTS.layers})" in capsys.readouterr().out.replace("\n", " ")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--layers", "0"], "number of layers must be between 1 and 8, got 0"),
        (["--layers", "9"], "number of layers must be between 1 and 8, got 9"),
        (["--layers", "two"], "two"),
        (["--layers", "2", "--bidirectional"], "cannot fill a blank"),
    ],
)
def test_bad_layers_is_one_line_and_a_nonzero_exit(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        code = cli.main(argv)
        raise SystemExit(code)
    assert e.value.code != 0
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) <= 3, err


def test_layers_beside_a_model_file_is_refused(tmp_path, capsys):
    from rnnsim import random_model, save_model

    path = tmp_path / "m.safetensors"
    save_model(random_model("gru", hidden=4), path)
    with pytest.raises(SystemExit) as e:
        raise SystemExit(cli.main(["trace", "--model", str(path), "--layers", "2", "a"]))
    assert e.value.code != 0
    assert "--layers describes a random model; it cannot change --model FILE" in capsys.readouterr().err
