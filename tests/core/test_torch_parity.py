"""Parity with PyTorch, from a model file torch itself saved.

A torch module with submodules `embedding`, `rnn` (nn.RNN/LSTM/GRU, batch_first)
and `head` saves its state_dict with safetensors; rnnsim loads the file and must
reproduce torch's states, logits, summed cross-entropy and every parameter
gradient. Torch does not expose gates, per-step cell states or the total dL/dh_t,
so a second, unrolled torch computation (torch ops on the module's own weights,
checked against the module's outputs) provides them via autograd.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import rnnsim
from tests.torch_required import import_torch

torch = import_torch("the PyTorch parity tests need it")
from safetensors.torch import save_file  # noqa: E402
from torch import nn  # noqa: E402

VOCAB = ["<unk>", "the", "cat", "sat", "on", "mat", ".", "dog", "ran"]
TOKENS = ["the", "cat", "sat", "on", "the", "zebra", "mat", "."]  # zebra -> <unk>
E, H = 5, 6

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
CELL_IDS = ["rnn-tanh", "rnn-relu", "lstm", "gru"]


class Net(nn.Module):
    def __init__(self, cell, nonlinearity, bidirectional):
        super().__init__()
        V = len(VOCAB)
        kw = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.embedding = nn.Embedding(V, E)
        self.rnn = cls(E, H, batch_first=True, bidirectional=bidirectional, **kw)
        self.head = nn.Linear((2 if bidirectional else 1) * H, V)


def make_net(cell, nonlinearity, bidirectional, seed=0):
    torch.manual_seed(seed)
    net = Net(cell, nonlinearity, bidirectional)
    with torch.no_grad():  # larger recurrent weights than the default: work the nonlinearities
        for p in net.rnn.parameters():
            p.mul_(2.0)
    return net


def save(net, path, cell, nonlinearity, bidirectional, dtype):
    meta = {
        "rnnsim.cell": cell,
        "rnnsim.bidirectional": "true" if bidirectional else "false",
        "rnnsim.task": "cloze" if bidirectional else "next",
        "rnnsim.vocab": json.dumps(VOCAB),
    }
    if cell == "rnn":
        meta["rnnsim.nonlinearity"] = nonlinearity
    sd = {k: v.detach().to(dtype).contiguous() for k, v in net.state_dict().items()}
    save_file(sd, str(path), metadata=meta)


def targets_and_positions(ids, bidirectional, loss):
    T = len(ids)
    if bidirectional:
        targets = {t: ids[t] for t in range(T)}
    else:
        targets = {t: ids[t + 1] for t in range(T - 1)}
    scored = sorted(targets)
    positions = {"all": scored, "last": scored[-1:]}.get(loss, [loss])
    return targets, positions


def head_features(fwd, rev, bidirectional):
    if not bidirectional:
        return fwd
    z = torch.zeros(1, fwd.shape[1], dtype=fwd.dtype)
    return torch.cat([torch.cat([z, fwd[:-1]]), torch.cat([rev[1:], z])], dim=1)


def torch_module_run(net, ids, bidirectional, loss):
    """States, logits, loss and parameter grads from the torch module itself (float64)."""
    net = net.double()
    net.zero_grad()
    x = torch.tensor(ids)[None]
    emb = net.embedding(x)
    emb.retain_grad()  # dL/dx_t: the gradient at each position's embedding row
    out, hc = net.rnn(emb)
    out = out[0]
    fwd, rev = out[:, :H], (out[:, H:] if bidirectional else None)
    logits = net.head(head_features(fwd, rev, bidirectional))
    targets, positions = targets_and_positions(ids, bidirectional, loss)
    value = nn.functional.cross_entropy(
        logits[positions], torch.tensor([targets[t] for t in positions]), reduction="sum"
    )
    value.backward()
    grads = {k: p.grad.detach().numpy().copy() for k, p in net.named_parameters()}
    return {
        "forward": fwd.detach().numpy(),
        "reverse": None if rev is None else rev.detach().numpy(),
        "final": hc,
        "logits": logits.detach().numpy(),
        "loss": value.item(),
        "grads": grads,
        "dx": emb.grad[0].numpy().copy(),
    }


def torch_unrolled(net, cell, nonlinearity, ids, bidirectional, loss):
    """The same network as torch ops, one step at a time, on the module's weights:
    gates, cell states and the total derivatives by autograd (retain_grad)."""
    net = net.double()
    net.zero_grad()
    T = len(ids)
    X = net.embedding.weight[torch.tensor(ids)]
    dirs = ["forward", "reverse"] if bidirectional else ["forward"]
    rec = {d: {} for d in dirs}
    for d in dirs:
        sfx = "_reverse" if d == "reverse" else ""
        W_ih, W_hh, b_ih, b_hh = (
            getattr(net.rnn, f"{k}_l0{sfx}") for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        h = torch.zeros(H, dtype=torch.float64)
        c = torch.zeros(H, dtype=torch.float64)
        order = range(T) if d == "forward" else range(T - 1, -1, -1)
        for t in order:
            gx, gh = W_ih @ X[t] + b_ih, W_hh @ h + b_hh
            r = {}
            if cell == "rnn":
                a = gx + gh
                a.retain_grad()
                h = torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)
                r["pre"] = [a]
            elif cell == "lstm":
                a = gx + gh
                a.retain_grad()
                i, f = torch.sigmoid(a[:H]), torch.sigmoid(a[H : 2 * H])
                g, o = torch.tanh(a[2 * H : 3 * H]), torch.sigmoid(a[3 * H :])
                c = f * c + i * g
                c.retain_grad()
                h = o * torch.tanh(c)
                r.update(pre=[a], gates={"i": i, "f": f, "g": g, "o": o}, c=c)
            else:
                a_r, a_z = gx[:H] + gh[:H], gx[H : 2 * H] + gh[H : 2 * H]
                rr, z = torch.sigmoid(a_r), torch.sigmoid(a_z)
                a_n = gx[2 * H :] + rr * gh[2 * H :]
                for a in (a_r, a_z, a_n):
                    a.retain_grad()
                n = torch.tanh(a_n)
                h = (1 - z) * n + z * h
                r.update(pre=[a_r, a_z, a_n], gates={"r": rr, "z": z, "n": n})
            h.retain_grad()
            r["h"] = h
            rec[d][t] = r
    fwd = torch.stack([rec["forward"][t]["h"] for t in range(T)])
    rev = torch.stack([rec["reverse"][t]["h"] for t in range(T)]) if bidirectional else None
    logits = net.head(head_features(fwd, rev, bidirectional))
    targets, positions = targets_and_positions(ids, bidirectional, loss)
    value = nn.functional.cross_entropy(
        logits[positions], torch.tensor([targets[t] for t in positions]), reduction="sum"
    )
    value.backward()

    def grad(x):
        return np.zeros(x.shape) if x.grad is None else x.grad.numpy()

    out = {}
    for d in dirs:
        rows = [rec[d][t] for t in range(T)]
        o = {
            "h": np.stack([r["h"].detach().numpy() for r in rows]),
            "dh": np.stack([grad(r["h"]) for r in rows]),
            "pre": np.stack([np.concatenate([a.detach().numpy() for a in r["pre"]]) for r in rows]),
            "dpre": np.stack([np.concatenate([grad(a) for a in r["pre"]]) for r in rows]),
        }
        if cell != "rnn":
            names = rows[0]["gates"]
            o["gates"] = {g: np.stack([r["gates"][g].detach().numpy() for r in rows]) for g in names}
        if cell == "lstm":
            o["c"] = np.stack([r["c"].detach().numpy() for r in rows])
            o["dc"] = np.stack([grad(r["c"]) for r in rows])
        out[d] = o
    return out


def close(a, b, what, tol):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=what)


def check_parity(tmp_path, cell, nonlinearity, bidirectional, dtype, loss="all"):
    net = make_net(cell, nonlinearity, bidirectional)
    path = tmp_path / "model.safetensors"
    save(net, path, cell, nonlinearity, bidirectional, dtype)
    model = rnnsim.load_model(path)
    assert model.cell == cell and model.bidirectional == bidirectional
    assert model.nonlinearity == nonlinearity
    assert model.params["rnn.weight_hh_l0"].dtype == np.float64  # computes in float64

    trace = model.run(TOKENS, loss=loss)
    ids = trace.ids.tolist()
    assert ids == [VOCAB.index(t) if t in VOCAB else 0 for t in TOKENS]
    # torch in float64 on the very weights the file holds (float32 files: rounded once, then exact).
    net.load_state_dict({k: v.to(dtype) for k, v in net.state_dict().items()})
    ref = torch_module_run(net, ids, bidirectional, loss)
    tol = 1e-10

    close(trace.forward.h, ref["forward"], "forward h", tol)
    if bidirectional:
        close(trace.reverse.h, ref["reverse"], "reverse h", tol)
    close(trace.logits, ref["logits"], "logits", tol)
    assert trace.loss == pytest.approx(ref["loss"], rel=tol)
    assert set(trace.grads) == set(ref["grads"])
    for name, g in ref["grads"].items():
        close(trace.grads[name], g, f"grad {name}", tol)
    close(trace.dx, ref["dx"], "dL/dx at each embedding row", tol)

    unrolled = torch_unrolled(net, cell, nonlinearity, ids, bidirectional, loss)
    for d, u in unrolled.items():
        tr = trace.directions[d]
        close(u["h"], ref[d], f"unrolled torch {d} h vs nn module", tol)  # the unrolled copy is faithful
        close(tr.pre, u["pre"], f"{d} pre-activations", tol)
        close(tr.dh, u["dh"], f"{d} dL/dh", tol)
        dpre = np.hstack(list(tr.dgates.values()))
        close(dpre, u["dpre"], f"{d} dL/dpre", tol)
        for g, v in u.get("gates", {}).items():
            close(tr.gates[g], v, f"{d} gate {g}", tol)
        if cell == "lstm":
            close(tr.c, u["c"], f"{d} c", tol)
            close(tr.dc, u["dc"], f"{d} dL/dc", tol)
    # torch's final states: forward at position T-1, reverse at position 0.
    final = ref["final"]
    h_n = (final[0] if cell == "lstm" else final)[:, 0].detach().numpy()
    close(trace.forward.h[-1], h_n[0], "h_n forward", tol)
    if bidirectional:
        close(trace.reverse.h[0], h_n[1], "h_n reverse", tol)
    if cell == "lstm":
        c_n = final[1][:, 0].detach().numpy()
        close(trace.forward.c[-1], c_n[0], "c_n forward", tol)
        if bidirectional:
            close(trace.reverse.c[0], c_n[1], "c_n reverse", tol)
    return model, net


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell", CELLS, ids=CELL_IDS)
def test_parity_with_torch(tmp_path, cell, bidirectional, dtype):
    check_parity(tmp_path, *cell, bidirectional, dtype)


@pytest.mark.parametrize("loss", ["last", 3])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_parity_other_loss_modes(tmp_path, cell, bidirectional, loss):
    check_parity(tmp_path, cell, "tanh", bidirectional, torch.float64, loss=loss)


def test_float32_file_close_to_torch_float32(tmp_path):
    """rnnsim computes in float64; torch float32 on the same file agrees to float32 precision."""
    net = make_net("lstm", "tanh", True)
    path = tmp_path / "m.safetensors"
    save(net, path, "lstm", "tanh", True, torch.float32)
    trace = rnnsim.load_model(path).run(TOKENS)
    x = torch.tensor(trace.ids.tolist())[None]
    with torch.no_grad():
        out, _ = net.float().rnn(net.embedding(x))
    np.testing.assert_allclose(trace.forward.h, out[0, :, :H].numpy(), atol=1e-5)
    np.testing.assert_allclose(trace.reverse.h, out[0, :, H:].numpy(), atol=1e-5)


def test_rnnsim_file_loads_into_torch(tmp_path):
    """The other way round: save_model writes names and shapes torch's load_state_dict accepts."""
    from safetensors.torch import load_file

    model = rnnsim.random_model("gru", vocab=VOCAB, hidden=H, embed=E, bidirectional=True, seed=4)
    path = tmp_path / "m.safetensors"
    rnnsim.save_model(model, path, dtype=np.float64)
    net = Net("gru", "tanh", True).double()
    net.load_state_dict(load_file(str(path)))  # strict: every name and shape must match
    ids = model.vocab.encode(TOKENS)
    ref = torch_module_run(net, ids, True, "all")
    trace = model.run(TOKENS)
    np.testing.assert_allclose(trace.logits, ref["logits"], atol=1e-10)
    assert trace.loss == pytest.approx(ref["loss"], rel=1e-10)
