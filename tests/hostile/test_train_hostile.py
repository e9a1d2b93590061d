"""`rnnsim train` against hostile options and an unlucky machine: ranges checked up front,
memory estimated before allocating, a diverging run stopped, never a model that does not
load back, a full disk leaving the previous file intact, one overwrite rule."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from rnnsim import cli_train
from rnnsim.core import load_model

from ..cli_run import run_main
from .conftest import one_clear_line

SENTENCES = ["the cat sat on the mat .", "the dog slept on the rug .", "a bird sang in the tree ."] * 6


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    return path


def train(corpus, out, capsys, *more):
    argv = ["train", str(corpus), "--out", str(out), "--hidden", "4", "--embed", "3", "--epochs", "2", *more]
    return run_main(argv, capsys)


@pytest.mark.parametrize(
    "option, value, said",
    [
        ("--lr", "1e308", "learning rate must be at most 10.0"),
        ("--lr", "1e100", "learning rate must be at most 10.0"),
        ("--forget-bias", "1e308", "forget bias must be between -20 and 20"),
        ("--hidden", "10000000", "hidden size must be between 1 and 1024"),
        ("--clip", "1e300", "clip must be between 0.0 and 1000000.0"),
    ],
)
def test_ranges_checked_up_front(corpus, tmp_path, capsys, option, value, said):
    code, _, err = train(corpus, tmp_path / "m.safetensors", capsys, option, value)
    assert code == 2 and said in one_clear_line(err)
    assert not (tmp_path / "m.safetensors").exists()


def test_batch_memory_estimated_before_allocating(tmp_path, capsys, monkeypatch):
    """1,000 lines of 40 words from 3,000: a batch of all of them needs about 3 GB."""

    def never(*a, **k):
        raise AssertionError("the trainer was built: memory would be allocated")

    rng = np.random.default_rng(0)
    lines = [" ".join(f"w{i}" for i in rng.integers(0, 3000, 40)) for _ in range(1000)]
    corpus = tmp_path / "big.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(cli_train, "_Display", never)
    code, _, err = train(corpus, tmp_path / "m.safetensors", capsys, "--batch-size", "100000")
    line = one_clear_line(err)
    assert code == 2
    assert "a batch of 1,000 sentences would take about" in line and "over 2,048.0 MB" in line
    assert "lower --batch-size or --bptt, or raise it with --max-memory-mb" in line
    code, _, err = train(corpus, tmp_path / "m.safetensors", capsys, "--batch-size", "4", "--max-memory-mb", "1")
    assert code == 2 and "a batch of 4 sentences" in one_clear_line(err)


def test_the_estimate_grows_with_the_batch_and_the_vocabulary(corpus):
    from rnnsim.core.corpus import read_corpus
    from rnnsim.core.tokenizer import Vocab
    from rnnsim.core.train import TrainConfig, new_model

    c = read_corpus(corpus)
    small = new_model("lstm", Vocab(["<unk>", "a"]), hidden=8, embed=4, seed=0)
    big = new_model("lstm", Vocab(["<unk>", *(f"w{i}" for i in range(5000))]), hidden=8, embed=4, seed=0)
    one, many = TrainConfig(batch_size=1), TrainConfig(batch_size=10)
    assert cli_train.training_bytes(small, c, many) == 10 * cli_train.training_bytes(small, c, one)
    # three [T, B, V] float64 arrays per batch (logits, probabilities, their gradient); T = 7 here
    grown = cli_train.training_bytes(big, c, one) - cli_train.training_bytes(small, c, one)
    assert grown == 3 * 8 * 7 * 1 * (5001 - 2)


def test_a_diverging_run_stops_and_writes_nothing(corpus, tmp_path, capsys, monkeypatch):
    import importlib

    core_train = importlib.import_module("rnnsim.core.trainer")  # the training loop's module

    real = core_train.batch_loss_and_grads
    calls = {"n": 0}

    def overflowing(*a, **k):
        loss, grads, ex = real(*a, **k)
        calls["n"] += 1
        return (float("inf") if calls["n"] >= 2 else loss), grads, ex

    monkeypatch.setattr(core_train, "batch_loss_and_grads", overflowing)
    out = tmp_path / "m.safetensors"
    code, _, err = train(corpus, out, capsys, "--batch-size", "4")
    assert code == 1
    line = one_clear_line(err)
    assert "training diverged: the loss became infinite or NaN at epoch 1, batch 2; lower --lr" in line
    assert not out.exists()


def test_never_writes_a_model_that_does_not_load_back(corpus, tmp_path, capsys, monkeypatch):
    from rnnsim.core.train import Trainer

    real = Trainer.run

    def beyond_float32(self):
        result = real(self)
        result.model.params["head.bias"][0] = 1e39  # finite in float64, infinite in float32
        return result

    monkeypatch.setattr(Trainer, "run", beyond_float32)
    out = tmp_path / "m.safetensors"
    code, _, err = train(corpus, out, capsys, "--quiet")
    assert code == 1
    assert "the weights of head.bias overflowed to infinity or NaN" in one_clear_line(err)
    assert not out.exists()


def test_full_disk_keeps_the_previous_file(corpus, tmp_path, capsys, monkeypatch):
    out = tmp_path / "m.safetensors"
    assert train(corpus, out, capsys)[0] == 0
    before = out.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("rnnsim.core.modelfile.os.fsync", full)
    code, _, err = train(corpus, out, capsys, "--force", "--seed", "5", "--quiet")
    assert code == 1
    assert "No space left on device; nothing was written and the previous file is unchanged" in one_clear_line(err)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "m.safetensors"]  # no temp file left


def test_out_exists_needs_force_as_record_does(corpus, tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    out.write_bytes(b"precious")
    code, _, err = train(corpus, out, capsys)
    assert code == 2 and "exists: choose another name, or add --force to overwrite it" in one_clear_line(err)
    assert out.read_bytes() == b"precious"
    code, _, _ = train(corpus, out, capsys, "--force")
    assert code == 0 and load_model(out).cell == "lstm"


def test_progress_lines_when_not_a_terminal(corpus, tmp_path, capsys, monkeypatch):
    """A slow epoch (a 200,000-word vocabulary) still shows life in a log: a line every
    `every` seconds; 0 here, so every batch."""
    monkeypatch.setattr(cli_train._Display, "every", 0.0)
    code, _, err = train(corpus, tmp_path / "m.safetensors", capsys, "--batch-size", "4", "--epochs", "1")
    assert code == 0
    assert "epoch   1/1: batch 1/" in err and "tokens/s" in err
    assert np.isfinite(load_model(tmp_path / "m.safetensors").params["head.bias"]).all()
