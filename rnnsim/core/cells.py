"""The three recurrent cells, with PyTorch's equations and gate order, exactly.

Each cell advances one direction of a layer over a sequence. The input side
(`W_ih x + b_ih`) is computed for every token at once by the caller (one GEMM);
the functions here only loop over the recurrent part, in processing order.

    Elman  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)            (or relu)
    LSTM   rows i|f|g|o:  i,f,o = sigmoid(.), g = tanh(.)
           c' = f*c + i*g,  h' = o*tanh(c')
    GRU    rows r|z|n:  r,z = sigmoid(W_i x + b_i + W_h h + b_h)
           n  = tanh(W_in x + b_in + r*(W_hn h + b_hn))
           h' = (1-z)*n + z*h

The GRU's reset gate multiplies `W_hn h + b_hn`, after the matrix product: that
is PyTorch's (and cuDNN's) convention, not the 2014 paper's r*h inside the product.

`forward` runs the loop over a whole sequence; the stepwise API calls the very
same function with a sequence of one token, so the two paths agree.

Backward: each loop takes the direct gradient dL/dh_t arriving from the head at
every position and returns the *total* derivatives dL/dh_t (and dL/dc_t), plus
the gradient at every pre-activation (`da_x`: input side, `da_h`: recurrent
side; they differ only in the GRU's n rows). Everything that does not depend on
the incoming gradient is computed for all steps at once before the loop, so the
loop body is a handful of vector operations and one matrix-vector product.

Speed (the loops run once per token, so their cost is NumPy's per-call overhead):
every loop iterates over row views with zip, writes into preallocated rows, and
calls ufuncs through local names with a positional `out`. Sigmoid is computed
as (1 + tanh(x/2)) / 2 (no overflow for large |x|) in one tanh over all gate
rows: the halving of the sigmoid rows is folded into W_hh and the input side
beforehand (multiplying by 0.5 is exact in floating point, so the recorded
pre-activations are exactly what the plain formula gives).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

CELLS = ("rnn", "lstm", "gru")
GATES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
N_BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}

_add, _sub, _mul, _tanh, _dot, _max = np.add, np.subtract, np.multiply, np.tanh, np.dot, np.maximum


def _sigmoid_tanh_scales(n_blocks: int, tanh_blocks: tuple[int, ...], hidden: int):
    """Vectors so that act = tanh(pre * s) * a + b gives sigmoid on some row
    blocks and tanh on others in one pass: sigmoid(x) = (1 + tanh(x/2)) / 2."""
    s = np.full(n_blocks * hidden, 0.5)
    a = np.full(n_blocks * hidden, 0.5)
    b = np.full(n_blocks * hidden, 0.5)
    for k in tanh_blocks:
        s[k * hidden : (k + 1) * hidden] = 1.0
        a[k * hidden : (k + 1) * hidden] = 1.0
        b[k * hidden : (k + 1) * hidden] = 0.0
    for v in (s, a, b):
        v.flags.writeable = False  # cached and shared
    return s, a, b


@lru_cache(maxsize=16)
def _lstm_scales(hidden: int):
    return _sigmoid_tanh_scales(4, (2,), hidden)


@dataclass
class Weights:
    """The recurrent weights of one direction, prepared for the loops."""

    w_hh: np.ndarray  # [G*H, H]
    b_hh: np.ndarray  # [G*H]
    derived: dict = field(default_factory=dict, repr=False)  # per-cell prepared matrices

    def __post_init__(self):
        self.whh_t = np.ascontiguousarray(self.w_hh.T)
        self.hidden = self.w_hh.shape[1]

    def get(self, key: str, make):
        """A matrix derived from these weights, made once (a Stepper reuses it every step)."""
        m = self.derived.get(key)
        if m is None:
            m = self.derived[key] = make()
        return m


def _state(v, H: int) -> np.ndarray:
    return np.zeros(H) if v is None else np.asarray(v, dtype=np.float64)


# ---------------------------------------------------------------- Elman RNN


class ElmanCell:
    name = "rnn"

    def __init__(self, nonlinearity: str = "tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"unknown nonlinearity {nonlinearity!r}: use tanh or relu")
        self.nonlinearity = nonlinearity

    def forward(self, xp, w: Weights, h0=None, c0=None, overwrite_xp=False) -> dict[str, np.ndarray]:
        T, H = xp.shape[0], w.hidden
        xpb = _add(xp, w.b_hh, xp if overwrite_xp else None)  # b_hh is constant over time
        pre, hs = np.empty((T, H)), np.empty((T, H))
        act = _tanh if self.nonlinearity == "tanh" else None
        whh_t, h = w.whh_t, _state(h0, H)
        for pre_t, x_t, h_t in zip(pre, xpb, hs, strict=True):
            _dot(h, whh_t, pre_t)
            _add(pre_t, x_t, pre_t)
            if act is None:
                _max(pre_t, 0.0, out=h_t)
            else:
                act(pre_t, h_t)
            h = h_t
        return {"pre": pre, "h": hs}

    def backward(self, st, dh_direct, w: Weights, h0, c0):
        T, H = dh_direct.shape
        if self.nonlinearity == "tanh":
            deriv = 1.0 - st["h"] ** 2
        else:
            deriv = (st["pre"] > 0).astype(float)
        dh = np.empty((T, H))
        da = np.empty((T, H))
        dh_next = np.zeros(H)
        w_hh = w.w_hh
        for d_t, dh_t, k_t, da_t in zip(dh_direct[::-1], dh[::-1], deriv[::-1], da[::-1], strict=True):
            _add(d_t, dh_next, dh_t)
            _mul(dh_t, k_t, da_t)
            _dot(da_t, w_hh, dh_next)
        return {"dh": dh, "da_x": da, "da_h": da}


# ---------------------------------------------------------------- LSTM


class LSTMCell:
    name = "lstm"

    def forward(self, xp, w: Weights, h0=None, c0=None, overwrite_xp=False) -> dict[str, np.ndarray]:
        T, H = xp.shape[0], w.hidden
        s, a, b = _lstm_scales(H)
        ws = w.get("lstm", lambda: w.whh_t * s)  # sigmoid rows halved
        u = _add(xp, w.b_hh, xp if overwrite_xp else None)
        u *= s  # u[t] = s * (input side), then s * pre-activation
        act = np.empty((T, 4 * H))
        c, tanh_c, hs = np.empty((T, H)), np.empty((T, H)), np.empty((T, H))
        rec = np.empty(4 * H)
        ig = np.empty(H)
        h, c_prev = _state(h0, H), _state(c0, H)
        gates = (act[:, k * H : (k + 1) * H] for k in range(4))
        for u_t, a_t, i, f, g, o, c_t, tc_t, h_t in zip(u, act, *gates, c, tanh_c, hs, strict=True):
            _dot(h, ws, rec)
            _add(u_t, rec, u_t)
            _tanh(u_t, a_t)
            _mul(a_t, a, a_t)
            _add(a_t, b, a_t)  # i, f, o = sigmoid; g = tanh
            _mul(f, c_prev, c_t)
            _mul(i, g, ig)
            _add(c_t, ig, c_t)  # c' = f*c + i*g
            _tanh(c_t, tc_t)
            _mul(o, tc_t, h_t)  # h' = o*tanh(c')
            h, c_prev = h_t, c_t
        u /= s  # exact: s is 0.5 or 1
        return {"pre": u, "act": act, "c": c, "tanh_c": tanh_c, "h": hs}

    def backward(self, st, dh_direct, w: Weights, h0, c0):
        T, H = dh_direct.shape
        act, c, tc = st["act"], st["c"], st["tanh_c"]
        i, f, g, o = (act[:, k * H : (k + 1) * H] for k in range(4))
        # da_{i,f,g} = dc * (g, c_prev, i) * (sigmoid', sigmoid', tanh'); da_o = dh * coef_o
        coef = np.empty((T, 4 * H))
        ci, cf, cg, coef_o = (coef[:, k * H : (k + 1) * H] for k in range(4))
        tmp = np.empty((T, H))
        _mul(g, i, ci)
        ci *= _sub(1.0, i, tmp)  # g*i*(1-i)
        cf[0] = _state(c0, H) * f[0]
        _mul(c[:-1], f[1:], cf[1:])
        cf *= _sub(1.0, f, tmp)  # c_prev*f*(1-f)
        _sub(1.0, _mul(g, g, tmp), tmp)
        _mul(i, tmp, cg)  # i*(1-g*g)
        _mul(tc, o, coef_o)
        coef_o *= _sub(1.0, o, tmp)  # tanh(c)*o*(1-o)
        coef_ifg = coef[:, : 3 * H].reshape(T, 3, H)
        # dc_t = dh_t * o_t * tanh'(c_t) + dc_{t+1} * f_{t+1}: one product of the pairs
        # [dh_t, dc_{t+1}] * [o_t * tanh'(c_t), f_{t+1}], then the sum of its halves.
        # P[t + 1] = [dh_t, dc_{t+1}], so dc_t lands in P[t, H:], right before dh_t.
        K = np.empty((T, 2 * H))
        _sub(1.0, _mul(tc, tc, tmp), tmp)
        _mul(o, tmp, K[:, :H])  # o*(1-tanh(c)^2)
        K[:-1, H:] = f[1:]
        K[-1, H:] = 0.0
        P = np.zeros((T + 1, 2 * H))
        da = np.empty((T, 4 * H))
        da3, da_o = da[:, : 3 * H].reshape(T, 3, H), da[:, 3 * H :]
        prod = np.empty(2 * H)
        p1, p2 = prod[:H], prod[H:]
        dh_next = np.zeros(H)
        w_hh = w.w_hh
        rows = zip(
            dh_direct[::-1], P[:0:-1, :H], P[:0:-1], K[::-1], P[-2::-1, H:],
            coef_ifg[::-1], da3[::-1], coef_o[::-1], da_o[::-1], da[::-1], strict=True,
        )  # fmt: skip
        for d_t, dh_t, pair_t, k_t, dc_t, cifg_t, da3_t, co_t, dao_t, da_t in rows:
            _add(d_t, dh_next, dh_t)
            _mul(pair_t, k_t, prod)
            _add(p1, p2, dc_t)
            _mul(dc_t, cifg_t, da3_t)
            _mul(dh_t, co_t, dao_t)
            _dot(da_t, w_hh, dh_next)
        return {"dh": P[1:, :H], "dc": P[:-1, H:], "da_x": da, "da_h": da}


# ---------------------------------------------------------------- GRU


@lru_cache(maxsize=16)
def _gru_scale(hidden: int):
    s = np.ones(3 * hidden)
    s[: 2 * hidden] = 0.5  # r and z are sigmoids
    s.flags.writeable = False
    return s


class GRUCell:
    name = "gru"

    def forward(self, xp, w: Weights, h0=None, c0=None, overwrite_xp=False) -> dict[str, np.ndarray]:
        T, H = xp.shape[0], w.hidden
        H2 = 2 * H
        ws = w.get("gru", lambda: w.whh_t * _gru_scale(H))  # r, z rows halved
        # r and z take b_hh as a constant; n's b_hn sits inside r*(...), so it stays.
        xrz = _add(xp[:, :H2], w.b_hh[:H2], xp[:, :H2] if overwrite_xp else None)
        xrz *= 0.5
        xn = xp[:, H2:]
        b_hn = w.b_hh[H2:]
        pre, act = np.empty((T, 3 * H)), np.empty((T, 3 * H))
        hn, hs = np.empty((T, H)), np.empty((T, H))
        hh = np.empty(3 * H)
        hh_rz, hh_n = hh[:H2], hh[H2:]
        tmp = np.empty(H)
        h = _state(h0, H)
        rows = zip(
            pre[:, :H2], pre[:, H2:], act[:, :H2], act[:, :H], act[:, H:H2], act[:, H2:],
            xrz, xn, hn, hs, strict=True,
        )  # fmt: skip
        for urz_t, pn_t, rz_t, r, z, n, xrz_t, xn_t, hn_t, h_t in rows:
            _dot(h, ws, hh)
            _add(hh_rz, xrz_t, urz_t)  # half the r, z pre-activations
            _tanh(urz_t, rz_t)
            _mul(rz_t, 0.5, rz_t)
            _add(rz_t, 0.5, rz_t)  # r, z = sigmoid
            _add(hh_n, b_hn, hn_t)  # W_hn h + b_hn
            _mul(r, hn_t, pn_t)
            _add(pn_t, xn_t, pn_t)
            _tanh(pn_t, n)
            _sub(h, n, tmp)
            _mul(z, tmp, tmp)
            _add(n, tmp, h_t)  # h' = (1-z)*n + z*h = n + z*(h-n)
            h = h_t
        pre[:, :H2] *= 2.0  # exact
        return {"pre": pre, "act": act, "hn": hn, "h": hs}

    def backward(self, st, dh_direct, w: Weights, h0, c0):
        T, H = dh_direct.shape
        act, hn, h = st["act"], st["hn"], st["h"]
        r, z, n = act[:, :H], act[:, H : 2 * H], act[:, 2 * H :]
        # v_t = dh_t * [p_r, p_z, p_n*r, z]: the recurrent-side gradient da_h and the
        # direct path dh*z; [W_hh; I] maps v_t to dL/dh_{t-1} in one product.
        coef = np.empty((T, 4 * H))
        p_r, p_z, p_nr, c_z = (coef[:, k * H : (k + 1) * H] for k in range(4))
        tmp = np.empty((T, H))
        p_n = _sub(1.0, z)
        p_n *= _sub(1.0, _mul(n, n, tmp), tmp)  # da_n = dh * (1-z)*(1-n^2)
        _sub(_state(h0, H), n[0], p_z[0])
        _sub(h[:-1], n[1:], p_z[1:])
        p_z *= z
        p_z *= _sub(1.0, z, tmp)  # da_z = dh * (h_prev-n)*z*(1-z)
        _mul(p_n, hn, p_r)
        p_r *= r
        p_r *= _sub(1.0, r, tmp)  # da_r = dh * p_n*hn*r*(1-r)
        _mul(p_n, r, p_nr)
        c_z[...] = z
        coef = coef.reshape(T, 4, H)
        w_aug = w.get("gru_back", lambda: np.vstack([w.w_hh, np.eye(H)]))
        dh = np.empty((T, H))
        v = np.empty((T, 4 * H))
        v4 = v.reshape(T, 4, H)
        dh_next = np.zeros(H)
        rows = zip(dh_direct[::-1], dh[::-1], coef[::-1], v4[::-1], v[::-1], strict=True)
        for d_t, dh_t, k_t, v4_t, v_t in rows:
            _add(d_t, dh_next, dh_t)
            _mul(dh_t, k_t, v4_t)
            _dot(v_t, w_aug, dh_next)
        da_h = v[:, : 3 * H]
        da_x = da_h.copy()
        np.multiply(dh, p_n, out=da_x[:, 2 * H :])
        return {"dh": dh, "da_x": da_x, "da_h": da_h}


def make_cell(cell: str, nonlinearity: str = "tanh"):
    if cell == "rnn":
        return ElmanCell(nonlinearity)
    if cell == "lstm":
        return LSTMCell()
    if cell == "gru":
        return GRUCell()
    raise ValueError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")


def run_direction(
    cell, xp: np.ndarray, w: Weights, h0=None, c0=None, overwrite_xp: bool = False
) -> dict[str, np.ndarray]:
    """Advance one direction over a whole sequence (rows in processing order).
    overwrite_xp: the caller has no further use for xp, the loop may reuse its memory."""
    return cell.forward(xp, w, h0, c0, overwrite_xp)


def step_direction(cell, xp_row: np.ndarray, w: Weights, h, c, readonly: bool = False) -> dict[str, np.ndarray]:
    """Advance one direction by one token; returns the same fields as one row of run_direction
    (the same loop, over one token). readonly: return read-only arrays."""
    st = cell.forward(xp_row[None, :], w, h, c, overwrite_xp=False)
    if readonly:
        for v in st.values():
            v.setflags(write=False)
    return {k: v[0] for k, v in st.items()}
