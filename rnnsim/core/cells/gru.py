"""The GRU cell, rows r|z|n as PyTorch stacks them:
    r, z = sigmoid(W_ih x + b_ih + W_hh h + b_hh)
    n    = tanh(W_in x + b_in + r*(W_hn h + b_hn))
    h'   = (1-z)*n + z*h
The reset gate multiplies `W_hn h + b_hn`, after the matrix product: PyTorch's (and
cuDNN's) convention, not the 2014 paper's r*h inside the product.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .common import Weights, add, dot, initial, mul, row_shape, seq_shape, sub, surgery_parts, tanh


@lru_cache(maxsize=16)
def _scale(hidden: int):
    s = np.ones(3 * hidden)
    s[: 2 * hidden] = 0.5  # r and z are sigmoids: sigmoid(x) = (1 + tanh(x/2)) / 2
    s.flags.writeable = False
    return s


class GRUCell:
    name = "gru"
    gates = ("r", "z", "n")

    def forward(self, xp, w: Weights, h0=None, c0=None, overwrite_xp=False, surgery=None) -> dict[str, np.ndarray]:
        H = w.hidden
        pins, keep = surgery_parts(surgery, H)  # pinned gates, knocked-out units
        pin_rz = [(rows_k, v) for rows_k, v in pins if rows_k.start < 2 * H]
        pin_n = [v for rows_k, v in pins if rows_k.start == 2 * H]
        H2 = 2 * H
        ws = w.get("gru", lambda: w.whh_t * _scale(H))  # r, z rows halved
        # r and z take b_hh as a constant; n's b_hn sits inside r*(...), so it stays.
        xrz = add(xp[..., :H2], w.b_hh[:H2], xp[..., :H2] if overwrite_xp else None)
        xrz *= 0.5
        xn = xp[..., H2:]
        b_hn = w.b_hh[H2:]
        pre, act = np.empty(xp.shape), np.empty(xp.shape)
        hn, hs = np.empty(seq_shape(xp, H)), np.empty(seq_shape(xp, H))
        hh = np.empty(row_shape(xp, 3 * H))
        hh_rz, hh_n = hh[..., :H2], hh[..., H2:]
        tmp = np.empty(row_shape(xp, H))
        h = initial(h0, row_shape(xp, H))
        rows = zip(
            pre[..., :H2], pre[..., H2:], act[..., :H2], act[..., :H], act[..., H:H2], act[..., H2:],
            xrz, xn, hn, hs, strict=True,
        )  # fmt: skip
        for urz_t, pn_t, rz_t, r, z, n, xrz_t, xn_t, hn_t, h_t in rows:
            dot(h, ws, hh)
            add(hh_rz, xrz_t, urz_t)  # half the r, z pre-activations
            tanh(urz_t, rz_t)
            mul(rz_t, 0.5, rz_t)
            add(rz_t, 0.5, rz_t)  # r, z = sigmoid
            for rows_k, v in pin_rz:
                rz_t[..., rows_k] = v
            add(hh_n, b_hn, hn_t)  # W_hn h + b_hn
            mul(r, hn_t, pn_t)
            add(pn_t, xn_t, pn_t)
            tanh(pn_t, n)
            if pin_n:
                n[...] = pin_n[0]
            mul(z, n, tmp)
            sub(n, tmp, h_t)
            mul(z, h, tmp)
            add(h_t, tmp, h_t)  # h' = (1-z)*n + z*h, rounded as n - z*n + z*h
            if keep is not None:
                mul(h_t, keep, h_t)  # knocked-out units held at 0
            h = h_t
        pre[..., :H2] *= 2.0  # exact
        return {"pre": pre, "act": act, "hn": hn, "h": hs}

    def backward(self, st, dh_direct, w: Weights, h0=None, c0=None, surgery=None) -> dict[str, np.ndarray]:
        H = w.hidden
        pins, keep = surgery_parts(surgery, H)
        pinned = {rows_k.start // H for rows_k, _ in pins}  # 0 r, 1 z, 2 n
        act, hn, h = st["act"], st["hn"], st["h"]
        r, z, n = act[..., :H], act[..., H : 2 * H], act[..., 2 * H :]
        # v_t = dh_t * [p_r, p_z, p_n*r]: the recurrent-side gradient da_h;
        # dL/dh_{t-1} = v_t W_hh + dh_t * z_t (the direct path through z*h).
        coef = np.empty(seq_shape(h, 3 * H))
        p_r, p_z, p_nr = (coef[..., k * H : (k + 1) * H] for k in range(3))
        tmp = np.empty(h.shape)
        p_n = sub(1.0, z)
        p_n *= sub(1.0, mul(n, n, tmp), tmp)  # da_n = dh * (1-z)*(1-n^2)
        if 2 in pinned:
            p_n[...] = 0.0  # n pinned is a constant: nothing reaches n's rows, nor r through them
        sub(initial(h0, h.shape[1:]), n[0], p_z[0])
        sub(h[:-1], n[1:], p_z[1:])
        p_z *= z
        p_z *= sub(1.0, z, tmp)  # da_z = dh * (h_prev-n)*z*(1-z)
        if 1 in pinned:
            p_z[...] = 0.0
        mul(p_n, hn, p_r)
        p_r *= r
        p_r *= sub(1.0, r, tmp)  # da_r = dh * p_n*hn*r*(1-r)
        if 0 in pinned:
            p_r[...] = 0.0
        mul(p_n, r, p_nr)
        coef = coef.reshape(*h.shape[:-1], 3, H)
        w_hh = w.w_hh
        dh = np.empty(h.shape)
        v = np.empty(seq_shape(h, 3 * H))
        v3 = v.reshape(coef.shape)
        dh_next = np.zeros(h.shape[1:])
        direct = np.empty(h.shape[1:])
        rows = zip(
            dh_direct[::-1], dh[::-1], dh[::-1, ..., None, :], coef[::-1], v3[::-1], v[::-1], z[::-1], strict=True
        )
        for d_t, dh_t, dh1_t, k_t, v3_t, v_t, z_t in rows:
            add(d_t, dh_next, dh_t)
            if keep is not None:
                mul(dh_t, keep, dh_t)  # a unit held at 0 takes no gradient
            mul(dh1_t, k_t, v3_t)
            dot(v_t, w_hh, dh_next)
            mul(dh_t, z_t, direct)
            add(dh_next, direct, dh_next)
        da_h = v
        da_x = da_h.copy()
        np.multiply(dh, p_n, out=da_x[..., 2 * H :])
        return {"dh": dh, "da_x": da_x, "da_h": da_h}
