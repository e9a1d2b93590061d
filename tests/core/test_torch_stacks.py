"""Parity with PyTorch for every shape a model file can have: 1 to 3 layers x rnn/lstm/gru
x one or two directions x next/cloze/classify (where allowed) x word/char tokens, and
float16/bfloat16/bias=False files. Torch's own module gives the top states, logits, loss
and every parameter gradient; an unrolled copy on the module's weights gives each layer's
gates, cell states and the total dL/dh_t, dL/dc_t (retain_grad). All in float64, to 1e-8.
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

WORD_VOCAB = ["<unk>", "the", "cat", "sat", "on", "mat", "."]
WORD_TEXT = "The cat sat on the zebra mat ."  # zebra -> <unk>
CHAR_VOCAB = ["<unk>", "T", "h", "e", " ", "c", "a", "t"]
CHAR_TEXT = "The cat, That"  # ',' -> <unk>; 'T' and 't' are two tokens
LABELS = ["neg", "pos", "meh"]
E, H = 3, 4
TOL = 1e-8


class Net(nn.Module):
    def __init__(self, cell, layers, bidirectional, rows, V, bias=True):
        super().__init__()
        cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.embedding = nn.Embedding(V, E)
        self.rnn = cls(E, H, num_layers=layers, bidirectional=bidirectional, batch_first=True, bias=bias)
        self.head = nn.Linear((2 if bidirectional else 1) * H, rows)


def build(tmp_path, cell, layers, bidirectional, task, tokenizer, dtype=torch.float64, bias=True, seed=0):
    vocab = CHAR_VOCAB if tokenizer == "char" else WORD_VOCAB
    rows = len(LABELS) if task == "classify" else len(vocab)
    torch.manual_seed(seed)
    net = Net(cell, layers, bidirectional, rows, len(vocab), bias)
    with torch.no_grad():  # larger recurrent weights than the default: work the nonlinearities
        for p in net.rnn.parameters():
            p.mul_(2.0)
    meta = {
        "rnnsim.cell": cell,
        "rnnsim.bidirectional": "true" if bidirectional else "false",
        "rnnsim.task": task,
        "rnnsim.vocab": json.dumps(vocab),
    }
    if task == "classify":
        meta["rnnsim.labels"] = json.dumps(LABELS)
    if tokenizer == "char":
        meta["rnnsim.tokenizer"] = "char"
    path = tmp_path / "m.safetensors"
    save_file({k: v.detach().to(dtype).contiguous() for k, v in net.state_dict().items()}, str(path), metadata=meta)
    # torch in float64 on the very weights the file holds (rounded once to dtype, then exact)
    net.load_state_dict({k: v.to(dtype) for k, v in net.state_dict().items()})
    return rnnsim.load_model(path), net.double()


def head_input(task, fwd, rev):
    if task == "next":
        return fwd
    if task == "classify":
        return fwd[-1] if rev is None else torch.cat([fwd[-1], rev[0]])
    z = torch.zeros(1, fwd.shape[1], dtype=fwd.dtype)
    return torch.cat([torch.cat([z, fwd[:-1]]), torch.cat([rev[1:], z])], dim=1)


def scored_loss(task, logits, ids, label):
    if task == "classify":
        return nn.functional.cross_entropy(logits[None], torch.tensor([label]), reduction="sum")
    T = len(ids)
    pos = list(range(T - 1)) if task == "next" else list(range(T))
    tgt = [ids[t + 1] for t in pos] if task == "next" else [ids[t] for t in pos]
    return nn.functional.cross_entropy(logits[pos], torch.tensor(tgt), reduction="sum")


def torch_module_run(net, ids, task, bidirectional, label):
    net.zero_grad()
    out, _ = net.rnn(net.embedding(torch.tensor(ids)[None]))
    out = out[0]
    fwd, rev = out[:, :H], (out[:, H:] if bidirectional else None)
    logits = net.head(head_input(task, fwd, rev))
    loss = scored_loss(task, logits, ids, label)
    loss.backward()
    grads = {k: p.grad.numpy().copy() for k, p in net.named_parameters()}
    return fwd.detach().numpy(), logits.detach().numpy(), loss.item(), grads


def torch_unrolled(net, cell, layers, bidirectional, ids, task, label):
    """Every layer and direction one step at a time, on the module's weights."""
    net.zero_grad()
    T, dirs = len(ids), ["forward", "reverse"] if bidirectional else ["forward"]
    inp = net.embedding.weight[torch.tensor(ids)]
    rec = []
    for k in range(layers):
        layer, outs = {}, []
        for d in dirs:
            sfx = "_reverse" if d == "reverse" else ""
            W_ih, W_hh = getattr(net.rnn, f"weight_ih_l{k}{sfx}"), getattr(net.rnn, f"weight_hh_l{k}{sfx}")
            b_ih = getattr(net.rnn, f"bias_ih_l{k}{sfx}", None)
            b_hh = getattr(net.rnn, f"bias_hh_l{k}{sfx}", None)
            zero = torch.zeros(W_hh.shape[0], dtype=torch.float64)
            b_ih, b_hh = (zero if b is None else b for b in (b_ih, b_hh))
            h = c = torch.zeros(H, dtype=torch.float64)
            steps = {}
            for t in range(T) if d == "forward" else range(T - 1, -1, -1):
                gx, gh = W_ih @ inp[t] + b_ih, W_hh @ h + b_hh
                s = {}
                if cell == "rnn":
                    h = torch.tanh(gx + gh)
                elif cell == "lstm":
                    a = gx + gh
                    i, f, g, o = (
                        torch.sigmoid(a[:H]),
                        torch.sigmoid(a[H : 2 * H]),
                        torch.tanh(a[2 * H : 3 * H]),
                        torch.sigmoid(a[3 * H :]),
                    )
                    c = f * c + i * g
                    c.retain_grad()
                    h = o * torch.tanh(c)
                    s.update(gates={"i": i, "f": f, "g": g, "o": o}, c=c)
                else:
                    r, z = torch.sigmoid(gx[:H] + gh[:H]), torch.sigmoid(gx[H : 2 * H] + gh[H : 2 * H])
                    n = torch.tanh(gx[2 * H :] + r * gh[2 * H :])
                    h = (1 - z) * n + z * h
                    s["gates"] = {"r": r, "z": z, "n": n}
                h.retain_grad()
                s["h"] = h
                steps[t] = s
            layer[d] = [steps[t] for t in range(T)]
            outs.append(torch.stack([s["h"] for s in layer[d]]))
        inp = torch.cat(outs, dim=1)
        rec.append(layer)
    top = rec[-1]
    fwd = torch.stack([s["h"] for s in top["forward"]])
    rev = torch.stack([s["h"] for s in top["reverse"]]) if bidirectional else None
    scored_loss(task, net.head(head_input(task, fwd, rev)), ids, label).backward()

    def grad(x):
        return np.zeros(tuple(x.shape)) if x.grad is None else x.grad.numpy()

    return rec, grad


