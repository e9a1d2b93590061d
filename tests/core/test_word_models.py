"""The word models' corpus and what the shipped word models promise on it (issue 11, item 1):
everyday sentences are mostly known words, no held-out line is a training line, the models
beat a smoothed n-gram on the held-out lines, and the lessons' sentences still behave."""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import sys
from pathlib import Path

import pytest

from rnnsim.core.corpus import build_vocab, read_corpus
from rnnsim.core.probes import load_probes, predict_next
from rnnsim.core.shipped import DATA_DIR, load_shipped
from rnnsim.core.tokenizer import UNK, tokenize
from tests.core.test_char_model import UNSEEN as CHAR_TEST_SENTENCES

ROOT = Path(__file__).resolve().parents[2]
WORD_MODELS = ("rnn", "lstm", "gru", "bilstm", "lstm2")
NEXT_WORD = ("rnn", "lstm", "gru", "lstm2")

# Ordinary sentences a learner might type, written for this test (none is a corpus line).
EVERYDAY = [
    "I think it's going to rain this afternoon.",
    "Can you help me carry these bags to the car?",
    "My sister works at a small bakery in town.",
    "We had pasta for dinner last night.",
    "Is this seat free?",
    "The train was twenty minutes late, so I missed the meeting.",
    "What do you want to do on Saturday?",
    "He doesn't like coffee, but he drinks a lot of tea.",
    "It's very cold outside, so wear a warm jacket.",
    "I lost my keys again.",
    "Where are you going after school?",
    "They bought a new house near the park.",
    "Please close the window, it's getting cold.",
    "Did you see the game last night?",
    "She is reading a book about birds.",
    "I'll meet you at the station at six.",
    "Our dog loves to play in the garden.",
    "How much does this cost?",
    "The children were tired after the long walk.",
    "I can't find my phone anywhere.",
]


def _script(name: str):
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def corpus():
    return read_corpus(DATA_DIR / "corpus.txt")


@functools.cache
def model(name: str):
    return load_shipped(name)


def test_the_corpus_is_what_the_script_writes():
    mm = _script("make_models")
    lines, probes = mm.make_corpus()
    assert (DATA_DIR / "corpus.txt").read_text(encoding="utf-8") == "\n".join(lines) + "\n"
    assert (DATA_DIR / "longrange.txt").read_text(encoding="utf-8") == "\n".join(probes) + "\n"


def test_no_held_out_line_is_a_training_line():
    c = corpus()
    train_idx, held_idx = c.split(0.1)
    assert len(held_idx) == len(c.sentences) // 10 > 500
    training = {c.sentences[i] for i in train_idx}
    assert not [" ".join(c.sentences[i]) for i in held_idx if c.sentences[i] in training]


def test_no_line_holds_a_probe_its_filler_free_twin_or_a_memory_lesson_sentence():
    mm = _script("make_models")
    text = "\n".join(" ".join(s) for s in corpus().sentences)
    probes = (DATA_DIR / "longrange.txt").read_text(encoding="utf-8").splitlines()
    unseen = mm.unseen_lines(probes)
    assert len(unseen) == 2 * len(load_probes()) + len(mm.UNSEEN)
    assert not [u for u in unseen if u in text]


def test_the_corpus_has_everyday_english_and_the_lessons_sentences():
    lines = {" ".join(s) for s in corpus().sentences}
    words = {w for s in corpus().sentences for w in s}
    for w in ("i", "is", "it", "it's", ",", "?", "don't", "you", "what", "can't", "i'm", "the"):
        assert w in words, w
    assert "the cat sat on the mat ." in lines
    assert sum(s[-1] == "?" for s in corpus().sentences) > 500  # questions
    long_range = [s for s in corpus().sentences if s[-5:-2] == ("back", "to", "the") and len(s) > 20]
    assert len(long_range) > 800


