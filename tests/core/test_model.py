"""random_model, Model validation and the Trace's documented fields."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rnnsim
from rnnsim import Model, ModelError, Vocab


def test_random_model_seeded():
    a = rnnsim.random_model("lstm", seed=3)
    b = rnnsim.random_model("lstm", seed=3)
    c = rnnsim.random_model("lstm", seed=4)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["rnn.weight_hh_l0"], c.params["rnn.weight_hh_l0"])


@pytest.mark.parametrize("cell,G", [("rnn", 1), ("lstm", 4), ("gru", 3)])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_random_model_shapes_and_init(cell, G, bidirectional):
    m = rnnsim.random_model(cell, vocab=["a", "b"], hidden=50, embed=7, bidirectional=bidirectional)
    V, H, D = 3, 50, 2 if bidirectional else 1
    assert m.vocab.tokens == ("<unk>", "a", "b")
    assert (m.hidden, m.embed) == (H, 7)
    assert m.task == ("cloze" if bidirectional else "next")
    assert m.directions == (("forward", "reverse") if bidirectional else ("forward",))
    assert m.params["embedding.weight"].shape == (V, 7)
    assert m.params["head.weight"].shape == (V, D * H)
    k = 1 / np.sqrt(H)
    for sfx in ["", "_reverse"][:D]:
        for kind, shape in [("weight_ih", (G * H, 7)), ("weight_hh", (G * H, H)), ("bias_ih", (G * H,)),
                            ("bias_hh", (G * H,))]:  # fmt: skip
            p = m.params[f"rnn.{kind}_l0{sfx}"]
            assert p.shape == shape and p.dtype == np.float64
            assert np.all(np.abs(p) <= k) and np.abs(p).max() > 0.8 * k  # U(-k, k), spread out
    assert np.all(np.abs(m.params["head.weight"]) <= 1 / np.sqrt(D * H))


def test_forget_bias():
    base = rnnsim.random_model("lstm", hidden=8, seed=1, bidirectional=True)
    biased = rnnsim.random_model("lstm", hidden=8, seed=1, bidirectional=True, forget_bias=1.0)
    for sfx in ["", "_reverse"]:
        diff = biased.params[f"rnn.bias_ih_l0{sfx}"] - base.params[f"rnn.bias_ih_l0{sfx}"]
        np.testing.assert_allclose(diff[8:16], 1.0)
        assert np.all(diff[:8] == 0) and np.all(diff[16:] == 0)
        np.testing.assert_array_equal(biased.params[f"rnn.bias_hh_l0{sfx}"], base.params[f"rnn.bias_hh_l0{sfx}"])
    assert biased.forget_bias() == pytest.approx(base.forget_bias() + 1.0)
    assert rnnsim.random_model("gru").forget_bias() is None


def test_forget_bias_keeps_gradient_alive():
    """DESIGN.md: a forget-gate bias makes the gradient shrink more slowly per step."""
    text = " ".join(["the"] * 40)

    def decay(fb):
        m = rnnsim.random_model("lstm", hidden=32, seed=0, forget_bias=fb)
        n = m.run(text, loss="last").forward.grad_norms()
        return (n[1] / n[30]) ** (1 / 29)

    assert decay(0.0) < decay(1.0) < decay(3.0) < 1.0


@pytest.mark.parametrize(
    "kw,pattern",
    [
        (dict(cell="transformer"), r"unknown cell 'transformer'"),
        (dict(hidden=0), r"hidden size must be an integer from 1 to 4096, got 0"),
        (dict(hidden=2.5), r"hidden size must be an integer"),
        (dict(embed=0), r"embed size must be an integer from 1 to 4096"),
        (dict(bidirectional=True, task="next"), r"cannot predict the next word: its reverse direction"),
        (dict(task="cloze"), r"task 'cloze' needs both directions"),
        (dict(cell="rnn", nonlinearity="gelu"), r"unknown nonlinearity 'gelu'"),
    ],
)
def test_random_model_refusals(kw, pattern):
    with pytest.raises(ModelError, match=pattern):
        rnnsim.random_model(**{"cell": "lstm", **kw})


def test_model_converts_to_float64_and_copy_is_independent():
    m = rnnsim.random_model("gru", hidden=3, embed=2)
    params = {k: v.astype(np.float32) for k, v in m.params.items()}
    m32 = Model("gru", m.vocab, params)
    assert all(v.dtype == np.float64 for v in m32.params.values())
    c = m.copy()
    c.params["head.bias"][0] += 1
    assert c.params["head.bias"][0] != m.params["head.bias"][0]
    assert "GRU, hidden 3, embed 2" in m.describe()


def test_params_changed_in_place_take_effect():
    """The app lets a user change the forget-gate bias: run must not cache weights."""
    m = rnnsim.random_model("lstm", hidden=4, seed=0)
    before = m.run("the cat sat").loss
    m.params["rnn.bias_ih_l0"][4:8] += 2.0
    assert m.run("the cat sat").loss != before


def test_trace_to_dict_keys():
    m = rnnsim.random_model("lstm", vocab=Vocab.from_texts(["the cat sat"]), hidden=3, embed=2,
                            bidirectional=True)  # fmt: skip
    tr = m.run("the cat sat", loss="last")
    d = json.loads(json.dumps(tr.to_dict()))
    assert set(d) == {"cell", "bidirectional", "task", "loss_mode", "tokens", "ids", "targets", "logits",
                      "loss", "forward", "reverse", "dx", "num_layers", "tokenizer", "layers",
                      "grad_norm"}  # fmt: skip
    assert (d["num_layers"], d["tokenizer"], len(d["layers"])) == (1, "word", 1)
    assert d["layers"][0] == {"forward": d["forward"], "reverse": d["reverse"]}  # the top layer
    assert np.array(d["dx"]).shape == (3, 2)  # [T, E]
    assert (d["cell"], d["bidirectional"], d["task"], d["loss_mode"]) == ("lstm", True, "cloze", "last")
    assert d["targets"] == d["ids"] == [1, 2, 3]
    for side in ("forward", "reverse"):
        assert set(d[side]) == {"h", "dh", "c", "dc", "gates"}
        assert set(d[side]["gates"]) == {"i", "f", "g", "o"}
        assert np.array(d[side]["gates"]["f"]).shape == (3, 3)
    assert d["loss"] == tr.loss


def test_trace_grad_norms():
    tr = rnnsim.random_model("lstm", hidden=4).run("the cat sat on the mat")
    np.testing.assert_allclose(tr.forward.grad_norms(), np.linalg.norm(tr.forward.dh, axis=1))
    np.testing.assert_allclose(tr.forward.cell_grad_norms(), np.linalg.norm(tr.forward.dc, axis=1))
    fwd_only = rnnsim.random_model("gru", hidden=4).run("the cat", loss=None).forward
    assert fwd_only.grad_norms() is None and fwd_only.cell_grad_norms() is None


def test_token_list_input():
    m = rnnsim.random_model("rnn", hidden=3)
    a = m.run(["the", "cat", "sat"])
    b = m.run("the cat sat")
    assert a.tokens == b.tokens and a.loss == b.loss


def test_model_built_directly_names_a_broken_size_tensor():
    import numpy as np
    import pytest

    from rnnsim.core import ModelError, random_model
    from rnnsim.core.model import Model

    good = random_model("gru", hidden=3, embed=2)
    for name, bad in [("embedding.weight", np.zeros(5)), ("rnn.weight_hh_l0", np.zeros((9, 0)))]:
        params = dict(good.params, **{name: bad})
        with pytest.raises(ModelError, match=f"tensor '{name}' has shape"):
            Model("gru", good.vocab, params)
    params = {k: v for k, v in good.params.items() if k != "rnn.weight_hh_l0"}
    with pytest.raises(ModelError, match="missing tensor 'rnn.weight_hh_l0'$"):
        Model("gru", good.vocab, params)