def check(model, net, cell, layers, bidirectional, task, text):
    trace = model.run(text, label=1 if task == "classify" else None)
    ids = trace.ids.tolist()
    fwd, logits, loss, grads = torch_module_run(net, ids, task, bidirectional, 1)
    close = np.testing.assert_allclose
    close(trace.forward.h, fwd, rtol=TOL, atol=TOL, err_msg="top forward h")
    close(trace.logits, logits, rtol=TOL, atol=TOL, err_msg="logits")
    assert trace.loss == pytest.approx(loss, rel=TOL)
    assert set(trace.grads) == set(_named_grads(net))  # bias=False: no bias gradients, as in torch
    for name, g in _named_grads(net).items():
        close(trace.grads[name], g, rtol=TOL, atol=TOL, err_msg=f"grad {name}")
    rec, grad = torch_unrolled(net, cell, layers, bidirectional, ids, task, 1)
    assert len(trace.layers) == layers
    for k, layer in enumerate(rec):
        for d, steps in layer.items():
            tr, what = trace.layers[k][d], f"layer {k} {d}"
            close(tr.h, np.stack([s["h"].detach().numpy() for s in steps]), rtol=TOL, atol=TOL, err_msg=f"{what} h")
            close(tr.dh, np.stack([grad(s["h"]) for s in steps]), rtol=TOL, atol=TOL, err_msg=f"{what} dL/dh")
            for g in steps[0].get("gates", {}):
                v = np.stack([s["gates"][g].detach().numpy() for s in steps])
                close(tr.gates[g], v, rtol=TOL, atol=TOL, err_msg=f"{what} gate {g}")
            if cell == "lstm":
                close(tr.c, np.stack([s["c"].detach().numpy() for s in steps]), rtol=TOL, atol=TOL, err_msg=f"{what} c")
                close(tr.dc, np.stack([grad(s["c"]) for s in steps]), rtol=TOL, atol=TOL, err_msg=f"{what} dL/dc")
    return trace


