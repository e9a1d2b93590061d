"""Generation: determinism, T = 0 is the argmax, temperature reshapes the distribution,
<unk> is never emitted while anything else can be, and models that cannot write on are refused."""

from __future__ import annotations

import numpy as np
import pytest

import rnnsim
from rnnsim.core.generate import GenerateError, distribution, generate, join_tokens
from rnnsim.core.heads import softmax
from rnnsim.core.shipped import load_shipped
from rnnsim.core.tokenizer import UNK

VOCAB = ["the", "cat", "dog", "sat", "ran", "on", "mat", "rug", "and", "."]


def entropy(p):
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


@pytest.fixture(scope="module")
def stacked():
    # Two layers, so the free-running state is carried through a stack.
    return rnnsim.random_model("gru", vocab=VOCAB, hidden=12, embed=6, seed=4, num_layers=2)


def test_same_seed_same_text_other_seed_other_text(stacked):
    a = stacked.generate("the cat", tokens=30, temperature=1.0, seed=7, stop=())
    b = stacked.generate("the cat", tokens=30, temperature=1.0, seed=7, stop=())
    assert a.tokens == b.tokens and np.array_equal(a.probs, b.probs)
    others = {stacked.generate("the cat", tokens=30, temperature=1.0, seed=s, stop=()).tokens for s in range(8)}
    assert len(others) > 1  # the seed matters at T > 0


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_temperature_zero_is_the_argmax_of_an_independent_forward_pass(cell):
    model = rnnsim.random_model(cell, vocab=VOCAB, hidden=10, embed=5, seed=2, num_layers=2)
    g = model.generate("the dog", tokens=15, temperature=0, seed=None, stop=())
    # Recompute with the whole-sequence forward (another code path): at every step the
    # emitted token is the argmax of the logits after everything before it, <unk> left out.
    toks = [*g.prompt_tokens, *g.tokens]
    logits = model.run(toks, loss=None).logits
    unk = model.vocab.unk_id
    for k, tok in enumerate(g.tokens):
        z = logits[len(g.prompt_tokens) - 1 + k].copy()
        z[unk] = -np.inf
        assert tok == model.vocab.tokens[int(np.argmax(z))]
    # and the seed plays no part at T = 0
    assert model.generate("the dog", tokens=15, temperature=0, seed=99, stop=()).tokens == g.tokens


def test_probs_are_softmax_of_logits_over_temperature_without_unk(stacked):
    logits = stacked.run("the cat sat", loss=None).logits[-1]
    for T in (0.3, 1.0, 2.5):
        g = stacked.generate("the cat sat", tokens=1, temperature=T, seed=0, stop=())
        want = softmax(logits / T)
        want[stacked.vocab.unk_id] = 0
        want /= want.sum()
        np.testing.assert_allclose(g.probs[0], want, rtol=1e-12, atol=1e-15)


def test_entropy_rises_with_temperature(stacked):
    logits = stacked.run("the cat", loss=None).logits[-1]
    unk = stacked.vocab.unk_id
    temps = [0.001, 0.1, 0.5, 1.0, 2.0, 5.0, 50.0]
    ent = [entropy(distribution(logits, T, unk)) for T in temps]
    assert all(a < b for a, b in zip(ent, ent[1:], strict=False)), ent
    assert ent[-1] > 0.95 * np.log(len(VOCAB))  # very hot: close to uniform over the 10 words
    assert ent[0] < 0.1  # very cold: close to one word


def test_samples_follow_the_distribution(stacked):
    # The first sampled token over many seeds: its frequencies match probs[0].
    n = 4000
    firsts = [stacked.generate("the", tokens=1, temperature=1.5, seed=s, stop=()).ids[0] for s in range(n)]
    p = stacked.generate("the", tokens=1, temperature=1.5, seed=0, stop=()).probs[0]
    freq = np.bincount(firsts, minlength=len(p)) / n
    assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-9), (freq, p)


