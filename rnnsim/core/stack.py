"""A stack of L recurrent layers, each with one or two directions, over a sequence
(`[T, E]`) or a minibatch (`[T, B, E]` with each sequence's length): forward and BPTT.

Layer 0 reads the embeddings; layer k > 0 reads the output of the layer below,
`cat(h_fwd[t], h_rev[t])` when it has two directions, exactly as PyTorch does. The
reverse direction reads each sequence from its own last token to its first (in a
minibatch, padding stays at the end of every sequence in both directions, so it never
reaches a real token's state and nothing needs masking). Everything is kept per
(layer, direction): `layers[k][direction]`.

Backward takes the direct gradient at the top layer's states (from the head) and
returns every parameter gradient, each layer's total derivatives and dL/dx at the
embeddings. A layer's input gradient is the direct gradient of the layer below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cells import Weights, make_cell


@dataclass
class Pass:
    """One direction of one layer: its loop's state (processing order) and what BPTT needs."""

    st: dict[str, np.ndarray]  # the cell's arrays, processing order
    h: np.ndarray  # the hidden states in position order
    inp: np.ndarray  # the layer's input, position order
    w_ih: np.ndarray
    w: Weights
    h0: np.ndarray | None = None
    c0: np.ndarray | None = None


def flipper(shape: tuple[int, ...], lengths=None):
    """flip(a, direction): position order <-> processing order (an involution). The
    reverse direction of a minibatch reverses each sequence within its own length."""
    if lengths is None or len(shape) < 3:

        def flip(a, direction):
            return a if direction == "forward" else a[::-1]

        return flip
    T, B = shape[:2]
    t = np.arange(T)[:, None]
    lens = np.asarray(lengths)[None, :]
    rows = np.where(t < lens, lens - 1 - t, t)
    cols = np.arange(B)[None, :]

    def flip(a, direction):
        return a if direction == "forward" else a[rows, cols]

    return flip


def forward(model, X: np.ndarray, lengths=None, h0=None, c0=None, surgery=None) -> list[dict[str, Pass]]:
    """Run every layer and direction over X. h0, c0: {(layer, direction): initial state}.
    surgery: a CellSurgery (pinned gates, knocked-out units) every loop applies."""
    cell = make_cell(model.cell, model.nonlinearity)
    kw = {"surgery": surgery} if surgery else {}
    flip = flipper(X.shape, lengths)
    inp = X
    layers = []
    for k in range(model.num_layers):
        runs = {}
        for d in model.directions:
            w_ih, w_hh, b_ih, b_hh = model.layer_params(k, d)
            w = Weights(w_hh, b_hh)
            xp = inp @ w_ih.T  # one GEMM for every input projection
            xp += b_ih
            hh0 = None if h0 is None else h0.get((k, d))
            cc0 = None if c0 is None else c0.get((k, d))
            st = cell.forward(flip(xp, d), w, hh0, cc0, overwrite_xp=True, **kw)
            runs[d] = Pass(st, flip(st["h"], d), inp, w_ih, w, hh0, cc0)
        layers.append(runs)
        hs = [p.h for p in runs.values()]
        inp = hs[0] if len(hs) == 1 else np.concatenate(hs, axis=-1)
    return layers


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, a.shape[-1])


def backward(model, layers, direct: dict[str, np.ndarray], lengths=None, keep: bool = True, surgery=None):
    """BPTT through the stack. direct: the head's gradient at the top layer's h by
    direction (position order). Returns (grads by tensor name, per layer {direction: the
    cell's backward arrays in position order} (empty dicts unless keep), dL/dX from each
    direction {direction: [T, (B,) E]}). surgery: the forward pass's CellSurgery."""
    cell = make_cell(model.cell, model.nonlinearity)
    kw = {"surgery": surgery} if surgery else {}
    flip = flipper(layers[0]["forward"].inp.shape, lengths)
    grads: dict[str, np.ndarray] = {}
    backs: list[dict] = [{} for _ in layers]
    for k in range(len(layers) - 1, -1, -1):
        g_inp = {}  # the gradient at the layer's input from each direction, position order
        for d, p in layers[k].items():
            b = cell.backward(p.st, flip(direct[d], d), p.w, p.h0, p.c0, **kw)
            da_x, da_h = b["da_x"], b["da_h"]
            rx, rh, inp, h_prev = _weight_rows(da_x, da_h, p, d, flip)
            rh_all = rh if rh.shape == da_h.shape else da_h  # every step has b_hh, also the first
            name = model.tensor_name
            grads[name("weight_ih", k, d)] = _flat(rx).T @ _flat(inp)
            grads[name("weight_hh", k, d)] = _flat(rh).T @ _flat(h_prev)
            if model.bias:
                db = _flat(rx).sum(axis=0)
                grads[name("bias_ih", k, d)] = db
                grads[name("bias_hh", k, d)] = db.copy() if da_h is da_x else _flat(rh_all).sum(axis=0)
            g_inp[d] = flip((_flat(da_x) @ p.w_ih).reshape(*da_x.shape[:-1], -1), d)
            if keep:
                backs[k][d] = {key: flip(v, d) for key, v in b.items()}
        if k > 0:
            d_inp = sum(g_inp.values())
            H = model.hidden
            direct = {d: d_inp[..., j * H : (j + 1) * H] for j, d in enumerate(model.directions)}
    return grads, backs, g_inp


def _weight_rows(da_x, da_h, p: Pass, d: str, flip):
    """The rows the weight gradients sum over: (da_x, da_h, the layer's input, the state
    before each step). One sequence starting from zero leaves out the first step (its
    previous state is zero). A minibatch sums every row, from each sequence's initial state,
    and the reverse direction's rows from the last padded position back (padding rows are
    zero): the summation order the shipped trained models were made with, kept so that
    scripts/make_models.py gives the same bytes."""
    h = p.st["h"]
    if h.ndim == 2:
        if p.h0 is None:
            return da_x, da_h[1:], flip(p.inp, d), h[:-1]
        return da_x, da_h, flip(p.inp, d), np.concatenate([p.h0[None], h[:-1]])
    h0 = np.zeros(h.shape[1:]) if p.h0 is None else p.h0
    if d == "forward":
        return da_x, da_h, p.inp, np.concatenate([h0[None], h[:-1]])
    T, B = h.shape[:2]
    h_prev = np.zeros(h.shape)  # position order: the reverse state after reading t+1..
    h_prev[:-1] = p.h[1:]
    last = flip(np.broadcast_to(np.arange(T)[:, None], (T, B)), d)[0]  # each sequence's last position
    h_prev[last, np.arange(B)] = h0
    rx = flip(da_x, d)[::-1]
    rh = rx if da_h is da_x else flip(da_h, d)[::-1]
    return rx, rh, p.inp[::-1], h_prev[::-1]