def test_the_test_sentences_are_not_corpus_lines():
    lines = {" ".join(s) for s in corpus().sentences}
    for s in EVERYDAY + CHAR_TEST_SENTENCES:
        assert " ".join(t.lower() for t in tokenize(s)) not in lines, s


@pytest.mark.parametrize("name", WORD_MODELS)
@pytest.mark.parametrize("sentences", [EVERYDAY, CHAR_TEST_SENTENCES], ids=["these", "the-char-tests"])
def test_at_most_15_percent_of_everyday_tokens_are_unknown(name, sentences):
    """On the sentences above, and on the char model's test sentences (written by another
    hand, before this corpus existed): 6.8% and 6.0% <unk>."""
    vocab = model(name).vocab
    tokens = [t for s in sentences for t in tokenize(s)]
    unknown = [t for t in tokens if vocab.lookup(t) == vocab.unk_id]
    assert len(unknown) <= 0.15 * len(tokens), unknown
    assert vocab.tokens[0] == UNK and len(vocab) > 800
    # the vocabulary is the training lines' (every word seen in training, nothing more)
    c = corpus()
    assert vocab.tokens == build_vocab(c.sentences[i] for i in c.split(0.1)[0]).tokens


@pytest.mark.parametrize("name", NEXT_WORD)
def test_after_the_cat_sat_on_the_comes_mat(name):
    assert predict_next(model(name), "The cat sat on the")[0][0] == "mat"


def test_lstm2_is_a_two_layer_lstm_trained_on_the_corpus():
    m = model("lstm2")
    assert (m.cell, m.num_layers, m.task, m.bidirectional) == ("lstm", 2, "next", False)
    assert m.meta["train.corpus_sha256"] == corpus().sha256


def test_the_plain_rnn_loses_more_than_a_thousandfold_across_the_vanishing_sentence():
    """The `vanishing` lesson's sentence, the loss at its last word alone."""
    text = "The cat that the farmer fed after a long day near the old house went back to the mat"
    tr = model("rnn").run(text, loss=len(tokenize(text)) - 2)
    norms = tr.forward.grad_norms()
    assert norms[1] < 1e-3 * norms[-2]


@functools.cache
def kneser_ney(n: int) -> tuple[float, float]:
    c = corpus()
    vocab = build_vocab(c.sentences[i] for i in c.split(0.1)[0])
    return _script("ngram").kneser_ney_perplexity(c, vocab, n)


@pytest.mark.parametrize("name", NEXT_WORD)
def test_the_next_word_models_beat_a_kneser_ney_trigram_on_the_held_out_lines(name):
    perplexity = math.exp(float(model(name).meta["train.heldout_loss"]))
    trigram, trigram_acc = kneser_ney(3)
    assert perplexity < trigram, (perplexity, trigram)
    assert float(model(name).meta["train.heldout_accuracy"]) > trigram_acc


def test_the_readme_states_these_figures():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (`\w+`|Kneser-Ney trigram) \| (\d+\.\d\d) \| \d+\.\d%", readme, re.M))
    trigram, _ = kneser_ney(3)
    assert rows.pop("Kneser-Ney trigram") == f"{trigram:.2f}"
    assert set(rows) == {f"`{n}`" for n in NEXT_WORD}
    for name, stated in rows.items():
        assert stated == f"{math.exp(float(model(name.strip('`')).meta['train.heldout_loss'])):.2f}", name
    vocab = model("lstm").vocab
    tokens = [t for s in EVERYDAY for t in tokenize(s)]
    share = sum(vocab.lookup(t) == vocab.unk_id for t in tokens) / len(tokens)
    assert f"{share:.1%} of the tokens are `<unk>`" in readme.replace("\n", " ")
    assert f"The vocabulary is {len(vocab) - 1} words and `<unk>`" in readme.replace("\n", " ")
    c = corpus()
    assert f"{len(c.sentences):,} lines, {c.n_tokens:,} tokens" in readme
