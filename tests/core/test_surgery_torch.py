"""Surgery against PyTorch: pin, knockout, scale_recurrent and clip, each written
independently in torch ops (one step at a time, autograd for every gradient) and
compared with rnnsim's forward, BPTT and clip to 1e-10.

The torch reference states the semantics in the plainest form:
  pin      the gate replaced by a constant tensor (so autograd sends nothing to its
           pre-activation);
  knockout h (and c) multiplied by a 0/1 mask after every step; rnnsim's dL/dh_t is the
           gradient at the state *before* the mask (zero for a held unit);
  scale    W_hh multiplied by X before the run; the gradients are the scaled W_hh's;
  clip     torch.nn.utils.clip_grad_norm_ on the parameter gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

import rnnsim
from rnnsim.core.surgery import Surgery
from tests.torch_required import import_torch

torch = import_torch("the surgery parity tests need it")

TEXT = "the cat sat on the mat and the dog slept by the tree ."
TOL = 1e-10


def make(cell, layers, bidirectional, seed=5):
    labels = ["neg", "pos"] if bidirectional else None
    m = rnnsim.random_model(
        cell, hidden=6, embed=5, bidirectional=bidirectional, seed=seed, num_layers=layers, labels=labels
    )
    for name in m.params:  # larger weights than the default: work the nonlinearities
        if name.startswith("rnn."):
            m.params[name] = m.params[name] * 2.0
    return m


def torch_run(model, tokens, surgery: Surgery, loss):
    """rnnsim's run, written again in torch: returns states, gates, grads and dL/dh."""
    P = {
        k: torch.tensor(v * (surgery.scale_recurrent if ".weight_hh_" in k else 1.0), requires_grad=True)
        for k, v in model.params.items()
    }  # the scaled W_hh is the leaf: its gradient is the one rnnsim reports
    H, cell = model.hidden, model.cell
    keep = torch.ones(H, dtype=torch.float64)
    keep[list(surgery.knockout)] = 0.0
    pins = dict(surgery.pins)
    ids = model.vocab.encode(tokens)
    T = len(ids)
    inp = P["embedding.weight"][torch.tensor(ids)]
    inp.retain_grad()
    x0 = inp
    rec = {}
    for k in range(model.num_layers):
        outs = []
        for d in model.directions:
            sfx = f"_l{k}" + ("_reverse" if d == "reverse" else "")
            W_ih, b_ih, b_hh = P["rnn.weight_ih" + sfx], P["rnn.bias_ih" + sfx], P["rnn.bias_hh" + sfx]
            W_hh = P["rnn.weight_hh" + sfx]
            h = torch.zeros(H, dtype=torch.float64)
            c = torch.zeros(H, dtype=torch.float64)
            hs = [None] * T
            order = range(T) if d == "forward" else range(T - 1, -1, -1)
            for t in order:
                gx, gh = W_ih @ inp[t] + b_ih, W_hh @ h + b_hh
                gates = {}
                if cell == "rnn":
                    raw = torch.tanh(gx + gh)
                elif cell == "lstm":
                    a = gx + gh
                    gates = {
                        "i": torch.sigmoid(a[:H]),
                        "f": torch.sigmoid(a[H : 2 * H]),
                        "g": torch.tanh(a[2 * H : 3 * H]),
                        "o": torch.sigmoid(a[3 * H :]),
                    }
                    gates = {
                        g: torch.full((H,), pins[g], dtype=torch.float64) if g in pins else v for g, v in gates.items()
                    }
                    raw_c = gates["f"] * c + gates["i"] * gates["g"]
                    raw_c.retain_grad()
                    c = raw_c * keep
                    raw = gates["o"] * torch.tanh(c)
                else:
                    r = torch.sigmoid(gx[:H] + gh[:H])
                    r = torch.full((H,), pins["r"], dtype=torch.float64) if "r" in pins else r
                    z = torch.sigmoid(gx[H : 2 * H] + gh[H : 2 * H])
                    z = torch.full((H,), pins["z"], dtype=torch.float64) if "z" in pins else z
                    n = torch.tanh(gx[2 * H :] + r * gh[2 * H :])
                    n = torch.full((H,), pins["n"], dtype=torch.float64) if "n" in pins else n
                    gates = {"r": r, "z": z, "n": n}
                    raw = (1 - z) * n + z * h
                raw.retain_grad()
                h = raw * keep
                hs[t] = h
                rec[k, d, t] = {"raw": raw, "gates": gates, **({"raw_c": raw_c, "c": c} if cell == "lstm" else {})}
            outs.append(torch.stack(hs))
        inp = outs[0] if len(outs) == 1 else torch.cat(outs, dim=1)
    if model.task == "classify":
        feat = outs[0][-1] if len(outs) == 1 else torch.cat([outs[0][-1], outs[1][0]])
        logits = P["head.weight"] @ feat + P["head.bias"]
        label = int(torch.argmax(logits))
        value = torch.nn.functional.cross_entropy(logits[None], torch.tensor([label]), reduction="sum")
    else:
        logits = inp @ P["head.weight"].T + P["head.bias"]
        pos = list(range(T - 1)) if loss == "all" else [loss]
        value = torch.nn.functional.cross_entropy(logits[pos], torch.tensor([ids[t + 1] for t in pos]), reduction="sum")
    value.backward()
    return P, rec, x0, value


