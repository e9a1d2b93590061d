"""`rnnsim trace`: the table, the JSON, and one-line errors for bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import rnnsim
from rnnsim.cli import main

TEXT = "The cat sat on the mat."


def call(argv, capsys):
    """(exit code, stdout, stderr) of rnnsim.cli.main, whether it returns or exits."""
    try:
        code = main(argv)
    except SystemExit as e:  # argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def trace_json(argv, capsys):
    code, out, err = call(["trace", "--json", *argv], capsys)
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def assert_matrix(x, rows, cols):
    a = np.array(x, dtype=float)
    assert a.shape == (rows, cols)
    assert np.all(np.isfinite(a))


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_json_has_every_documented_key(capsys, cell, bidirectional):
    argv = ["--cell", cell, "--hidden", "5", TEXT] + (["--bidirectional"] if bidirectional else [])
    d = trace_json(argv, capsys)
    gates = {"rnn": set(), "lstm": {"i", "f", "g", "o"}, "gru": {"r", "z", "n"}}[cell]
    keys = {"cell", "bidirectional", "task", "loss_mode", "tokens", "ids", "targets", "logits", "loss", "forward", "dx"}
    assert set(d) == keys | ({"reverse"} if bidirectional else set())
    assert_matrix(d["dx"], 7, 8)  # dL/dx_t at each embedding row (a random model's embed size is 8)
    assert d["cell"] == cell and d["bidirectional"] is bidirectional
    assert d["task"] == ("cloze" if bidirectional else "next")
    # the app's default loss: one direction, the prediction of "mat" (t=4), not the full stop
    assert d["loss_mode"] == ("all" if bidirectional else 4)
    assert d["tokens"] == ["The", "cat", "sat", "on", "the", "mat", "."]
    T = len(d["tokens"])
    V = 7  # a random model's vocabulary is the text's own lower-cased words: <unk> the cat sat on mat .
    assert d["ids"] == [1, 2, 3, 4, 1, 5, 6]
    if bidirectional:
        assert d["targets"] == d["ids"]
    else:
        assert d["targets"] == d["ids"][1:] + [None]
    assert_matrix(d["logits"], T, V)
    assert isinstance(d["loss"], float) and d["loss"] > 0
    for side in ["forward", "reverse"] if bidirectional else ["forward"]:
        s = d[side]
        want = {"h", "dh"} | ({"c", "dc"} if cell == "lstm" else set()) | ({"gates"} if gates else set())
        assert set(s) == want
        for k in want - {"gates"}:
            assert_matrix(s[k], T, 5)
        if gates:
            assert set(s["gates"]) == gates
            for g in gates:
                assert_matrix(s["gates"][g], T, 5)


def test_json_matches_the_python_api(capsys):
    d = trace_json(["--cell", "gru", "--seed", "7", "--hidden", "6", "--loss", "last", TEXT], capsys)
    model = rnnsim.random_model("gru", vocab=rnnsim.Vocab.from_texts([TEXT]), hidden=6, seed=7)
    tr = model.run(TEXT, loss="last")
    assert d["loss"] == pytest.approx(tr.loss, rel=1e-12)
    np.testing.assert_allclose(d["forward"]["dh"], tr.forward.dh, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d["logits"], tr.logits, rtol=1e-12)
    assert d["loss_mode"] == "last"
    # loss 'last': only the last scored position sends gradient to the head, so the
    # forward dh of the final (unscored) position is zero
    assert not np.any(d["forward"]["dh"][-1])


def test_json_loss_at_a_position(capsys):
    d = trace_json(["--loss", "2", TEXT], capsys)
    assert d["loss_mode"] == 2
    dh = np.array(d["forward"]["dh"])
    assert np.all(dh[3:] == 0) and np.all(np.abs(dh[:3]).sum(axis=1) > 0)


def test_json_from_a_model_file(tmp_path, capsys):
    model = rnnsim.random_model("lstm", vocab=["the", "cat", "sat"], hidden=4, embed=3, bidirectional=True)
    path = tmp_path / "m.safetensors"
    rnnsim.save_model(model, path, dtype=np.float64)
    d = trace_json(["--model", str(path), "The zebra sat"], capsys)
    assert d["ids"] == [1, 0, 3] and d["task"] == "cloze"
    assert d["loss"] == pytest.approx(model.run("The zebra sat").loss, rel=1e-12)


def test_json_unicode_and_markup_survive(capsys, tmp_path):
    text = "[bold]猫[/] sat on 😀 naïve"
    d = trace_json([text], capsys)
    assert d["tokens"] == ["[", "bold", "]", "猫", "[", "/", "]", "sat", "on", "😀", "naïve"]
    f = tmp_path / "t.txt"
    f.write_text(text, encoding="utf-8")
    assert trace_json(["--file", str(f)], capsys)["tokens"] == d["tokens"]


def test_default_text(capsys):
    assert trace_json([], capsys)["tokens"] == ["The", "cat", "sat", "on", "the", "mat", "."]


def test_subprocess_json():
    out = subprocess.run(
        [sys.executable, "-m", "rnnsim", "trace", "--json", "--cell", "lstm", TEXT],
        capture_output=True, text=True, encoding="utf-8", timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    d = json.loads(out.stdout)
    assert d["cell"] == "lstm" and len(d["forward"]["dc"]) == 7 and d["targets"][-1] is None


# ---------------------------------------------------------------- table


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_table(capsys, cell, bidirectional):
    argv = ["trace", "--cell", cell, TEXT] + (["--bidirectional"] if bidirectional else [])
    code, out, err = call(argv, capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert f"loss mode {'all' if bidirectional else 4}: loss" in lines[0]
    assert "|dL/dh|" in lines[2]
    assert ("|dL/dc|" in lines[2]) == (cell == "lstm")
    assert ("|h_rev|" in lines[2]) == bidirectional
    rows = lines[3:]
    assert [r.split()[1] for r in rows] == ["The", "cat", "sat", "on", "the", "mat", "."]
    assert lines[2].split()[-1] == "|dL/dx|"
    dx = np.array(trace_json(argv[1:], capsys)["dx"])  # the same run as JSON
    assert [float(r.split()[-1]) for r in rows] == pytest.approx(np.linalg.norm(dx, axis=1), rel=6e-3)


def test_table_long_and_odd_tokens(capsys):
    code, out, _ = call(["trace", "[red]Supercalifragilistic[/] 😀"], capsys)
    assert code == 0
    tokens = [r.split()[1] for r in out.splitlines()[3:]]
    assert tokens == ["[", "red", "]", "Supercalifr…", "[", "/", "]", "😀"]  # long tokens are cut


# ---------------------------------------------------------------- errors


def assert_one_line_error(code, out, err, pattern):
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rnnsim")
    assert re.search(pattern, lines[0]), lines[0]


@pytest.mark.parametrize(
    "argv,pattern",
    [
        (["trace", ""], r"the text is empty"),
        (["trace", " \n\t "], r"the text is empty"),
        (["trace", "--model", "/nonexistent/m.safetensors", "x"], r"/nonexistent/m\.safetensors: no such file"),
        (["trace", "--loss", "first", "x"], r"unknown --loss 'first': use all, last or a position number"),
        (["trace", "--loss", "99", "the cat"], r"position 99 has no target to score"),
        (["trace", "--loss", "1", "cat"], r"no scored position"),
        (["trace", "--file", "/nonexistent.txt"], r"/nonexistent\.txt: No such file"),
    ],
)
def test_bad_input_one_line(capsys, argv, pattern):
    assert_one_line_error(*call(argv, capsys), pattern)


def test_non_utf8_file(tmp_path, capsys):
    f = tmp_path / "latin1.txt"
    f.write_bytes("café naïve".encode("latin-1"))
    assert_one_line_error(*call(["trace", "--file", str(f)], capsys), r"latin1\.txt: not UTF-8 text")


@pytest.mark.parametrize(
    "content,pattern",
    [(b"garbage bytes here", r"not a valid safetensors file"), (b"\x80\x04\x95junk.", r"PyTorch pickle")],
)
def test_broken_model_file(tmp_path, capsys, content, pattern):
    f = tmp_path / "m.safetensors"
    f.write_bytes(content)
    assert_one_line_error(*call(["trace", "--model", str(f), "x"], capsys), pattern)


def test_random_model_options_with_a_file(tmp_path, capsys):
    path = tmp_path / "m.safetensors"
    rnnsim.save_model(rnnsim.random_model("gru", hidden=3), path)
    assert_one_line_error(*call(["trace", "--model", str(path), "--hidden", "3", "x"], capsys),
                          r"--hidden describes a random model")  # fmt: skip


ARGPARSE_ERRORS = [
    (["trace", "--bogus", "x"], r"unrecognized arguments: --bogus"),
    (["trace", "--hidden", "0", "x"], r"hidden size must be between 1 and 1024, got 0"),
    (["trace", "--hidden", "many", "x"], r"hidden size must be a whole number"),
    (["trace", "--cell", "transformer", "x"], r"invalid choice: 'transformer'"),
    (["trace", "--seed", "-1", "x"], r"seed must be between 0"),
]


@pytest.mark.parametrize("argv,pattern", ARGPARSE_ERRORS)
def test_bad_options_one_line(capsys, argv, pattern):
    assert_one_line_error(*call(argv, capsys), pattern)


def test_subprocess_bad_option_one_line():
    out = subprocess.run([sys.executable, "-m", "rnnsim", "trace", "--hidden", "0", "x"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "hidden size must be between 1 and 1024" in lines[0]


def test_subprocess_bad_input_no_traceback():
    out = subprocess.run([sys.executable, "-m", "rnnsim", "trace", "--json", ""],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == ["rnnsim: error: the text is empty: give at least one word"]
