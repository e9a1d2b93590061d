"""The saturation figures against their definitions: the share of units near ±1, tanh's
slope, one step's Jacobian diag(1 − h²)·W_hh (checked against finite differences of the
real step), and the distance between the states of two texts."""

from __future__ import annotations

import numpy as np
import pytest

from rnnsim.sim import Settings, SimError, Simulation
from rnnsim.sim.saturation import SATURATED

LONG = "The cat that the farmer fed after a long day near the old house went back to the mat"
DOG = LONG.replace("cat", "dog")


def rnn(text: str = LONG, **kw) -> Simulation:
    return Simulation.from_settings(text, Settings(cell="rnn", **kw))


def test_saturated_share_and_slope_follow_their_definitions():
    sim = rnn()
    h = sim.trace.forward.h
    s = sim.saturation()
    np.testing.assert_allclose(s.saturated, (np.abs(h) > SATURATED).mean(axis=1))
    np.testing.assert_allclose(s.slope, (1 - h**2).mean(axis=1))


def test_the_explain_line_counts_units_near_one_as_the_view_does():
    from rnnsim.explain import explain

    sim = rnn()
    sim.goto(7)  # "after" read: t = 6
    n = round(sim.saturation().saturated[6] * sim.model.hidden)
    assert f"{n} of 32 units near ±1" in explain(sim)


def test_the_jacobian_is_the_derivative_of_one_real_step():
    """J[t] = diag(1 − h[t]²)·W_hh is ∂h[t]/∂h[t-1]: compare its singular values with those
    of a central-difference Jacobian of the model's own step, for every position."""
    sim = rnn()
    m = sim.model
    W_ih, W_hh, b_ih, b_hh = m.layer_params(0, "forward")
    x = m.params["embedding.weight"][sim.trace.ids]
    h = sim.trace.forward.h
    s = sim.saturation()
    eps = 1e-6
    for t in range(1, sim.T):
        pre = W_ih @ x[t] + b_ih + b_hh
        J = np.empty((m.hidden, m.hidden))
        for j in range(m.hidden):
            d = np.zeros(m.hidden)
            d[j] = eps
            J[:, j] = (np.tanh(pre + W_hh @ (h[t - 1] + d)) - np.tanh(pre + W_hh @ (h[t - 1] - d))) / (2 * eps)
        sv = np.linalg.svd(J, compute_uv=False)
        assert s.stretch[t] == pytest.approx(sv[0], rel=1e-6)
        assert s.stretched[t] == np.sum(sv > 1)
    assert np.isnan(s.stretch[0])  # nothing before the first word to stretch
    w = np.linalg.svd(W_hh, compute_uv=False)
    assert s.weights_stretch == pytest.approx(w[0]) and s.weights_stretched == np.sum(w > 1)


def test_the_gap_is_the_distance_between_the_two_texts_states():
    sim = rnn()
    sim.set_contrast(DOG)
    other = Simulation.from_settings(DOG, Settings(cell="rnn")).trace.forward.h
    s = sim.saturation()
    np.testing.assert_allclose(s.gap, np.linalg.norm(sim.trace.forward.h - other, axis=1))
    assert s.gap[0] == 0 and np.isnan(s.gap_factor[1])  # the same first word: no difference to shrink
    np.testing.assert_allclose(s.gap_factor[2:], s.gap[2:] / s.gap[1:-1])
    assert sim.history[-1] == ("set_contrast", (DOG,))  # recorded, so `record` saves it


def test_a_shorter_contrast_leaves_the_later_gaps_undefined():
    sim = rnn()
    sim.set_contrast("The dog that the farmer")
    s = sim.saturation()
    assert np.all(np.isfinite(s.gap[:5])) and np.all(np.isnan(s.gap[5:]))


def test_without_a_contrast_there_is_no_gap():
    s = rnn().saturation()
    assert np.all(np.isnan(s.gap))


def test_an_lstm_has_no_tanh_rnn_jacobian_and_says_so():
    sim = Simulation.from_settings(LONG, Settings(cell="lstm"))
    sim.set_contrast(DOG)
    s = sim.saturation()
    assert s.stretch is None and np.isfinite(s.gap[1])
    other = Simulation.from_settings(DOG, Settings(cell="lstm")).trace.forward.c
    np.testing.assert_allclose(s.cell_gap, np.linalg.norm(sim.trace.forward.c - other, axis=1))
    with pytest.raises(SimError, match="only an LSTM has a memory cell"):
        rnn().saturation().figure("cell_gap")
    with pytest.raises(SimError, match="LSTM"):
        s.figure("stretch")


def test_a_bad_contrast_is_one_clear_line():
    with pytest.raises(SimError, match="empty"):
        rnn().set_contrast("   ")


def test_a_stacked_model_shows_the_shown_layers_figures():
    sim = Simulation.from_settings(LONG, Settings(source="random", cell="rnn", layers=2, hidden=8))
    top = sim.saturation()
    sim.set_layer(1)
    bottom = sim.saturation()
    np.testing.assert_allclose(bottom.saturated, (np.abs(sim.trace.layers[0]["forward"].h) > SATURATED).mean(axis=1))
    assert not np.allclose(top.slope, bottom.slope)


def test_a_long_text_is_measured_in_chunks():
    sim = Simulation.from_settings(" ".join(["the cat sat on the mat ."] * 80), Settings(cell="rnn"))
    s = sim.saturation()
    assert sim.T > 256 and np.all(np.isfinite(s.stretch[1:]))
