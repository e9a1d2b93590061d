"""The LSTM cell, rows i|f|g|o as PyTorch stacks them:
    i, f, o = sigmoid(W_ih x + b_ih + W_hh h + b_hh), g = tanh(same rows)
    c' = f*c + i*g,   h' = o*tanh(c')

Speed: sigmoid(x) = (1 + tanh(x/2)) / 2, so one tanh serves all four gate blocks:
the halving of the sigmoid rows is folded into W_hh and the input side beforehand
(multiplying by 0.5 is exact, so the recorded pre-activations are the plain ones).

Layout: row t of one array holds [c_{t-1}, i, f, g, o], so f*c and i*g are one product
of its halves, [c_{t-1}, i] * [f, g] (one NumPy call per step fewer: the loop's cost is
per call); c_t is written to the start of the next row.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .common import Weights, add, dot, initial, mul, row_shape, seq_shape, sub, surgery_parts, tanh


@lru_cache(maxsize=16)
def _scales(hidden: int):
    """(s, a, b, 1/s): act = tanh(pre * s) * a + b is sigmoid on i, f, o and tanh on g."""
    s = np.full(4 * hidden, 0.5)
    b = np.full(4 * hidden, 0.5)
    s[2 * hidden : 3 * hidden] = 1.0
    b[2 * hidden : 3 * hidden] = 0.0
    inv = 1.0 / s  # exact: 2 or 1 (a product is cheaper than a division)
    for v in (s, b, inv):
        v.flags.writeable = False  # cached and shared
    return s, s, b, inv


class LSTMCell:
    name = "lstm"
    gates = ("i", "f", "g", "o")

    def forward(self, xp, w: Weights, h0=None, c0=None, overwrite_xp=False, surgery=None) -> dict[str, np.ndarray]:
        H = w.hidden
        pins, keep = surgery_parts(surgery, H)  # pinned gates, knocked-out units
        s, a, b, inv = _scales(H)
        ws = w.get("lstm", lambda: w.whh_t * s)  # sigmoid rows halved
        u = add(xp, w.b_hh, xp if overwrite_xp else None)
        u *= s  # u[t] = s * (input side), then s * pre-activation
        # rows [c_{t-1}, i, f, g, o]; one more row for the last c
        cact = np.empty((u.shape[0] + 1, *row_shape(u, 5 * H)))
        act, c = cact[:-1, ..., H:], cact[1:, ..., :H]
        cact[0, ..., :H] = initial(c0, row_shape(u, H))
        tanh_c, hs = np.empty(seq_shape(u, H)), np.empty(seq_shape(u, H))
        rec, prod = np.empty(row_shape(u, 4 * H)), np.empty(row_shape(u, 2 * H))
        p1, p2 = prod[..., :H], prod[..., H:]
        h = initial(h0, row_shape(u, H))
        rows = zip(
            u, act, cact[:-1, ..., : 2 * H], cact[:-1, ..., 2 * H : 4 * H], act[..., 3 * H :], c, tanh_c, hs,
            strict=True,
        )  # fmt: skip
        for u_t, a_t, ci_t, fg_t, o, c_t, tc_t, h_t in rows:
            dot(h, ws, rec)
            add(u_t, rec, u_t)
            tanh(u_t, a_t)
            mul(a_t, a, a_t)
            add(a_t, b, a_t)  # i, f, o = sigmoid; g = tanh
            for rows_k, v in pins:
                a_t[..., rows_k] = v
            mul(ci_t, fg_t, prod)  # [c*f, i*g]
            add(p1, p2, c_t)  # c' = f*c + i*g
            if keep is not None:
                mul(c_t, keep, c_t)  # knocked out: c = 0, so h = o*tanh(0) = 0
            tanh(c_t, tc_t)
            mul(o, tc_t, h_t)  # h' = o*tanh(c')
            h = h_t
        u *= inv  # exact: back to the plain pre-activations
        return {"pre": u, "act": act, "c": c, "tanh_c": tanh_c, "h": hs}

    def backward(self, st, dh_direct, w: Weights, h0=None, c0=None, surgery=None) -> dict[str, np.ndarray]:
        """Total dL/dh_t and dL/dc_t, and dL/d(pre-activation), from the direct gradient."""
        H, T = w.hidden, dh_direct.shape[0]
        pins, keep = surgery_parts(surgery, H)
        act, c, tc = st["act"], st["c"], st["tanh_c"]
        i, f, g, o = (act[..., k * H : (k + 1) * H] for k in range(4))
        # da holds first the factors that turn [dc, dc, dc, dh] into dL/d(pre-activation),
        # then (in place, in the loop) the gradients themselves:
        # da_{i,f,g} = dc * (g, c_prev, i) * (sigmoid', sigmoid', tanh'); da_o = dh * tanh(c) * sigmoid'
        da = np.empty(act.shape)
        ci, cf, cg, co = (da[..., k * H : (k + 1) * H] for k in range(4))
        tmp = np.empty(c.shape)
        mul(g, i, ci)
        ci *= sub(1.0, i, tmp)  # g*i*(1-i)
        cf[0] = initial(c0, c.shape[1:]) * f[0]
        mul(c[:-1], f[1:], cf[1:])
        cf *= sub(1.0, f, tmp)  # c_prev*f*(1-f)
        sub(1.0, mul(g, g, tmp), tmp)
        mul(i, tmp, cg)  # i*(1-g*g)
        mul(tc, o, co)
        co *= sub(1.0, o, tmp)  # tanh(c)*o*(1-o)
        for rows_k, _ in pins:
            da[..., rows_k] = 0.0  # a pinned gate is a constant: nothing reaches its pre-activation
        # dc_t = dh_t * o_t * tanh'(c_t) + dc_{t+1} * f_{t+1}: one product of the pairs
        # [dh_t, dc_{t+1}] * [o_t * tanh'(c_t), f_{t+1}], then the sum of its halves.
        K = np.empty(seq_shape(c, 2 * H))
        sub(1.0, mul(tc, tc, tmp), tmp)
        mul(o, tmp, K[..., :H])  # o*(1-tanh(c)^2)
        K[:-1, ..., H:] = f[1:]
        K[-1, ..., H:] = 0.0
        # Row t of G is [dc_t, dc_t, dc_t, dh_t], the factor of da_t's four blocks (one
        # product per step), and row T has dc_T = 0. Rows follow each other in memory (time
        # is G's axis after any batch axis), so the end of row t and the start of row t+1
        # are the pair [dh_t, dc_{t+1}], one array.
        batch = c.shape[1:-1]
        G = np.empty((*batch, T + 1, 4 * H))
        G[..., T, :] = 0.0  # dc_T (every other row is written before it is read)
        pairs = G.reshape(*batch, -1)[..., 3 * H : 3 * H + T * 4 * H].reshape(*batch, T, 4 * H)[..., : 2 * H]
        G, pairs = np.moveaxis(G, -2, 0), np.moveaxis(pairs, -2, 0)  # time first, as everywhere
        dc3, dh = G[..., : 3 * H].reshape(*G.shape[:-1], 3, H), G[..., 3 * H :]
        prod = np.empty(K.shape[1:])
        p1, p2 = prod[..., None, :H], prod[..., None, H:]
        dh_next = np.zeros(c.shape[1:])
        w_hh = w.w_hh
        rows = zip(dh_direct[::-1], dh[-2::-1], pairs[::-1], K[::-1], dc3[-2::-1], G[-2::-1], da[::-1], strict=True)
        for d_t, dh_t, pair_t, k_t, dc3_t, g_t, da_t in rows:
            add(d_t, dh_next, dh_t)
            if keep is not None:
                mul(dh_t, keep, dh_t)  # a unit held at 0 takes no gradient (nor, then, its c)
            mul(pair_t, k_t, prod)
            add(p1, p2, dc3_t)  # dc_t, three times
            mul(g_t, da_t, da_t)
            dot(da_t, w_hh, dh_next)
        return {"dh": dh[:-1], "dc": G[:-1, ..., :H], "da_x": da, "da_h": da}
