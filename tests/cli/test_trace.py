"""`rnnsim trace`: the table, the JSON, and one-line errors for bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import rnnsim

from ..cli_run import run_main as call

TEXT = "The cat sat on the mat."


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
    keys |= {"num_layers", "tokenizer", "layers", "grad_norm"}
    assert set(d) == keys | ({"reverse"} if bidirectional else set())
    assert (d["num_layers"], d["tokenizer"]) == (1, "word")
    assert d["layers"] == [{k: d[k] for k in ("forward", "reverse") if k in d}]  # top level = the top layer
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
    argv = ["trace", "--cell", cell, "--seed", "0", TEXT] + (["--bidirectional"] if bidirectional else [])
    code, out, err = call(argv, capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert f"loss mode {'all' if bidirectional else 4}: loss" in lines[0]
    assert "|∂L/∂h|" in lines[2] and "dL/d" not in out  # the app's and the README's notation
    assert ("|∂L/∂c|" in lines[2]) == (cell == "lstm")
    assert ("|∂L/∂h_rev|" in lines[2]) == bidirectional
    assert ("|h_rev|" in lines[2]) == bidirectional
    rows = lines[3:]
    assert [r.split()[1] for r in rows] == ["The", "cat", "sat", "on", "the", "mat", "."]
    assert lines[2].split()[-1] == "|∂L/∂x|"
    dx = np.array(trace_json(argv[1:], capsys)["dx"])  # the same run as JSON
    assert [float(r.split()[-1]) for r in rows] == pytest.approx(np.linalg.norm(dx, axis=1), rel=6e-3)


def test_table_long_and_odd_tokens(capsys):
    code, out, _ = call(["trace", "[red]Supercalifragilistic[/] 😀"], capsys)
    assert code == 0
    table = out.split("\n\n")[1].splitlines()[1:]  # (the rows: between the header and a blank line)
    tokens = [r.split()[1] for r in table]
    assert tokens == ["[", "red", "]", "Supercalifr…", "[", "/", "]", "😀"]  # long tokens are cut
    # the table shows each token as typed; the last line says which the model read as <unk>
    assert out.splitlines()[-1] == (  # (the shipped vocabulary has no brackets, no slash)
        "read as <unk>, not in the vocabulary: 8 of 8 tokens (t=0 [, t=1 red, t=2 ], t=3 Supercalifragilistic, "
        "t=4 [, t=5 /, t=6 ], t=7 😀)"
    )


def test_the_default_loss_is_a_word_the_model_knows(capsys):
    # A learner's own sentence ending in a name: its last word is <unk> to the model, a
    # target it all but never predicts (a loss of about 24); the default loss is the last
    # word it knows, "loves" after "Rex".
    code, out, _ = call(["trace", "--json", "My dog Rex loves bones"], capsys)
    assert code == 0
    run = json.loads(out)
    from rnnsim.core.shipped import load_shipped

    unk = load_shipped("lstm").vocab.unk_id
    assert run["tokens"][2:] == ["Rex", "loves", "bones"] and run["ids"][4] == unk != run["ids"][3]
    assert run["loss_mode"] == 2 and run["targets"][2] == run["ids"][3]
    code, out, _ = call(["trace", "--json", "zzz qqq"], capsys)  # no known word: the last
    assert json.loads(out)["loss_mode"] == "last"


def test_a_one_token_table_says_there_is_no_loss(capsys):
    # It printed "loss 0.0000": a perfect prediction, to a reader, where nothing was predicted.
    code, out, _ = call(["trace", "Hi"], capsys)
    assert code == 0
    assert "loss mode last: no loss: one token has no next word to predict, gradient norm 0" in out.splitlines()[0]


def test_the_table_names_at_most_eight_unknown_tokens(capsys):
    code, out, _ = call(["trace", "The qq1 qq2 qq3 qq4 qq5 qq6 qq7 qq8 qq9 cat"], capsys)
    assert code == 0
    assert out.splitlines()[-1] == (
        "read as <unk>, not in the vocabulary: 9 of 11 tokens (t=1 qq1, t=2 qq2, t=3 qq3, t=4 qq4, t=5 qq5, "
        "t=6 qq6, t=7 qq7, t=8 qq8, …)"
    )
    code, out, _ = call(["trace", "The cat sat on the mat."], capsys)
    assert "<unk>" not in out  # every word known: no such line


def test_table_columns_stay_in_line_with_wide_characters(capsys):
    # An emoji or a CJK character takes two terminal cells: padded by characters, its row's
    # numbers (and a cut word's "…") stood one cell right of every other row's.
    from rich.cells import cell_len

    code, out, _ = call(["trace", "The 🍕 cat 猫猫猫猫猫猫猫猫 sat 猫猫猫猫猫猫 on the mat."], capsys)
    assert code == 0
    header, *rows = out.split("\n\n")[1].splitlines()
    assert {cell_len(r) for r in rows} == {cell_len(header)}, out
    assert [r.split()[1] for r in rows][:6] == ["The", "🍕", "cat", "猫猫猫猫猫…", "sat", "猫猫猫猫猫猫"]


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
        (["trace", "--file", "/nonexistent.txt"], r"/nonexistent\.txt: no such file"),
        (["trace", "The cat", "--file", "/nonexistent.txt"], r"give the text or --file FILE, not both$"),
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


@pytest.mark.parametrize(
    "keep,pattern",
    [
        (0, r"not a valid safetensors file \(the file is empty\)$"),
        (100, r"\(cut short: its header claims [\d,]+ bytes, the file has 100; was the download or copy finished\?\)$"),
        (-10, r"\(cut short: tensor '[\w.]+' ends at byte [\d,]+ of the data, the file holds [\d,]+; was the"),
    ],
    ids=["empty", "in-header", "in-data"],
)
def test_a_cut_short_model_file_says_so(tmp_path, capsys, keep, pattern):
    # An unfinished download: the one line says the file is cut short, not a sum of offsets.
    whole = tmp_path / "whole.safetensors"
    rnnsim.save_model(rnnsim.random_model("gru", hidden=4, embed=3, seed=0), whole)
    data = whole.read_bytes()
    f = tmp_path / "m.safetensors"
    f.write_bytes(data[:keep])
    assert_one_line_error(*call(["trace", "--model", str(f), "x"], capsys), pattern)


@pytest.mark.parametrize(
    "key, value, pattern",
    [
        ("rnnsim.cell", "lstm", r"the tensors are those of a GRU \(3 blocks of 4 rows in 'rnn\.weight_hh_l0'\), "
         r"but rnnsim\.cell says 'lstm'$"),
        ("rnnsim.bidirectional", "false", r"the tensors include a reverse direction \('\.\.\._reverse'\), but "
         r'rnnsim\.bidirectional says "false": set it to "true"$'),
    ],
    ids=["cell", "bidirectional"],
)  # fmt: skip
def test_hand_written_metadata_that_contradicts_the_tensors_is_named(tmp_path, capsys, key, value, pattern):
    # A practitioner saving their own file writes the metadata by hand: one wrong word there
    # was refused as one matrix's shape ("expected [16, 4]"), not as the word it is.
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    whole = tmp_path / "whole.safetensors"
    net = rnnsim.random_model("gru", hidden=4, embed=3, bidirectional=True, labels=["neg", "pos"], seed=0)
    rnnsim.save_model(net, whole)
    with safe_open(whole, "np") as f:
        meta = dict(f.metadata())
    f = tmp_path / "m.safetensors"
    save_file(load_file(whole), f, metadata={**meta, key: value})
    assert_one_line_error(*call(["trace", "--model", str(f), "x"], capsys), pattern)


def test_a_file_of_another_kind_is_not_read_as_a_header(tmp_path, capsys):
    f = tmp_path / "notes.safetensors"
    f.write_text("these are my notes, not a model\n")
    pattern = r"notes\.safetensors: not a valid safetensors file \(it does not start with a safetensors header\)$"
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


# ---------------------------------------------------------------- layers and classifiers


def saved(tmp_path, name="m.safetensors", **kw):
    m = rnnsim.random_model(vocab=["the", "cat", "sat", "on", "mat", "."], hidden=4, embed=3, seed=5, **kw)
    rnnsim.save_model(m, tmp_path / name, dtype=np.float64)
    return str(tmp_path / name), m


def test_json_gives_every_layer_bottom_to_top(tmp_path, capsys):
    path, m = saved(tmp_path, cell="gru", num_layers=3, bidirectional=True, labels=["no", "yes"])
    d = trace_json(["--model", path, TEXT], capsys)
    tr = m.run(TEXT)
    assert d["num_layers"] == 3 and d["tokenizer"] == "word"
    assert len(d["layers"]) == 3
    for k, layer in enumerate(d["layers"]):
        assert set(layer) == {"forward", "reverse"}
        for side in ("forward", "reverse"):
            np.testing.assert_allclose(layer[side]["h"], tr.layers[k][side].h, rtol=1e-12)
            np.testing.assert_allclose(layer[side]["dh"], tr.layers[k][side].dh, rtol=1e-12)
            assert set(layer[side]["gates"]) == {"r", "z", "n"}
    assert d["forward"] == d["layers"][-1]["forward"] and d["reverse"] == d["layers"][-1]["reverse"]


def test_grad_norm_is_the_norm_of_every_parameter_gradient(tmp_path, capsys):
    path, m = saved(tmp_path, num_layers=2, bias=False)
    d = trace_json(["--model", path, "--loss", "all", TEXT], capsys)  # m.run sums them too
    tr = m.run(TEXT)
    assert not [k for k in tr.grads if "bias_" in k]  # bias=False: no bias parameters, as in PyTorch
    assert set(tr.grads) == set(m.params)
    want = np.sqrt(sum(float((g**2).sum()) for g in tr.grads.values()))
    assert d["grad_norm"] == pytest.approx(want, rel=1e-12)


def test_json_for_a_classifier(tmp_path, capsys):
    path, m = saved(tmp_path, cell="lstm", bidirectional=True, labels=["neg", "pos", "meh"])
    d = trace_json(["--model", path, TEXT], capsys)
    assert d["task"] == "classify" and d["labels"] == ["neg", "pos", "meh"]
    assert len(d["logits"]) == len(d["probs"]) == 3 and sum(d["probs"]) == pytest.approx(1.0)
    predicted = d["labels"][int(np.argmax(d["probs"]))]
    assert d["label"] == predicted  # by default the loss is taken at the predicted label
    assert d["loss"] == pytest.approx(-np.log(max(d["probs"])))
    assert_matrix(d["dx"], 7, 3)  # how much each word moved the decision
    other = next(x for x in d["labels"] if x != predicted)
    d2 = trace_json(["--model", path, "--label", other, TEXT], capsys)
    assert d2["label"] == other and d2["loss"] == pytest.approx(-np.log(d["probs"][d["labels"].index(other)]))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--label", "maybe"], "unknown label 'maybe': choose one of neg, pos"),
        (["--loss", "2"], "a classifier is scored once, after the last token"),
    ],
)
def test_classifier_mistakes_are_one_line(tmp_path, capsys, extra, message):
    path, _ = saved(tmp_path, labels=["neg", "pos"])
    code, out, err = call(["trace", "--model", path, *extra, TEXT], capsys)
    assert code == 2 and out == ""
    assert err.startswith("rnnsim: error: ") and message in err and err.count("\n") == 1


def test_label_on_a_next_word_model_is_refused(capsys):
    code, _, err = call(["trace", "--label", "pos", TEXT], capsys)
    assert code == 2 and "--label is for a classifier; this model's task is next" in err


def test_table_shows_each_layer_and_the_decision(tmp_path, capsys):
    path, m = saved(tmp_path, cell="lstm", num_layers=2, labels=["neg", "pos"])
    code, out, _ = call(["trace", "--model", path, "--label", "pos", TEXT], capsys)
    assert code == 0
    tr = m.run(TEXT, label="pos")
    assert f"gradient norm {tr.grad_norm():.4g}" in out.splitlines()[0]
    assert "layer 2 of 2 (the top one" in out and "\nlayer 1 of 2\n" in out
    lower = out.split("\nlayer 1 of 2\n")[1].splitlines()
    first = lower[1].split()  # t token |h| |∂L/∂h| ...
    assert float(first[2]) == pytest.approx(np.linalg.norm(tr.layers[0]["forward"].h[0]), abs=1e-3)
    assert float(first[3]) == pytest.approx(np.linalg.norm(tr.layers[0]["forward"].dh[0]), rel=1e-2)
    p = tr.probs
    assert f"after the last token: neg {p[0]:.3f}  pos {p[1]:.3f}" in out
    assert f"predicted {['neg', 'pos'][int(np.argmax(p))]}; the loss is taken at pos" in out


def test_table_of_a_character_model_shows_blanks(tmp_path, capsys):
    path, _ = saved(tmp_path, tokenizer="char")
    code, out, _ = call(["trace", "--model", path, "--json", "ab c"], capsys)
    assert json.loads(out)["tokens"] == ["a", "b", " ", "c"] and json.loads(out)["tokenizer"] == "char"
    code, out, _ = call(["trace", "--model", path, "ab c"], capsys)
    assert code == 0 and "  ␠  " in out
