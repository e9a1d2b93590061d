"""Hypothesis property tests: random sizes, texts and seeds.

Any Unicode text with at least one token runs; every array has its documented
shape and is finite; the stepwise and whole-sequence paths agree; the JSON is
strict JSON.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rnnsim
from rnnsim import Vocab, tokenize
from rnnsim.core import Stepper
from rnnsim.core.cells import GATES

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MARKUP = st.sampled_from(["[bold]x[/]", "[red]", "<b>", "\x1b[0m", "{0}", "%s", "\\", "[/]", "[link=x]"])
WORDS = st.sampled_from(["The", "cat", "sat", "on", "the", "mat", ".", ",", "猫", "😀", "naïve", "🇫🇷", "👍🏽"])
PIECE = st.one_of(st.text(min_size=1, max_size=6), MARKUP, WORDS)
TEXTS = st.lists(PIECE, min_size=1, max_size=12).map(" ".join)


@st.composite
def models(draw):
    cell = draw(st.sampled_from(["rnn", "lstm", "gru"]))
    bidirectional = draw(st.booleans())
    vocab_kind = draw(st.sampled_from(["default", "text"]))
    return dict(
        cell=cell,
        bidirectional=bidirectional,
        hidden=draw(st.integers(1, 9)),
        embed=draw(st.integers(1, 6)),
        seed=draw(st.integers(0, 2**32 - 1)),
        forget_bias=draw(st.sampled_from([0.0, 1.0, 3.0])),
        nonlinearity=draw(st.sampled_from(["tanh", "relu"])) if cell == "rnn" else "tanh",
    ), vocab_kind


def build(spec, text):
    kw, vocab_kind = spec
    vocab = Vocab.from_texts([text]) if vocab_kind == "text" else None
    return rnnsim.random_model(vocab=vocab, **kw)


@SETTINGS
@given(text=st.text(max_size=60))
def test_tokenize_any_text(text):
    tokens = tokenize(text)
    assert all(isinstance(t, str) and t and not t.isspace() for t in tokens)
    assert all(not any(ch.isspace() for ch in t) for t in tokens)
    assert tokenize(" ".join(tokens)) == tokens  # tokens are stable


@SETTINGS
@given(spec=models(), text=TEXTS, loss=st.sampled_from(["all", "last"]))
def test_run_shapes_and_finiteness(spec, text, loss):
    assume(tokenize(text))
    model = build(spec, text)
    tr = model.run(text, loss=loss)
    T, H, V = len(tr.tokens), model.hidden, len(model.vocab)
    G = {"rnn": 1, "lstm": 4, "gru": 3}[model.cell]
    assert tr.tokens == tokenize(text)
    assert tr.ids.shape == (T,) and tr.logits.shape == tr.probs.shape == (T, V)
    assert np.all(np.isfinite(tr.logits)) and np.allclose(tr.probs.sum(axis=1), 1.0)
    assert np.isfinite(tr.loss) and tr.loss >= 0
    assert len(tr.targets) == T
    assert set(tr.directions) == set(model.directions)
    for d in tr.directions.values():
        assert d.h.shape == d.dh.shape == (T, H)
        assert d.pre.shape == (T, G * H)
        assert tuple(d.gates) == GATES[model.cell]
        assert tuple(d.dgates) == (GATES[model.cell] or ("a",))
        for a in [d.h, d.dh, d.pre, *d.gates.values(), *d.dgates.values()]:
            assert np.all(np.isfinite(a))
        if model.cell == "lstm":
            assert d.c.shape == d.dc.shape == (T, H)
            assert np.all(np.isfinite(d.c)) and np.all(np.isfinite(d.dc))
        for g in d.gates.values():
            assert g.shape == (T, H) and np.all(np.abs(g) <= 1)
    assert set(tr.grads) == set(model.params)
    for name, g in tr.grads.items():
        assert g.shape == model.params[name].shape and np.all(np.isfinite(g))
    out = json.loads(json.dumps(tr.to_dict(), allow_nan=False, ensure_ascii=False))
    assert out["tokens"] == tr.tokens


@SETTINGS
@given(spec=models(), text=TEXTS)
def test_stepwise_agrees_with_whole(spec, text):
    assume(tokenize(text))
    model = build(spec, text)
    tr = model.run(text, loss=None)
    st_ = Stepper(model, text)
    T = len(tr.tokens)
    predicted = set()
    while not st_.done:
        rec = st_.advance()
        for name, ds in rec.directions.items():
            d = tr.directions[name]
            np.testing.assert_allclose(ds.h, d.h[ds.position], rtol=0, atol=1e-12)
            np.testing.assert_allclose(ds.pre, d.pre[ds.position], rtol=0, atol=1e-12)
            if ds.c is not None:
                np.testing.assert_allclose(ds.c, d.c[ds.position], rtol=0, atol=1e-12)
            for g, v in ds.gates.items():
                np.testing.assert_allclose(v, d.gates[g][ds.position], rtol=0, atol=1e-12)
        for t, p in rec.outputs.items():
            np.testing.assert_allclose(p, tr.probs[t], rtol=0, atol=1e-12)
            predicted.add(t)
    assert predicted == set(range(T))


@SETTINGS
@given(spec=models(), text=TEXTS, data=st.data())
def test_loss_at_a_position_is_part_of_all(spec, text, data):
    assume(tokenize(text))
    model = build(spec, text)
    full = model.run(text, loss="all")
    assume(full.loss_positions)
    k = data.draw(st.sampled_from(full.loss_positions))
    one = model.run(text, loss=k)
    assert one.loss_positions == [k]
    assert 0 <= one.loss <= full.loss + 1e-9
    if model.task == "next":  # causality: nothing after k gets gradient
        assert np.all(one.forward.dh[k + 1 :] == 0)


@SETTINGS
@given(spec=models(), seed_text=TEXTS)
def test_random_model_is_reproducible(spec, seed_text):
    assume(tokenize(seed_text))
    a, b = build(spec, seed_text), build(spec, seed_text)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    H = a.hidden
    k = 1 / np.sqrt(H)
    for name, p in a.params.items():
        if name.startswith("rnn.weight"):
            assert np.all(np.abs(p) <= k)
