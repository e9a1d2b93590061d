"""`rnnsim trace --pin/--knockout/--scale-recurrent/--clip`: the JSON records the surgery and
clip_scale, equal to the core's (which tests/core/test_surgery_torch.py checks against torch);
nonsense is one line and a non-zero exit."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rnnsim
from rnnsim.cli import main
from rnnsim.core.shipped import load_shipped
from rnnsim.core.surgery import Surgery

TEXT = "The cat sat on the mat."


def call(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_json_records_the_surgery_and_clip_scale(capsys):
    code, out, err = call(
        ["trace", "--json", "--loss", "all", "--pin", "f=1", "--pin", "o=0.5", "--knockout", "3,7",
         "--scale-recurrent", "1.5", "--clip", "0.1", TEXT],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    assert d["surgery"] == {"pin": {"f": 1.0, "o": 0.5}, "knockout": [3, 7], "scale_recurrent": 1.5, "clip": 0.1}
    s = Surgery().with_pin("f", 1).with_pin("o", 0.5).with_knockout([3, 7]).with_scale(1.5).with_clip(0.1)
    tr = load_shipped("lstm").run(TEXT, loss="all", surgery=s)
    assert d["clip_scale"] == pytest.approx(min(1, 0.1 / (tr.grad_norm() + 1e-6)), rel=1e-12)
    assert d["clipped_grad_norm"] == pytest.approx(0.1, rel=1e-5)
    assert d["grad_norm"] == pytest.approx(tr.grad_norm(), rel=1e-12)
    h = np.array(d["forward"]["h"])
    assert np.all(h[:, [3, 7]] == 0.0)
    assert np.all(np.array(d["forward"]["gates"]["f"]) == 1.0)


def test_table_says_what_surgery_it_ran(capsys):
    code, out, err = call(["trace", "--cell", "gru", "--pin", "z=1", "--clip", "1", TEXT], capsys)
    assert code == 0, err
    assert "surgery: pin z=1, clip 1" in out
    assert "clip_scale " in out and "after clipping" in out


def test_no_surgery_no_surgery_fields(capsys):
    code, out, _ = call(["trace", "--json", TEXT], capsys)
    d = json.loads(out)
    assert "surgery" not in d and "clip_scale" not in d


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--cell", "rnn", "--pin", "f=1"], "a plain RNN (rnn) has no gates to pin"),
        (["--pin", "z=1"], "unknown gate 'z' for the LSTM: choose one of i f g o"),
        (["--pin", "f=1.2"], "pin f=1.2 is impossible: f is a sigmoid, so it lies in [0, 1]"),
        (["--cell", "gru", "--pin", "n=-2"], "n is a tanh, so it lies in [-1, 1]"),
        (["--pin", "f"], "write GATE=VALUE"),
        (["--knockout", "99"], "unit 99 is out of range"),
        (["--knockout", "a"], "list unit numbers"),
        (["--scale-recurrent", "0"], "--scale-recurrent must be a finite number above 0"),
        (["--scale-recurrent", "nan"], "--scale-recurrent must be a finite number above 0"),
        (["--clip", "inf"], "--clip must be a finite number above 0"),
        (["--clip", "x"], "--clip needs a number"),
    ],
)
def test_nonsense_is_one_line(argv, words, capsys):
    code, out, err = call(["trace", *argv, TEXT], capsys)
    assert code != 0 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_random_model_and_python_api_agree(capsys):
    code, out, _ = call(
        ["trace", "--json", "--cell", "rnn", "--hidden", "8", "--knockout", "1", "--loss", "all", TEXT], capsys
    )
    d = json.loads(out)
    model = rnnsim.random_model("rnn", vocab=rnnsim.Vocab.from_texts([TEXT]), hidden=8, embed=8, seed=0)
    tr = model.run(TEXT, loss="all", surgery=Surgery().with_knockout([1]))
    np.testing.assert_allclose(np.array(d["forward"]["dh"]), tr.forward.dh, atol=1e-12)
