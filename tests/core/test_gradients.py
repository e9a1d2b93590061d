"""Finite-difference checks of every gradient BPTT returns, for every cell x
direction x loss mode: all parameter tensors (every entry), the total dL/dh_t,
dL/dc_t (LSTM) and dL/d(gate pre-activation), in float64 with central differences.

Parameter gradients are checked against the loss model.run itself reports;
the per-position derivatives against a plain reference forward pass that
accepts offsets on h_t, c_t and the pre-activations (tests/core/reference.py),
after checking that the reference computes the same loss.
"""

from __future__ import annotations

import numpy as np
import pytest

import rnnsim
from rnnsim.core.cells import GATES

from .reference import reference_loss

EPS = 1e-6
RTOL, ATOL = 1e-6, 1e-8

VOCAB = ["the", "cat", "sat", "on", "mat", "."]  # + <unk>: V = 7
TOKENS = ["the", "cat", "zebra", "cat", "sat"]  # T = 5; "zebra" is <unk>, "cat" repeats

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
CELL_IDS = ["rnn-tanh", "rnn-relu", "lstm", "gru"]
LOSSES = ["all", "last", 2]


def make_model(cell, nonlinearity, bidirectional, seed=3):
    return rnnsim.random_model(
        cell, vocab=VOCAB, hidden=4, embed=3, bidirectional=bidirectional,
        seed=seed, nonlinearity=nonlinearity, forget_bias=0.5,
    )  # fmt: skip


def central(f, eps=EPS):
    return (f(eps) - f(-eps)) / (2 * eps)


def offset_derivatives(model, ids, loss, key, size):
    """[T, size]: d loss / d(an offset vector added at each position), by central
    differences on the reference pass; key(t) says where the offset goes."""
    out = np.empty((len(ids), size))
    for t in range(len(ids)):
        for j in range(size):
            unit = np.zeros(size)
            unit[j] = 1.0

            def f(e, t=t, unit=unit):
                return reference_loss(model, ids, loss, {key(t): e * unit})[0]

            out[t, j] = central(f)
    return out


def assert_grad_close(analytic, numeric, what):
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    err = np.abs(analytic - numeric) - (ATOL + RTOL * np.abs(numeric))
    if np.any(err > 0):
        k = np.unravel_index(np.argmax(err), err.shape)
        pytest.fail(f"{what}{list(k)}: analytic {analytic[k]:.12g}, finite difference {numeric[k]:.12g}")


@pytest.fixture(params=CELLS, ids=CELL_IDS)
def cell(request):
    return request.param


@pytest.fixture(params=[False, True], ids=["uni", "bi"])
def bidirectional(request):
    return request.param


@pytest.fixture(params=LOSSES, ids=[str(x) for x in LOSSES])
def loss(request):
    return request.param


def test_parameter_gradients(cell, bidirectional, loss):
    model = make_model(*cell, bidirectional)
    trace = model.run(TOKENS, loss=loss)
    assert set(trace.grads) == set(model.params)
    for name, p in model.params.items():
        numeric = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            orig = p[idx]

            def f(e, p=p, idx=idx, orig=orig):
                p[idx] = orig + e
                return model.run(TOKENS, loss=loss).loss

            numeric[idx] = central(f)
            p[idx] = orig
        assert trace.grads[name].shape == p.shape
        assert_grad_close(trace.grads[name], numeric, name)
    # The check means something only if gradients reach the recurrent weights.
    assert np.abs(trace.grads["rnn.weight_hh_l0"]).max() > 1e-4


def test_reference_agrees_with_run(cell, bidirectional, loss):
    model = make_model(*cell, bidirectional)
    trace = model.run(TOKENS, loss=loss)
    ref, logits = reference_loss(model, trace.ids.tolist(), loss)
    np.testing.assert_allclose(trace.logits, logits, rtol=0, atol=1e-12)
    assert trace.loss == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_state_and_gate_gradients(cell, bidirectional, loss):
    """Total dL/dh_t, dL/dc_t and dL/d(pre-activation) by offsets injected in the forward pass."""
    model = make_model(*cell, bidirectional)
    trace = model.run(TOKENS, loss=loss)
    ids = trace.ids.tolist()
    T, H = len(ids), model.hidden
    names = GATES[model.cell] or ("a",)
    G = len(names)

    def fd(direction, kind, size):
        return offset_derivatives(model, ids, loss, lambda t: (direction, kind, t), size)

    for d, tr in trace.directions.items():
        assert tr.dh.shape == (T, H)
        assert_grad_close(tr.dh, fd(d, "h", H), f"{d} dh")
        if model.cell == "lstm":
            assert tr.dc.shape == (T, H)
            assert_grad_close(tr.dc, fd(d, "c", H), f"{d} dc")
        else:
            assert tr.dc is None
        assert tuple(tr.dgates) == names
        dpre = np.hstack([tr.dgates[g] for g in names])
        assert_grad_close(dpre, fd(d, "pre", G * H), f"{d} dgates")


