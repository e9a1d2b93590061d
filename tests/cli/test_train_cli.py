"""`rnnsim train`: the command line around rnnsim.core.train."""

from __future__ import annotations

import pytest

from rnnsim.cli import UserError
from rnnsim.cli_train import cmd_train
from rnnsim.core import load_model
from rnnsim.core.train import Trainer

from ..cli_run import run_main

SENTENCES = [
    "the cat sat on the mat .",
    "the dog slept on the rug .",
    "a bird sang in the tree .",
    "the cat slept on the mat .",
    "the dog sat on the rug .",
] * 4


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    return path


def _args(corpus, out, *more):
    return [str(corpus), "--out", str(out), "--hidden", "6", "--embed", "4", "--epochs", "2", *more]


def test_trains_writes_the_model_and_prints_a_summary(corpus, tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    assert cmd_train(_args(corpus, out, "--cell", "gru", "--seed", "3")) == 0
    model = load_model(out)
    assert model.cell == "gru" and model.hidden == 6 and model.meta["train.seed"] == "3"
    cap = capsys.readouterr()
    assert "2 held out" in cap.out
    assert "next-word accuracy" in cap.out
    assert f"wrote {out}" in cap.out
    # not a terminal: one progress line per epoch on stderr
    assert cap.err.count("epoch ") == 2 and "tokens/s" in cap.err


def test_quiet_and_bidirectional(corpus, tmp_path, capsys):
    out = tmp_path / "bi.npz"
    assert cmd_train(_args(corpus, out, "--bidirectional", "--quiet")) == 0
    cap = capsys.readouterr()
    assert cap.err == ""
    assert "cloze (fill-the-blank) accuracy" in cap.out
    assert load_model(out).task == "cloze"


def test_same_seed_same_file(corpus, tmp_path):
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    cmd_train(_args(corpus, a, "--quiet"))
    cmd_train(_args(corpus, b, "--quiet"))
    assert a.read_bytes() == b.read_bytes()


def test_ctrl_c_keeps_the_best_model_and_exits_130(corpus, tmp_path, capsys, monkeypatch):
    real = Trainer.train_epoch

    def epoch(self, n):
        if n == 2:
            raise KeyboardInterrupt
        return real(self, n)

    monkeypatch.setattr(Trainer, "train_epoch", epoch)
    out = tmp_path / "m.safetensors"
    assert cmd_train(_args(corpus, out, "--epochs", "5")) == 130
    assert "interrupted after 1 of 5 epochs: kept the best model (epoch 1)" in capsys.readouterr().out
    assert load_model(out).meta["train.best_epoch"] == "1"


def test_continue_training_a_shipped_model(corpus, tmp_path):
    from rnnsim.core.shipped import DATA_DIR, load_shipped

    if not (DATA_DIR / "rnn.safetensors").is_file():
        pytest.fail("the shipped rnn model is missing: run scripts/make_models.py")
    out = tmp_path / "more.safetensors"
    assert cmd_train([str(corpus), "--out", str(out), "--model", "rnn", "--epochs", "1", "--quiet"]) == 0
    assert load_model(out).vocab == load_shipped("rnn").vocab


@pytest.mark.parametrize(
    "setup, argv, message",
    [
        (None, ["missing.txt", "--out", "m.safetensors"], "missing.txt: no such file"),
        (b"", ["c.txt", "--out", "m.safetensors"], "c.txt: is empty"),
        (b"\x00\x01binary", ["c.txt", "--out", "m.safetensors"], "c.txt: looks like a binary file"),
        (b"caf\xe9 au lait", ["c.txt", "--out", "m.safetensors"], "c.txt: is not UTF-8 text"),
        (b"cat\ndog\n", ["c.txt", "--out", "m.safetensors"], "no line has two or more tokens"),
        (b"the cat sat", ["c.txt", "--out", "m.pt"], "must end in .safetensors or .npz"),
        (b"the cat sat", ["c.txt", "--out", "nodir/m.safetensors"], "the directory nodir does not exist"),
        (b"the cat sat", ["c.txt", "--out", "."], "must end in"),
        (b"the cat sat", ["c.txt"], "the following arguments are required: --out"),
        (b"the cat sat", ["c.txt", "--out", "m.safetensors", "--lr", "-1"], "learning rate must be above 0"),
        (b"the cat sat", ["c.txt", "--out", "m.safetensors", "--epochs", "x"], "epochs must be a whole number"),
        (b"the cat sat", ["c.txt", "--out", "m.safetensors", "--cell", "tcn"], "invalid choice"),
        (b"the cat sat", ["c.txt", "--out", "m.safetensors", "--model", "lstm", "--hidden", "8"],
         "--hidden describes a new model"),
        (b"the cat sat", ["c.txt", "--out", "m.safetensors", "--model", "nosuch"], "'nosuch' is neither"),
        (b"the cat sat", ["c.txt", "--out", "m.safetensors", "--cell", "rnn", "--forget-bias", "1"],
         "the Elman RNN has no gate to bias"),
    ],
)  # fmt: skip
def test_user_mistakes_are_one_line_errors(tmp_path, monkeypatch, setup, argv, message):
    monkeypatch.chdir(tmp_path)
    if setup is not None:
        (tmp_path / "c.txt").write_bytes(setup)
    with pytest.raises(UserError) as e:
        cmd_train(argv)
    text = str(e.value)
    assert message in text
    assert "\n" not in text
    assert not (tmp_path / "m.safetensors").exists()


def test_main_reports_user_errors_with_exit_status_2(tmp_path, capsys):
    """Through rnnsim.cli.main, as a user types it."""
    from rnnsim import cli

    code = cli.main(["train", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "m.safetensors")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnsim: error: ") and "missing.txt: no such file" in err
    assert err.count("\n") == 1


def test_a_real_sigint_stops_cleanly_and_writes_the_best_model(tmp_path):
    """Ctrl-C as the terminal sends it, after the first epoch has finished."""
    import signal
    import subprocess
    import sys

    from rnnsim.core.shipped import DATA_DIR

    out = tmp_path / "m.safetensors"
    code = "import sys\nfrom rnnsim.cli_train import cmd_train\nsys.exit(cmd_train(sys.argv[1:]))\n"
    argv = [str(DATA_DIR / "corpus.txt"), "--out", str(out), "--hidden", "8", "--embed", "4", "--epochs", "1000"]
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        # one line per finished epoch, and a progress line every 30 s within an epoch (an
        # epoch of the shipped corpus can take longer than that on a busy machine)
        first = proc.stderr.readline()
        while first.startswith("epoch   1/1000: batch"):
            first = proc.stderr.readline()
        assert first.startswith("epoch   1/1000: train loss"), first
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted after" in stdout and f"wrote {out}" in stdout
    assert int(load_model(out).meta["train.best_epoch"]) >= 1


# ---------------------------------------------------------------- layers, characters, classifiers

REVIEWS = [
    "pos\tthe cat sat on the mat .",
    "neg\tthe dog ran under the bed .",
    "pos\ta cat slept on the rug .",
    "neg\ta dog ran by the tree .",
] * 5


def test_layers_and_char_tokens(corpus, tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    assert cmd_train(_args(corpus, out, "--layers", "2", "--tokenizer", "char", "--quiet")) == 0
    model = load_model(out)
    assert (model.num_layers, model.tokenizer) == (2, "char")
    assert "c" in model.vocab.tokens and " " in model.vocab.tokens and "cat" not in model.vocab.tokens
    assert "2 layers" in capsys.readouterr().out


def test_layers_learn_together(tmp_path):
    """A 2-layer model trains every layer: each one's weights move, and the loss falls."""
    from rnnsim.core.train import train

    result = train(SENTENCES, cell="gru", hidden=6, embed=4, epochs=3, num_layers=2, seed=1)
    start = train(SENTENCES, cell="gru", hidden=6, embed=4, epochs=1, num_layers=2, seed=1, lr=1e-12)
    for name in ("rnn.weight_hh_l0", "rnn.weight_hh_l1"):
        assert abs(result.model.params[name] - start.model.params[name]).max() > 1e-3
    assert result.history[-1].train_loss < result.history[0].train_loss


@pytest.mark.parametrize("bidirectional", [False, True])
def test_classify_on_label_tab_text(tmp_path, capsys, bidirectional):
    path = tmp_path / "reviews.txt"
    path.write_text("\n".join(REVIEWS) + "\n", encoding="utf-8")
    out = tmp_path / "c.safetensors"
    more = ["--task", "classify", "--epochs", "15", "--quiet"] + (["--bidirectional"] if bidirectional else [])
    assert cmd_train([str(path), "--out", str(out), "--hidden", "6", "--embed", "4", *more]) == 0
    model = load_model(out)
    assert model.task == "classify" and model.labels == ("pos", "neg")  # in order of first appearance
    assert "label accuracy" in capsys.readouterr().out
    # it learned the one word that decides: cat -> pos, dog -> neg
    assert model.labels[model.run("the cat sat on the rug .").label] == "pos"
    assert model.labels[model.run("a dog ran under the mat .").label] == "neg"


@pytest.mark.parametrize(
    ("lines", "where", "shown"),
    [
        (["pos\tthe cat .", "the dog ran ."], 2, "'the dog ran .'"),
        (["pos\tthe cat .", "", "\tno label here"], 3, "''"),
        (["pos\tthe cat .", "neg\t   "], 2, "'neg'"),
    ],
    ids=["no-tab", "no-label", "no-text"],
)
def test_a_malformed_classify_line_names_its_line_number(tmp_path, lines, where, shown):
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        cmd_train([str(path), "--out", str(tmp_path / "m.safetensors"), "--task", "classify"])
    msg = str(info.value)
    assert msg.startswith(f"{path}:{where}: expected a label, a tab and the text, got {shown}") and "\n" not in msg


def test_classify_needs_two_labels(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("pos\tthe cat .\npos\tthe dog .\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"a classifier needs at least two labels; every line has 'pos'$"):
        cmd_train([str(path), "--out", str(tmp_path / "m.safetensors"), "--task", "classify"])


# ---------------------------------------------------------------- Ctrl-C twice


def _press_ctrl_c(monkeypatch, *where):
    """KeyboardInterrupt, as Ctrl-C raises it, at these calls of the batch computation:
    ("train", n) at the n-th training batch, ("eval", n) at the n-th evaluation batch."""
    from rnnsim.core import trainer as trainer_module

    real = trainer_module.batch_loss_and_grads
    seen = {"train": 0, "eval": 0}

    def pressed(model, batch, h0=None, c0=None, backward=True):
        kind = "train" if backward else "eval"
        seen[kind] += 1
        if (kind, seen[kind]) in where:
            raise KeyboardInterrupt
        return real(model, batch, h0, c0, backward=backward)

    monkeypatch.setattr(trainer_module, "batch_loss_and_grads", pressed)
    return seen


def test_a_second_ctrl_c_during_the_short_evaluation_still_writes_the_model(corpus, tmp_path, capsys, monkeypatch):
    """It exited 130 silently and wrote nothing: the weights the first Ctrl-C kept were lost."""
    seen = _press_ctrl_c(monkeypatch, ("train", 1), ("eval", 1))
    out = tmp_path / "m.safetensors"
    code, stdout, stderr = run_main(["train", *_args(corpus, out, "--batch-size", "4")], capsys)
    assert code == 130 and seen["eval"] == 1
    assert "interrupted after 0 of 2 epochs: kept the best model (the weights as they were)" in stdout
    assert "no held-out figures: a second Ctrl-C skipped scoring the kept weights" in stdout
    assert f"wrote {out}" in stdout and "Traceback" not in stderr
    model = load_model(out)
    assert model.meta["train.best_epoch"] == "0" and "train.heldout_loss" not in model.meta


def test_ctrl_c_while_the_model_is_written_leaves_nothing_and_says_so(corpus, tmp_path, capsys, monkeypatch):
    """Written whole or not at all: a Ctrl-C in the middle of the write leaves no file (and
    no temporary file), keeps a file already there as it was, and says so in one line."""
    from rnnsim.core import modelfile

    out = tmp_path / "m.safetensors"
    out.write_bytes(b"the previous file")

    def interrupted_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(modelfile.os, "fsync", interrupted_fsync)
    code, stdout, stderr = run_main(["train", *_args(corpus, out, "--force", "--quiet")], capsys)
    assert code == 130 and "wrote" not in stdout
    assert (
        stderr.strip() == f"rnnsim: stopped while writing {out}: nothing was written and the previous file is unchanged"
    )
    assert out.read_bytes() == b"the previous file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "m.safetensors"]