def _named_grads(net):
    out = {}
    for mod in ("embedding", "rnn", "head"):
        for k, p in getattr(net, mod).named_parameters():
            out[f"{mod}.{k}"] = p.grad.numpy()
    return out


SHAPES = [
    (layers, bi, task)
    for layers in (1, 2, 3)
    for bi in (False, True)
    for task in ("next", "cloze", "classify")
    if (task == "next") != bi or task == "classify"
    if not (task == "cloze" and layers > 1)
]


@pytest.mark.parametrize("tokenizer", ["word", "char"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    ("layers", "bidirectional", "task"), SHAPES, ids=[f"L{a}-{'bi' if b else 'uni'}-{c}" for a, b, c in SHAPES]
)
def test_parity_every_shape(tmp_path, layers, bidirectional, task, cell, tokenizer):
    model, net = build(tmp_path, cell, layers, bidirectional, task, tokenizer)
    assert (model.num_layers, model.task, model.tokenizer) == (layers, task, tokenizer)
    trace = check(model, net, cell, layers, bidirectional, task, CHAR_TEXT if tokenizer == "char" else WORD_TEXT)
    if tokenizer == "char":
        assert trace.tokens == list(CHAR_TEXT)  # every character, spaces and case kept
        assert trace.ids.tolist()[:2] == [1, 2] and trace.ids[CHAR_TEXT.index(",")] == 0  # 'T' 'h'; ',' is <unk>
        assert trace.ids[CHAR_TEXT.index("t")] == 7 and trace.ids[CHAR_TEXT.rindex("T")] == 1


@pytest.mark.parametrize(
    ("dtype", "bias", "cell", "layers", "bidirectional", "task"),
    [
        (torch.float16, True, "lstm", 2, False, "next"),
        (torch.bfloat16, True, "gru", 2, True, "classify"),
        (torch.bfloat16, True, "rnn", 1, True, "cloze"),
        (torch.float64, False, "lstm", 2, True, "classify"),
        (torch.float32, False, "gru", 3, False, "next"),
    ],
    ids=["f16-lstm", "bf16-gru", "bf16-rnn", "nobias-lstm", "nobias-gru"],
)
def test_parity_half_precision_and_bias_free_files(tmp_path, dtype, bias, cell, layers, bidirectional, task):
    model, net = build(tmp_path, cell, layers, bidirectional, task, "word", dtype=dtype, bias=bias)
    assert model.bias is bias and all(v.dtype == np.float64 for v in model.params.values())
    if not bias:
        assert not [k for k in model.params if ".bias_" in k.replace("head.bias", "")]
    check(model, net, cell, layers, bidirectional, task, WORD_TEXT)