def test_unk_never_emitted_even_when_likeliest():
    model = rnnsim.random_model("lstm", vocab=VOCAB, hidden=8, embed=4, seed=0)
    model.params["head.bias"][model.vocab.unk_id] = 8.0  # <unk> by far the likeliest
    assert model.run("the cat", loss=None).logits[-1].argmax() == model.vocab.unk_id
    for T in (0, 0.7, 1.0, 3.0):
        g = model.generate("the cat", tokens=40, temperature=T, seed=1, stop=())
        assert UNK not in g.tokens
        assert np.all(g.probs[:, model.vocab.unk_id] == 0)


def test_a_vocabulary_of_only_unk_emits_unk():
    model = rnnsim.random_model("rnn", vocab=[UNK], hidden=3, embed=2, seed=0)
    assert model.generate("x", tokens=3, stop=()).tokens == (UNK, UNK, UNK)


def test_word_models_stop_after_a_sentence_end_unless_told_not_to():
    lstm = load_shipped("lstm")
    g = lstm.generate("The cat", tokens=20, temperature=0)
    assert g.tokens[-1] == "." and "." not in g.tokens[:-1]
    assert g.text == "The cat sat on the mat."  # the shipped LSTM's greedy sentence
    assert len(lstm.generate("The cat", tokens=20, temperature=0, stop=()).tokens) == 20


def test_text_glues_words_and_punctuation():
    assert join_tokens(["sat", "on", "the", "mat", "."], "word", after="The cat") == " sat on the mat."
    assert join_tokens(["a", " ", "b"], "char", after="x") == "a b"
    assert join_tokens(["it", ",", "so"], "word", after="I think ") == "it, so"


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        (dict(tokens=0), "number of tokens"),
        (dict(tokens=2.5), "number of tokens"),
        (dict(tokens=True), "number of tokens"),
        (dict(temperature=-0.1), "temperature"),
        (dict(temperature=float("nan")), "temperature"),
        (dict(temperature="hot"), "temperature"),
        (dict(seed=-1), "seed"),
    ],
)
def test_bad_options_are_one_clear_message(stacked, kw, words):
    with pytest.raises(GenerateError, match=words):
        generate(stacked, "the cat", **kw)


def test_empty_prompt_refused(stacked):
    for prompt in ("", "   ", []):
        with pytest.raises(GenerateError, match="prompt is empty"):
            stacked.generate(prompt)


def test_classifier_and_bidirectional_models_are_refused_saying_why():
    clf = rnnsim.random_model("lstm", vocab=VOCAB, labels=["negative", "positive"], seed=0)
    with pytest.raises(GenerateError, match="classifier"):
        clf.generate("the cat")
    bi = rnnsim.random_model("lstm", vocab=VOCAB, bidirectional=True, seed=0)
    with pytest.raises(GenerateError, match="bidirectional"):
        bi.generate("the cat")


def test_teacher_forcing_and_free_running_rows():
    from rnnsim.core.generate import teacher_vs_free

    model = load_shipped("lstm")
    toks = model.tokenize("The dog slept on the rug .")
    ids = model.vocab.encode(toks)
    logits = model.run(toks, loss=None).logits
    unk = model.vocab.unk_id
    greedy = []
    for z in logits:
        z = z.copy()
        z[unk] = -np.inf
        greedy.append(int(np.argmax(z)))
    for k in (1, 3, len(ids)):
        rows = teacher_vs_free(model, ids, k, temperature=0)
        assert list(rows.teacher) == greedy  # teacher forcing: the guesses of a run over the real text
        assert rows.free[:k] == rows.teacher[:k]  # the same reading up to the prompt's end
        assert rows.free_read[:k] == tuple(ids[:k]) and rows.free_read[k:] == rows.free[k - 1 : -1]
        # free running from a prompt is what generate writes from that prompt
        g = model.generate(toks[:k], tokens=len(ids) - k + 1, temperature=0, stop=())
        assert rows.free[k - 1 :] == g.ids
    rows = teacher_vs_free(model, ids, len(ids), temperature=0)
    assert rows.free == rows.teacher
    with pytest.raises(GenerateError, match="prompt"):
        teacher_vs_free(model, ids, 0)
