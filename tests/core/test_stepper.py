"""The stepwise API against the whole-sequence path, and the records it returns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import rnnsim
from rnnsim.core import Stepper
from rnnsim.core.cells import GATES

TOL = 1e-12
TEXT = "The cat sat on the mat, and the dog slept under the tree."

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
CELL_IDS = ["rnn-tanh", "rnn-relu", "lstm", "gru"]


def make_model(cell, nonlinearity="tanh", bidirectional=False, hidden=12, seed=1):
    return rnnsim.random_model(
        cell, hidden=hidden, embed=5, bidirectional=bidirectional, seed=seed,
        nonlinearity=nonlinearity, forget_bias=1.0,
    )  # fmt: skip


def run_stepper(model, text):
    st = Stepper(model, text)
    records = []
    while not st.done:
        records.append(st.advance())
    return st, records


def assert_stepwise_matches(model, text):
    trace = model.run(text)
    st, records = run_stepper(model, text)
    T = len(trace.tokens)
    assert len(records) == T == st.steps_done
    assert st.tokens == trace.tokens and list(st.ids) == trace.ids.tolist()
    assert st.targets == trace.targets
    names = GATES[model.cell]
    seen_outputs = {}
    for k, rec in enumerate(records):
        assert rec.step == k
        assert set(rec.directions) == set(model.directions)
        for d, ds in rec.directions.items():
            pos = k if d == "forward" else T - 1 - k
            tr = trace.directions[d]
            assert ds.direction == d and ds.position == pos and ds.token == trace.tokens[pos]
            np.testing.assert_allclose(ds.h, tr.h[pos], rtol=0, atol=TOL)
            np.testing.assert_allclose(ds.pre, tr.pre[pos], rtol=0, atol=TOL)
            assert tuple(ds.gates) == names
            for g in names:
                np.testing.assert_allclose(ds.gates[g], tr.gates[g][pos], rtol=0, atol=TOL)
            if model.cell == "lstm":
                np.testing.assert_allclose(ds.c, tr.c[pos], rtol=0, atol=TOL)
                np.testing.assert_array_equal(ds.candidate, ds.gates["g"])
            else:
                assert ds.c is None and tr.c is None
                want = ds.gates["n"] if model.cell == "gru" else ds.h
                np.testing.assert_array_equal(ds.candidate, want)
        for t, p in rec.outputs.items():
            assert t not in seen_outputs, f"position {t} predicted twice"
            seen_outputs[t] = k
            np.testing.assert_allclose(p, trace.probs[t], rtol=0, atol=TOL)
    # Every position is predicted exactly once, as soon as the head's inputs exist.
    assert sorted(seen_outputs) == list(range(T))
    for t, k in seen_outputs.items():
        if model.task == "next":
            assert k == t
        else:  # needs forward through t-1 and reverse down to t+1: k+1 tokens read each way
            assert k == max(0, t - 1, T - 2 - t)
    return records


@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_stepwise_equals_whole_sequence(cell, bidirectional):
    model = make_model(*cell, bidirectional=bidirectional)
    assert_stepwise_matches(model, TEXT)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("text", ["cat", "cat sat", "the cat sat"])
def test_short_texts(cell, bidirectional, text):
    assert_stepwise_matches(make_model(cell, bidirectional=bidirectional), text)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_larger_hidden_and_long_text(cell):
    """H=64 over 300 tokens: the paths still agree (different BLAS calls, same numbers)."""
    model = make_model(cell, hidden=64, bidirectional=True, seed=5)
    rng = np.random.default_rng(0)
    toks = [model.vocab.tokens[i] for i in rng.integers(0, len(model.vocab), 300)]
    assert_stepwise_matches(model, toks)


def test_records_are_frozen():
    model = make_model("lstm", bidirectional=True)
    _, records = run_stepper(model, "the cat sat")
    rec = records[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.step = 5
    ds = rec.directions["forward"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.h = np.zeros(3)
    arrays = [ds.h, ds.c, ds.pre, ds.candidate, *ds.gates.values(), *rec.outputs.values()]
    assert arrays
    for a in arrays:
        assert not a.flags.writeable
        with pytest.raises(ValueError):
            a[0] = 1.0
        assert a.dtype == np.float64


def test_records_do_not_change_when_stepping_on():
    model = make_model("gru")
    st = Stepper(model, "the cat sat on the mat")
    first = st.advance()
    h0 = first.directions["forward"].h.copy()
    while not st.done:
        st.advance()
    np.testing.assert_array_equal(first.directions["forward"].h, h0)


def test_advance_past_the_end():
    st = Stepper(make_model("rnn"), "cat")
    st.advance()
    assert st.done
    with pytest.raises(IndexError, match="every token"):
        st.advance()


def test_empty_text_refused():
    for text in ["", "   ", "\n"]:
        with pytest.raises(ValueError, match="no tokens"):
            Stepper(make_model("rnn"), text)
        with pytest.raises(ValueError, match="no tokens"):
            make_model("rnn").run(text)


def test_model_stepper_helper():
    model = make_model("lstm")
    st = model.stepper("the cat")
    assert isinstance(st, Stepper) and st.tokens == ["the", "cat"]


def test_output_probabilities_sum_to_one():
    model = make_model("lstm", bidirectional=True)
    _, records = run_stepper(model, TEXT)
    for rec in records:
        for p in rec.outputs.values():
            assert p.shape == (len(model.vocab),)
            assert p.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("T", range(1, 40))
def test_cloze_ready_positions_match_brute_force(T):
    """Position t becomes predictable at the first step after which the forward
    direction has read t-1 and the reverse direction t+1 (nothing needed past the ends)."""
    st = Stepper(make_model("rnn", bidirectional=True, hidden=2), ["cat"] * T)
    seen = []
    for k in range(T):
        fwd_read, rev_read = k, T - 1 - k  # last position each direction has read after step k
        want = [
            t for t in range(T) if (t == 0 or fwd_read >= t - 1) and (t == T - 1 or rev_read <= t + 1) and t not in seen
        ]
        assert st._ready_positions(k) == want
        seen += want
    assert sorted(seen) == list(range(T))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    ("layers", "bidirectional", "labels"),
    [(2, False, None), (3, False, ["a", "b"]), (2, True, ["a", "b", "c"]), (3, True, ["a", "b"])],
    ids=["L2-next", "L3-classify", "L2-bi-classify", "L3-bi-classify"],
)
def test_stacked_stepper_matches_the_whole_sequence(cell, layers, bidirectional, labels):
    """Every layer's every step equals the whole-sequence pass to 1e-12. One direction: a step
    moves every layer; two: layer by layer (a layer above needs the reverse state of every later
    token), T steps each."""
    model = rnnsim.random_model(
        cell, hidden=6, embed=4, seed=2, num_layers=layers, bidirectional=bidirectional, labels=labels
    )
    trace = model.run(TEXT)
    st, records = run_stepper(model, TEXT)
    T = len(trace.tokens)
    assert len(records) == len(st) == T * (layers if bidirectional else 1)
    seen = {}
    for rec in records:
        for layer, steps in rec.layers.items():
            for d, ds in steps.items():
                assert (layer, d, ds.position) not in seen
                seen[layer, d, ds.position] = ds
                tr = trace.layers[layer][d]
                np.testing.assert_allclose(ds.h, tr.h[ds.position], rtol=0, atol=TOL)
                np.testing.assert_allclose(ds.pre, tr.pre[ds.position], rtol=0, atol=TOL)
                for g in GATES[cell]:
                    np.testing.assert_allclose(ds.gates[g], tr.gates[g][ds.position], rtol=0, atol=TOL)
        assert rec.directions == rec.layers[max(rec.layers)]
    assert len(seen) == layers * len(model.directions) * T  # every layer, direction and position once
    outputs = {t: p for rec in records for t, p in rec.outputs.items()}
    if labels is None:
        assert set(outputs) == set(range(T))
        for t, p in outputs.items():
            np.testing.assert_allclose(p, trace.probs[t], rtol=0, atol=TOL)
    else:  # a classifier decides once, after the top layer's last step
        assert list(outputs) == [T - 1] and records[-1].outputs
        np.testing.assert_allclose(outputs[T - 1], trace.probs, rtol=0, atol=TOL)


# ------------------------------------------------------------------ reading ahead


def _all_numbers(records) -> list[tuple]:
    out = []
    for r in records:
        for layer, dirs in sorted(r.layers.items()):
            for d, s in sorted(dirs.items()):
                arrays = [s.pre, s.h, s.candidate, *(v for _, v in sorted(s.gates.items()))]
                arrays += [s.c] if s.c is not None else []
                out.append((r.step, layer, d, s.position, [a.tobytes() for a in arrays]))
        out.append((r.step, sorted((t, p.tobytes()) for t, p in r.outputs.items())))
    return out


@pytest.mark.parametrize(
    "cell, kw",
    [
        ("lstm", {"num_layers": 2}),
        ("gru", {"num_layers": 3}),
        ("rnn", {}),
        ("lstm", {"bidirectional": True, "task": "cloze"}),
        ("gru", {"bidirectional": True, "num_layers": 2, "task": "classify", "labels": ["a", "b"]}),
    ],
    ids=["lstm-2-layers", "gru-3-layers", "rnn", "bilstm-cloze", "bigru-2-layers-classify"],
)
def test_reading_ahead_gives_the_numbers_of_one_token_at_a_time(cell, kw):
    """The stepper runs the cell over blocks of AHEAD tokens: every record, bit for bit,
    is what stepping one token at a time (AHEAD = 1) gives, across the blocks' edges."""
    model = rnnsim.random_model(cell, hidden=8, embed=4, seed=2, **kw)
    text = " ".join(["the cat sat on the mat and the dog slept"] * 8)  # 80 tokens: 3 blocks of 32
    ahead = Stepper(model, text)
    one = Stepper(model, text)
    one.AHEAD = 1
    assert len(ahead) > 2 * Stepper.AHEAD
    got, want = [], []
    while not ahead.done:
        got.append(ahead.advance())
        want.append(one.advance())
    assert _all_numbers(got) == _all_numbers(want)
    for r in got:  # views of the block's arrays, which nobody may change
        for dirs in r.layers.values():
            assert not any(s.h.flags.writeable or s.pre.flags.writeable for s in dirs.values())
        assert not any(p.flags.writeable for p in r.outputs.values())
