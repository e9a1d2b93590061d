"""`rnnsim train --corpus shipped`: the shipped corpus by name, so the README's training
line works from an installed wheel, where no rnnsim/data/ folder is at hand."""

from __future__ import annotations

import pytest

from rnnsim.cli import UserError
from rnnsim.cli_train import cmd_train
from rnnsim.core import load_model
from rnnsim.core.shipped import DATA_DIR

SMALL = ["--cell", "rnn", "--hidden", "4", "--embed", "3", "--epochs", "1", "--quiet"]


@pytest.mark.parametrize("how", [["--corpus", "shipped"], ["shipped"]])
def test_the_shipped_corpus_by_name(how, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no file called "shipped" here, and no rnnsim/data/ either
    out = tmp_path / "m.safetensors"
    assert cmd_train([*how, "--out", str(out), *SMALL]) == 0
    said = capsys.readouterr().out
    lines = (DATA_DIR / "corpus.txt").read_text(encoding="utf-8").splitlines()
    sentences = sum(1 for line in lines if line.strip())
    assert f"corpus {DATA_DIR / 'corpus.txt'}: " in said
    assert f"{sentences - sentences // 10} sentences for training, {sentences // 10} held out" in said
    assert "mat" in load_model(out).vocab.tokens


def test_a_file_named_shipped_is_given_as_a_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shipped").write_text("the cat sat .\nthe dog sat .\n" * 10, encoding="utf-8")
    assert cmd_train(["./shipped", "--out", str(tmp_path / "m.npz"), "--holdout", "0", *SMALL]) == 0
    assert "corpus ./shipped: 20 sentences" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "give a corpus: a text file, or --corpus shipped"),
        (["a.txt", "--corpus", "shipped"], "give the corpus once"),
    ],
)
def test_no_corpus_or_two_is_one_line(args, says, tmp_path):
    with pytest.raises(UserError, match=says):
        cmd_train([*args, "--out", str(tmp_path / "m.npz")])
