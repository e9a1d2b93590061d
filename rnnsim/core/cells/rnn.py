"""The Elman cell: h' = tanh(W_ih x + b_ih + W_hh h + b_hh), or relu."""

from __future__ import annotations

import numpy as np

from .common import Weights, add, dot, initial, maximum, mul, row_shape, surgery_parts, tanh


class ElmanCell:
    name = "rnn"
    gates = ()

    def __init__(self, nonlinearity: str = "tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"unknown nonlinearity {nonlinearity!r}: use tanh or relu")
        self.nonlinearity = nonlinearity

    def forward(self, xp, w: Weights, h0=None, c0=None, overwrite_xp=False, surgery=None) -> dict[str, np.ndarray]:
        """xp [T, (B,) H] = W_ih x + b_ih in processing order; returns pre and h."""
        xpb = add(xp, w.b_hh, xp if overwrite_xp else None)  # b_hh is constant over time
        pre, hs = np.empty(xpb.shape), np.empty(xpb.shape)
        act = tanh if self.nonlinearity == "tanh" else None
        whh_t, h = w.whh_t, initial(h0, row_shape(xp, w.hidden))
        keep = surgery_parts(surgery, w.hidden)[1]  # knocked-out units (a plain RNN has no gates to pin)
        for pre_t, x_t, h_t in zip(pre, xpb, hs, strict=True):
            dot(h, whh_t, pre_t)
            add(pre_t, x_t, pre_t)
            if act is None:
                maximum(pre_t, 0.0, out=h_t)
            else:
                act(pre_t, h_t)
            if keep is not None:
                mul(h_t, keep, h_t)
            h = h_t
        return {"pre": pre, "h": hs}

    def backward(self, st, dh_direct, w: Weights, h0=None, c0=None, surgery=None) -> dict[str, np.ndarray]:
        """dh_direct: the gradient reaching each h_t from outside the recurrence (the head,
        the layer above). Returns the total dL/dh_t and dL/d(pre-activation)."""
        if self.nonlinearity == "tanh":
            deriv = 1.0 - st["h"] ** 2
        else:
            deriv = (st["pre"] > 0).astype(float)
        dh, da = np.empty(dh_direct.shape), np.empty(dh_direct.shape)
        dh_next = np.zeros(dh_direct.shape[1:])
        w_hh, keep = w.w_hh, surgery_parts(surgery, w.hidden)[1]
        for d_t, dh_t, k_t, da_t in zip(dh_direct[::-1], dh[::-1], deriv[::-1], da[::-1], strict=True):
            add(d_t, dh_next, dh_t)
            if keep is not None:
                mul(dh_t, keep, dh_t)
            mul(dh_t, k_t, da_t)
            dot(da_t, w_hh, dh_next)
        return {"dh": dh, "da_x": da, "da_h": da}
