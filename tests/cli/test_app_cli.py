"""`rnnsim [options] [TEXT]`: what the options open, and one-line errors for mistakes."""

import pytest

from rnnsim import cli
from rnnsim.core.shipped import shipped_names
from rnnsim.sim import Simulation


@pytest.fixture
def opened(monkeypatch):
    """Run the app command without a screen: capture the Simulation it would show."""
    seen = {}

    def fake_run(self):
        seen["sim"] = self.sim

    monkeypatch.setattr("rnnsim.ui.app.RnnsimApp.run", fake_run)
    monkeypatch.setattr("rnnsim.cli_terminal.terminal_problem", lambda: None)  # (pytest is no terminal)
    return seen


def test_no_arguments_opens_the_default_sentence_on_the_best_model(opened):
    assert cli.main([]) == 0
    sim: Simulation = opened["sim"]
    assert sim.text == cli.DEFAULT_TEXT
    assert sim.model.cell == "lstm"
    if "lstm" in shipped_names():
        assert sim.origin == "trained: lstm"


def test_cell_bidirectional_and_text(opened):
    assert cli.main(["--cell", "gru", "--bidirectional", "Some sentence here"]) == 0
    sim = opened["sim"]
    assert sim.model.cell == "gru" and sim.model.bidirectional and sim.tokens == ["Some", "sentence", "here"]


def test_random_options_give_a_random_model(opened):
    assert cli.main(["--cell", "rnn", "--hidden", "12", "--seed", "4", "x y"]) == 0
    sim = opened["sim"]
    assert sim.origin == "random, seed 4" and sim.model.hidden == 12


def test_file_text_and_model_file(opened, tmp_path):
    from rnnsim import random_model, save_model

    story = tmp_path / "story.txt"
    story.write_text("The dog ran.\nIt slept.", encoding="utf-8")
    model = tmp_path / "m.safetensors"
    save_model(random_model("gru", hidden=6), model)
    assert cli.main(["--model", str(model), "--file", str(story)]) == 0
    sim = opened["sim"]
    assert sim.model.cell == "gru" and sim.model.hidden == 6 and sim.T == 7


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--file", "/no/such/file.txt"], "/no/such/file.txt: no such file"),
        ([""], "empty"),
        (["--model", "/no/such.safetensors"], "no such file"),
        (["--model", "nonsense"], "neither a model file nor a shipped model"),
        (["--model", "x.safetensors", "--hidden", "4"], "--hidden describes a random model"),
        (["My own text.", "--file", "/no/such/file.txt"], "give the text or --file FILE, not both"),
    ],
)
def test_mistakes_are_one_line_errors(opened, capsys, argv, message):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rnnsim: error:") and message in err
    assert "sim" not in opened


def test_binary_file_is_refused(opened, capsys, tmp_path):
    f = tmp_path / "bin.txt"
    f.write_bytes(b"\xff\xfe\x00\x81")
    assert cli.main(["--file", str(f)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--hidden", "zero"], ["--bogus"], ["--cell", "cnn"]])
def test_bad_option_values_are_one_line_errors(capsys, argv):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rnnsim: error:") and "rnnsim --help" in err


@pytest.mark.parametrize("value", ["nan", "inf", "100", "x"])
def test_forget_bias_option_is_checked_by_name(capsys, value):
    assert cli.main(["trace", "--forget-bias", value, "the cat"]) == 2
    assert "forget bias must" in capsys.readouterr().err


def test_trace_json_stays_strict_when_a_relu_network_overflows(capsys, tmp_path):
    import json

    import numpy as np

    from rnnsim import random_model, save_model

    m = random_model("rnn", hidden=4, embed=3, nonlinearity="relu", seed=0, vocab=["a"])
    m.params["rnn.weight_hh_l0"][:] = 1e300  # every step multiplies the state by a huge number
    m.params["rnn.bias_ih_l0"][:] = 1.0
    path = tmp_path / "relu.safetensors"
    save_model(m, path, dtype=np.float64)
    assert cli.main(["trace", "--json", "--model", str(path), "a a a a"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert None in data["forward"]["h"][-1]
    assert err == "rnnsim: note: the hidden state overflowed to infinity or NaN (shown as null in JSON)\n"


def test_random_lstm_gets_a_forget_bias_of_one_unless_told_otherwise(opened):
    import numpy as np

    from rnnsim import random_model

    assert cli.main(["--cell", "lstm", "--seed", "3", "a b c"]) == 0
    plus_one = opened["sim"].model
    assert cli.main(["--cell", "lstm", "--seed", "3", "--forget-bias", "0", "a b c"]) == 0
    pytorch = opened["sim"].model
    exact = random_model("lstm", vocab=pytorch.vocab, hidden=16, embed=8, seed=3)  # PyTorch's init
    for name, value in exact.params.items():
        np.testing.assert_array_equal(pytorch.params[name], value)
    H = plus_one.hidden
    diff = plus_one.params["rnn.bias_ih_l0"] - exact.params["rnn.bias_ih_l0"]
    np.testing.assert_allclose(diff[H : 2 * H], 1.0)
    assert np.all(np.delete(diff, np.s_[H : 2 * H]) == 0)
