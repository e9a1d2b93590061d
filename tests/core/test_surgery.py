"""Surgery in the core without torch: finite differences, stepper = whole sequence,
and the one-line refusals."""

from __future__ import annotations

import numpy as np
import pytest

import rnnsim
from rnnsim.core.surgery import Surgery, SurgeryError, clip_scale, parse_pin, parse_units

TEXT = "the cat sat on the mat and the dog ran ."


def make(cell, layers=1, bidirectional=False):
    labels = ["a", "b"] if bidirectional else None
    m = rnnsim.random_model(
        cell, hidden=5, embed=4, seed=2, num_layers=layers, bidirectional=bidirectional, labels=labels
    )
    for name in m.params:
        if name.startswith("rnn."):
            m.params[name] = m.params[name] * 2.0
    return m


SURGERIES = [
    ("lstm", Surgery().with_pin("f", 1.0)),
    ("lstm", Surgery().with_pin("g", -0.4).with_knockout([2])),
    ("gru", Surgery().with_pin("n", 0.5)),
    ("gru", Surgery().with_pin("z", 0.9).with_knockout([0, 3])),
    ("rnn", Surgery().with_knockout([1]).with_scale(1.5)),
]


@pytest.mark.parametrize(("cell", "surgery"), SURGERIES, ids=lambda x: x if isinstance(x, str) else x.describe())
@pytest.mark.parametrize(("layers", "bi"), [(1, False), (2, True)])
def test_parameter_gradients_match_finite_differences(cell, surgery, layers, bi):
    """Every parameter gradient of the surgically changed network is the derivative of
    its loss: the pinned gate is a constant, the held units are constants."""
    model = make(cell, layers, bi)
    tr = model.run(TEXT, loss="all", surgery=surgery)
    scaled = surgery.transform(model)  # the gradients are the transformed model's
    plain = Surgery(pins=surgery.pins, knockout=surgery.knockout)
    rng = np.random.default_rng(0)
    eps = 1e-6
    for name, g in tr.grads.items():
        for idx in [tuple(rng.integers(0, s) for s in g.shape) for _ in range(3)]:
            orig = scaled.params[name][idx]
            scaled.params[name][idx] = orig + eps
            up = scaled.run(TEXT, loss="all", surgery=plain).loss
            scaled.params[name][idx] = orig - eps
            down = scaled.run(TEXT, loss="all", surgery=plain).loss
            scaled.params[name][idx] = orig
            assert g[idx] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8), (name, idx)


@pytest.mark.parametrize(("cell", "surgery"), SURGERIES, ids=lambda x: x if isinstance(x, str) else x.describe())
def test_stepper_agrees_with_the_whole_sequence(cell, surgery):
    model = make(cell, 2, True)
    tr = model.run(TEXT, loss=None, surgery=surgery)
    st = model.stepper(TEXT, surgery=surgery)
    while not st.done:
        rec = st.advance()
        for layer, dirs in rec.layers.items():
            for d, step in dirs.items():
                full = tr.layers[layer][d]
                np.testing.assert_allclose(step.h, full.h[step.position], atol=1e-12)
                for g, v in step.gates.items():
                    np.testing.assert_allclose(v, full.gates[g][step.position], atol=1e-12)


def test_no_surgery_changes_nothing():
    model = make("lstm")
    a, b = model.run(TEXT), model.run(TEXT, surgery=Surgery())
    assert a.loss == b.loss
    assert all(np.array_equal(a.grads[k], b.grads[k]) for k in a.grads)
    assert "surgery" not in b.to_dict() and "clip_scale" not in b.to_dict()


def test_forget_gate_pinned_at_one_keeps_the_cell_and_its_gradient():
    """f = 1, so c_t = c_{t-1} + i*g and dL/dc_{t-1} = dL/dc_t + (what flows in from h):
    along the cell path nothing is ever multiplied away."""
    model = make("lstm")
    tr = model.run(TEXT, loss="last", surgery=Surgery().with_pin("f", 1.0))
    f = tr.forward
    ig = f.gates["i"] * f.gates["g"]
    np.testing.assert_allclose(f.c[1:], f.c[:-1] + ig[1:], atol=1e-13)


@pytest.mark.parametrize(
    ("cell", "surgery", "words"),
    [
        ("rnn", Surgery().with_pin("f", 1), "a plain RNN (rnn) has no gates to pin"),
        ("lstm", Surgery().with_pin("z", 1), "unknown gate 'z' for the LSTM: choose one of i f g o"),
        ("gru", Surgery().with_pin("f", 1), "choose one of r z n"),
        ("lstm", Surgery().with_pin("f", 1.5), "f is a sigmoid, so it lies in [0, 1]"),
        ("lstm", Surgery().with_pin("i", -0.1), "in [0, 1]"),
        ("gru", Surgery().with_pin("n", -1.2), "n is a tanh, so it lies in [-1, 1]"),
        ("lstm", Surgery().with_pin("f", float("nan")), "impossible"),
        ("lstm", Surgery().with_knockout([5]), "unit 5 is out of range: this model's units are 0..4"),
        ("lstm", Surgery().with_scale(0), "the recurrent scale must be a finite number above 0"),
        ("lstm", Surgery().with_scale(float("inf")), "the recurrent scale must be a finite number above 0"),
        ("lstm", Surgery().with_clip(-1), "the clip norm must be a finite number above 0"),
    ],
)
def test_nonsense_is_refused_in_one_line(cell, surgery, words):
    with pytest.raises(SurgeryError) as err:
        make(cell).run(TEXT, surgery=surgery)
    msg = str(err.value)
    assert words in msg and "\n" not in msg


def test_pin_with_a_boundary_value_is_allowed():
    make("gru").run(TEXT, surgery=Surgery().with_pin("n", -1.0).with_pin("z", 0.0))


def test_parsers():
    assert parse_pin("f=1") == ("f", 1.0)
    assert parse_pin(" g = -0.5") == ("g", -0.5)
    assert parse_units("3, 1,u3") == (1, 3)
    for bad in ("f", "=1", "f=x"):
        with pytest.raises(SurgeryError, match="GATE=VALUE"):
            parse_pin(bad)
    with pytest.raises(SurgeryError, match="unit numbers"):
        parse_units("3,a")


def test_clip_scale_formula():
    assert clip_scale(10.0, 1.0) == 1.0 / (10.0 + 1e-6)
    assert clip_scale(0.5, 1.0) == 1.0  # never scales up
    assert Surgery().clip_scale(3.0) is None


def test_clip_changes_the_step_not_the_direction():
    model = make("rnn")
    tr = model.run(TEXT, surgery=Surgery().with_scale(3.0).with_clip(0.1))
    g = np.concatenate([v.ravel() for v in tr.grads.values()])
    c = np.concatenate([v.ravel() for v in tr.clipped_grads().values()])
    assert np.linalg.norm(c) == pytest.approx(0.1, rel=1e-5)
    cos = float(g @ c / (np.linalg.norm(g) * np.linalg.norm(c)))
    assert cos == pytest.approx(1.0, abs=1e-12)


def test_describe():
    s = Surgery().with_pin("f", 1).with_knockout([7, 3]).with_scale(1.5).with_clip(1)
    assert s.describe() == "pin f=1, knockout u3,u7, W_hh ×1.5, clip 1"
    assert Surgery().describe() == "none" and not Surgery().active
    assert s.without_pin("f").pins == () and s.without_pin().pins == ()
