"""A deliberately plain reference forward pass, for the tests only.

It is written straight from PyTorch's equations, one token at a time, with no
shared code from rnnsim.core, and it accepts additive offsets on any h_t, c_t
and gate pre-activation. The derivative of the loss with respect to such an
offset, at zero, is exactly the *total* derivative rnnsim reports (dL/dh_t,
dL/dc_t, dL/d pre-activation), so central differences on the offsets check them.

Offsets: {(direction, kind, position): vector}, kind in "h", "c", "pre";
a "pre" offset has G*H entries in PyTorch's row order (i|f|g|o, r|z|n). An offset on
the word's embedding row, which both directions read, is keyed ("input", "x", position).
"""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def direction_states(model, ids, direction, offsets=None):
    """h (and c) of one direction, row t = position t."""
    offsets = offsets or {}
    sfx = "_reverse" if direction == "reverse" else ""
    p = model.params
    W_ih, W_hh = p[f"rnn.weight_ih_l0{sfx}"], p[f"rnn.weight_hh_l0{sfx}"]
    b_ih, b_hh = p[f"rnn.bias_ih_l0{sfx}"], p[f"rnn.bias_hh_l0{sfx}"]
    E = p["embedding.weight"]
    T, H = len(ids), model.hidden
    order = range(T) if direction == "forward" else range(T - 1, -1, -1)
    h, c = np.zeros(H), np.zeros(H)
    hs, cs = np.zeros((T, H)), np.zeros((T, H))
    zero = np.zeros(W_hh.shape[0])
    for t in order:
        x = E[ids[t]] + offsets.get(("input", "x", t), 0.0)
        d_pre = offsets.get((direction, "pre", t), zero)
        gx = W_ih @ x + b_ih
        gh = W_hh @ h + b_hh
        if model.cell == "rnn":
            a = gx + gh + d_pre
            h = np.tanh(a) if model.nonlinearity == "tanh" else np.maximum(a, 0.0)
        elif model.cell == "lstm":
            a = gx + gh + d_pre
            i, f = sigmoid(a[:H]), sigmoid(a[H : 2 * H])
            g, o = np.tanh(a[2 * H : 3 * H]), sigmoid(a[3 * H :])
            c = f * c + i * g + offsets.get((direction, "c", t), 0.0)
            h = o * np.tanh(c)
        else:  # gru
            r = sigmoid(gx[:H] + gh[:H] + d_pre[:H])
            z = sigmoid(gx[H : 2 * H] + gh[H : 2 * H] + d_pre[H : 2 * H])
            n = np.tanh(gx[2 * H :] + r * gh[2 * H :] + d_pre[2 * H :])
            h = (1 - z) * n + z * h
        h = h + offsets.get((direction, "h", t), 0.0)
        hs[t], cs[t] = h, c
    return hs, cs


def features(model, hs):
    """What the head reads at each position."""
    if model.task == "next":
        return hs["forward"]
    T, H = hs["forward"].shape
    left = np.vstack([np.zeros((1, H)), hs["forward"][:-1]])
    right = np.vstack([hs["reverse"][1:], np.zeros((1, H))])
    return np.hstack([left, right])


def reference_loss(model, ids, loss="all", offsets=None):
    """(loss, logits) with the sum-of-cross-entropy convention of rnnsim."""
    hs = {d: direction_states(model, ids, d, offsets)[0] for d in model.directions}
    logits = features(model, hs) @ model.params["head.weight"].T + model.params["head.bias"]
    T = len(ids)
    if model.task == "next":
        targets = {t: ids[t + 1] for t in range(T - 1)}
    else:
        targets = {t: ids[t] for t in range(T)}
    if loss == "all":
        positions = sorted(targets)
    elif loss == "last":
        positions = sorted(targets)[-1:]
    else:
        positions = [loss]
    total = 0.0
    for t in positions:
        z = logits[t]
        m = z.max()
        total += m + np.log(np.exp(z - m).sum()) - z[targets[t]]
    return total, logits