def compare(model, surgery, loss="all"):
    tokens = model.tokenize(TEXT)
    tr = model.run(tokens, loss=loss, surgery=surgery)
    P, rec, x0, value = torch_run(model, tokens, surgery, loss)
    np.testing.assert_allclose(tr.loss, value.item(), rtol=TOL)
    T, H = len(tokens), model.hidden
    for k, layer in enumerate(tr.layers):
        for d, dt in layer.items():
            rows = [rec[k, d, t] for t in range(T)]
            np.testing.assert_allclose(
                dt.h, np.stack([(r["raw"]).detach().numpy() for r in rows]) * _keep(surgery, H), atol=TOL
            )
            np.testing.assert_allclose(
                dt.dh, np.stack([r["raw"].grad.numpy() for r in rows]), atol=TOL, err_msg=f"dh {k} {d}"
            )
            for g, v in dt.gates.items():
                np.testing.assert_allclose(v, np.stack([r["gates"][g].detach().numpy() for r in rows]), atol=TOL)
            if model.cell == "lstm":
                np.testing.assert_allclose(dt.c, np.stack([r["c"].detach().numpy() for r in rows]), atol=TOL)
                np.testing.assert_allclose(dt.dc, np.stack([r["raw_c"].grad.numpy() for r in rows]), atol=TOL)
    for name, g in tr.grads.items():
        np.testing.assert_allclose(g, P[name].grad.numpy(), atol=TOL, rtol=TOL, err_msg=name)
    np.testing.assert_allclose(tr.dx, x0.grad.numpy(), atol=TOL)
    return tr, rec


def _keep(surgery, H):
    keep = np.ones(H)
    keep[list(surgery.knockout)] = 0.0
    return keep


CONFIGS = [(c, L, bi) for c in ("lstm", "gru") for (L, bi) in ((1, False), (2, True))]


@pytest.mark.parametrize(("cell", "layers", "bi"), CONFIGS)
@pytest.mark.parametrize("pin", [{"lstm": "f", "gru": "z"}, {"lstm": "i", "gru": "r"}, {"lstm": "g", "gru": "n"}])
def test_pin_matches_torch(cell, layers, bi, pin):
    gate = pin[cell]
    value = 0.3 if gate in ("g", "n") else 1.0
    model = make(cell, layers, bi)
    tr, _ = compare(model, Surgery().with_pin(gate, value))
    for layer in tr.layers:
        for dt in layer.values():
            assert np.all(dt.gates[gate] == value)
            assert np.all(dt.dgates[gate] == 0.0)  # nothing reaches a pinned gate's pre-activation
    # and the run differs from the unpinned one: the pin did something
    assert abs(model.run(TEXT).loss - tr.loss) > 1e-6


def test_two_pins_lstm_matches_torch():
    compare(make("lstm", 1, False), Surgery().with_pin("f", 1.0).with_pin("o", 0.5), loss=4)


@pytest.mark.parametrize(("cell", "layers", "bi"), [*CONFIGS, ("rnn", 1, False), ("rnn", 2, True)])
def test_knockout_matches_torch(cell, layers, bi):
    model = make(cell, layers, bi)
    tr, rec = compare(model, Surgery().with_knockout([1, 4]))
    for layer in tr.layers:
        for dt in layer.values():
            assert np.all(dt.h[:, [1, 4]] == 0.0)
            assert np.all(dt.dh[:, [1, 4]] == 0.0)
            if cell == "lstm":
                assert np.all(dt.c[:, [1, 4]] == 0.0)
            for v in dt.gates.values():  # the gates are still computed: not all zero at those units
                assert np.abs(v[:, [1, 4]]).max() > 1e-3


@pytest.mark.parametrize(("cell", "layers", "bi"), [*CONFIGS, ("rnn", 1, False)])
def test_scale_recurrent_matches_torch(cell, layers, bi):
    model = make(cell, layers, bi)
    tr, _ = compare(model, Surgery().with_scale(1.7))
    assert np.allclose(tr.model.params["rnn.weight_hh_l0"], 1.7 * model.params["rnn.weight_hh_l0"])
    assert tr.model is not model  # the model itself is left as it was
    assert np.all(model.params["rnn.weight_hh_l0"] == make(cell, layers, bi).params["rnn.weight_hh_l0"])


@pytest.mark.parametrize(("cell", "layers", "bi"), [("gru", 2, True)])
def test_all_surgery_together_matches_torch(cell, layers, bi):
    compare(make(cell, layers, bi), Surgery().with_pin("r", 0.2).with_knockout([0]).with_scale(0.8))


@pytest.mark.parametrize("norm", [0.01, 0.5, 1e6])
def test_clip_scale_is_torch_clip_grad_norm(norm):
    model = make("lstm", 1, False)
    tr, _ = compare(model, Surgery().with_clip(norm))
    P, _, _, _ = torch_run(model, model.tokenize(TEXT), Surgery(), "all")
    params = list(P.values())
    total = torch.nn.utils.clip_grad_norm_(params, norm)
    np.testing.assert_allclose(tr.grad_norm(), total.item(), rtol=1e-12)
    expected_scale = min(1.0, norm / (total.item() + 1e-6))
    assert tr.clip_scale() == pytest.approx(expected_scale, rel=1e-12)
    clipped = tr.clipped_grads()
    for name, p in P.items():
        np.testing.assert_allclose(clipped[name], p.grad.numpy(), rtol=1e-12, atol=1e-15, err_msg=name)
    after = np.sqrt(sum(float(np.vdot(g, g)) for g in clipped.values()))
    assert after == pytest.approx(min(norm, tr.grad_norm()), rel=1e-5)
    d = tr.to_dict()
    assert d["clip_scale"] == tr.clip_scale() and d["surgery"]["clip"] == norm