def test_input_gradients(cell, bidirectional, loss):
    """dL/dx_t at each word's embedding row, both directions together, by offsets on the
    row one position reads; their sum per word is the embedding's gradient."""
    model = make_model(*cell, bidirectional)
    trace = model.run(TOKENS, loss=loss)
    ids = trace.ids.tolist()
    T, E = trace.dx.shape
    assert (T, E) == (len(ids), model.params["embedding.weight"].shape[1])
    numeric = offset_derivatives(model, ids, loss, lambda t: ("input", "x", t), E)
    assert_grad_close(trace.dx, numeric, "dx")
    summed = np.zeros_like(model.params["embedding.weight"])
    np.add.at(summed, ids, trace.dx)
    np.testing.assert_allclose(trace.grads["embedding.weight"], summed, rtol=0, atol=1e-15)
    np.testing.assert_allclose(trace.input_grad_norms(), np.linalg.norm(trace.dx, axis=1), rtol=0, atol=0)
    assert trace.to_dict()["dx"] == trace.dx.tolist()


def test_loss_at_one_position_reaches_only_earlier_steps():
    """With the loss at position k of a unidirectional model, dL/dh_t is zero after k."""
    model = make_model("lstm", "tanh", False)
    trace = model.run(TOKENS, loss=1)
    assert np.all(trace.forward.dh[2:] == 0)
    assert np.all(trace.forward.dc[2:] == 0)
    assert np.all(np.abs(trace.forward.dh[:2]).sum(axis=1) > 0)
    assert trace.loss_positions == [1]


def test_cloze_loss_at_one_position_reaches_both_sides():
    """Cloze loss at k: the forward direction gets gradient up to k-1, the reverse from k+1."""
    model = make_model("gru", "tanh", True)
    trace = model.run(TOKENS, loss=2)
    fwd, rev = trace.forward.dh, trace.reverse.dh
    assert np.all(fwd[2:] == 0) and np.all(np.abs(fwd[:2]).sum(axis=1) > 0)
    assert np.all(rev[:3] == 0) and np.all(np.abs(rev[3:]).sum(axis=1) > 0)


def test_loss_modes_sum():
    """'all' is the sum over scored positions of the single-position losses, gradients too."""
    model = make_model("lstm", "tanh", False)
    full = model.run(TOKENS, loss="all")
    parts = [model.run(TOKENS, loss=t) for t in full.loss_positions]
    assert full.loss == pytest.approx(sum(p.loss for p in parts), rel=1e-12)
    for name in model.params:
        np.testing.assert_allclose(full.grads[name], sum(p.grads[name] for p in parts), atol=1e-12)
    np.testing.assert_allclose(full.forward.dh, sum(p.forward.dh for p in parts), atol=1e-12)
    last = model.run(TOKENS, loss="last")
    assert last.loss_positions == [len(TOKENS) - 2]
    assert last.loss == pytest.approx(parts[-1].loss, rel=1e-12)


def test_no_loss_gives_forward_only():
    model = make_model("gru", "tanh", True)
    trace = model.run(TOKENS, loss=None)
    assert trace.loss is None and trace.grads == {}
    assert trace.forward.dh is None and trace.forward.dgates is None
    assert trace.dx is None and trace.input_grad_norms() is None and "dx" not in trace.to_dict()
    full = model.run(TOKENS)
    np.testing.assert_array_equal(trace.forward.h, full.forward.h)
    assert "dh" not in trace.to_dict()["forward"]


@pytest.mark.parametrize("bad", ["first", "ALL", 1.5, True, "2"])
def test_bad_loss_mode(bad):
    model = make_model("rnn", "tanh", False)
    with pytest.raises(ValueError, match="unknown loss mode"):
        model.run(TOKENS, loss=bad)


@pytest.mark.parametrize("pos", [4, 5, -1, 100])
def test_unscored_position_refused(pos):
    """Task next: the last position predicts nothing, so it cannot carry the loss."""
    model = make_model("rnn", "tanh", False)
    with pytest.raises(ValueError, match=rf"position {pos} has no target to score: choose one of 0\.\.3"):
        model.run(TOKENS, loss=pos)


def test_single_token_next_task_has_no_scored_position():
    model = make_model("lstm", "tanh", False)
    trace = model.run(["cat"], loss="all")
    assert trace.targets == [None]
    assert trace.loss == 0.0
    assert np.all(trace.forward.dh == 0)
    with pytest.raises(ValueError, match="no scored position"):
        model.run(["cat"], loss=0)


def test_numpy_integer_position_accepted():
    model = make_model("lstm", "tanh", False)
    assert model.run(TOKENS, loss=np.int64(2)).loss == model.run(TOKENS, loss=2).loss


def test_loss_stays_finite_and_exact_for_confident_wrong_predictions():
    """A head so confident that softmax underflows must still give the exact cross-entropy."""
    model = make_model("lstm", "tanh", False)
    model.params["head.bias"][:] = 0.0
    model.params["head.weight"][:] = 0.0
    model.params["head.bias"][0] = 800.0  # always predicts <unk>, never the target
    trace = model.run(["the", "cat"], loss="all")
    assert np.isfinite(trace.loss)
    assert trace.loss == pytest.approx(800.0, rel=1e-12)
    assert all(np.all(np.isfinite(g)) for g in trace.grads.values())
