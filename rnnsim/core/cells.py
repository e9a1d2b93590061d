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

One kernel per cell computes a single step into caller-given output rows; the
whole-sequence loop and the stepwise API both call it, so they agree.

Backward: each loop takes the direct gradient dL/dh_t arriving from the head at
every position and returns the *total* derivatives dL/dh_t (and dL/dc_t), plus
the gradient at every pre-activation (`da_x`: input side, `da_h`: recurrent
side; they differ only in the GRU's n rows). Everything that does not depend on
the incoming gradient is computed for all steps at once before the loop, so the
loop body is a handful of vector operations and one matrix-vector product.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

CELLS = ("rnn", "lstm", "gru")
GATES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
N_BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}


def _sigmoid_tanh_scales(n_blocks: int, tanh_blocks: tuple[int, ...], hidden: int):
    """Vectors so that act = tanh(pre * s) * a + b gives sigmoid on some row
    blocks and tanh on others in one pass: sigmoid(x) = (1 + tanh(x/2)) / 2.
    (No overflow for large |x|, unlike 1/(1+exp(-x)).)"""
    s = np.full(n_blocks * hidden, 0.5)
    a = np.full(n_blocks * hidden, 0.5)
    b = np.full(n_blocks * hidden, 0.5)
    for k in tanh_blocks:
        s[k * hidden : (k + 1) * hidden] = 1.0
        a[k * hidden : (k + 1) * hidden] = 1.0
        b[k * hidden : (k + 1) * hidden] = 0.0
    return s, a, b


@lru_cache(maxsize=16)
def _lstm_scales(hidden: int):
    return _sigmoid_tanh_scales(4, (2,), hidden)


@dataclass
class Weights:
    """The recurrent weights of one direction, prepared for the loops."""

    w_hh: np.ndarray  # [G*H, H]
    b_hh: np.ndarray  # [G*H]

    def __post_init__(self):
        self.whh_t = np.ascontiguousarray(self.w_hh.T)
        self.hidden = self.w_hh.shape[1]


# ---------------------------------------------------------------- Elman RNN


class ElmanCell:
    name = "rnn"

    def __init__(self, nonlinearity: str = "tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"unknown nonlinearity {nonlinearity!r}: use tanh or relu")
        self.nonlinearity = nonlinearity

    def prepare(self, xp: np.ndarray, w: Weights) -> np.ndarray:
        """Fold b_hh into the input projection (it is constant over time)."""
        return xp + w.b_hh

    def kernel(self, xpb, w: Weights, h, c, out):
        pre = out["pre"]
        np.dot(h, w.whh_t, out=pre)
        pre += xpb
        if self.nonlinearity == "tanh":
            np.tanh(pre, out=out["h"])
        else:
            np.maximum(pre, 0.0, out=out["h"])

    def buffers(self, T: int, H: int) -> dict[str, np.ndarray]:
        return {"pre": np.empty((T, H)), "h": np.empty((T, H))}

    def backward(self, st, dh_direct, w: Weights, h0, c0):
        T, H = dh_direct.shape
        if self.nonlinearity == "tanh":
            deriv = 1.0 - st["h"] ** 2
        else:
            deriv = (st["pre"] > 0).astype(float)
        dh = np.empty((T, H))
        da = np.empty((T, H))
        dh_next = np.zeros(H)
        for t in range(T - 1, -1, -1):
            np.add(dh_direct[t], dh_next, out=dh[t])
            np.multiply(dh[t], deriv[t], out=da[t])
            dh_next = da[t] @ w.w_hh
        return {"dh": dh, "da_x": da, "da_h": da}


# ---------------------------------------------------------------- LSTM


class LSTMCell:
    name = "lstm"

    def prepare(self, xp, w: Weights):
        return xp + w.b_hh

    def buffers(self, T, H):
        return {
            "pre": np.empty((T, 4 * H)),
            "act": np.empty((T, 4 * H)),
            "c": np.empty((T, H)),
            "tanh_c": np.empty((T, H)),
            "h": np.empty((T, H)),
        }

    def kernel(self, xpb, w: Weights, h, c, out):
        H = w.hidden
        s, a, b = _lstm_scales(H)
        pre, act = out["pre"], out["act"]
        np.dot(h, w.whh_t, out=pre)
        pre += xpb
        np.multiply(pre, s, out=act)
        np.tanh(act, out=act)
        act *= a
        act += b
        i, f, g, o = act[:H], act[H : 2 * H], act[2 * H : 3 * H], act[3 * H :]
        c_new = out["c"]
        np.multiply(f, c, out=c_new)
        c_new += i * g
        np.tanh(c_new, out=out["tanh_c"])
        np.multiply(o, out["tanh_c"], out=out["h"])

    def backward(self, st, dh_direct, w: Weights, h0, c0):
        T, H = dh_direct.shape
        act = st["act"]
        i, f, g, o = (act[:, k * H : (k + 1) * H] for k in range(4))
        c_prev = np.vstack([c0[None, :], st["c"][:-1]])
        tc = st["tanh_c"]
        # da_{i,f,g} = dc * (g, c_prev, i) * (sigmoid', sigmoid', tanh')
        coef_ifg = np.concatenate(
            [g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g)], axis=1
        ).reshape(T, 3, H)
        coef_o = tc * o * (1 - o)  # da_o = dh * coef_o
        coef_c = o * (1 - tc * tc)  # dc += dh * coef_c
        dh = np.empty((T, H))
        dc = np.empty((T, H))
        da = np.empty((T, 4 * H))
        da3 = da[:, : 3 * H].reshape(T, 3, H)
        dh_next = np.zeros(H)
        dc_next = np.zeros(H)
        for t in range(T - 1, -1, -1):
            dh_t, dc_t = dh[t], dc[t]
            np.add(dh_direct[t], dh_next, out=dh_t)
            np.multiply(dh_t, coef_c[t], out=dc_t)
            dc_t += dc_next
            np.multiply(dc_t, coef_ifg[t], out=da3[t])
            np.multiply(dh_t, coef_o[t], out=da[t, 3 * H :])
            dh_next = da[t] @ w.w_hh
            dc_next = dc_t * f[t]
        return {"dh": dh, "dc": dc, "da_x": da, "da_h": da}


# ---------------------------------------------------------------- GRU


class GRUCell:
    name = "gru"

    def prepare(self, xp, w: Weights):
        # r and z take b_hh as a constant; n's b_hn sits inside r*(...), so it stays.
        H = w.hidden
        xpb = xp.copy()
        xpb[..., : 2 * H] += w.b_hh[: 2 * H]
        return xpb

    def buffers(self, T, H):
        return {
            "pre": np.empty((T, 3 * H)),  # r, z pre-activations; n's is x_n + r*hn
            "act": np.empty((T, 3 * H)),
            "hn": np.empty((T, H)),  # W_hn h + b_hn, the part the reset gate scales
            "h": np.empty((T, H)),
        }

    def kernel(self, xpb, w: Weights, h, c, out):
        H = w.hidden
        hh = h @ w.whh_t  # [3H]
        pre, act = out["pre"], out["act"]
        np.add(xpb[: 2 * H], hh[: 2 * H], out=pre[: 2 * H])
        # sigmoid(x) = (1 + tanh(x/2)) / 2, overflow-free
        np.multiply(pre[: 2 * H], 0.5, out=act[: 2 * H])
        np.tanh(act[: 2 * H], out=act[: 2 * H])
        act[: 2 * H] *= 0.5
        act[: 2 * H] += 0.5
        r, z = act[:H], act[H : 2 * H]
        hn = out["hn"]
        np.add(hh[2 * H :], w.b_hh[2 * H :], out=hn)
        np.multiply(r, hn, out=pre[2 * H :])
        pre[2 * H :] += xpb[2 * H :]
        n = act[2 * H :]
        np.tanh(pre[2 * H :], out=n)
        # h' = (1-z)*n + z*h
        np.multiply(1.0 - z, n, out=out["h"])
        out["h"] += z * h

    def backward(self, st, dh_direct, w: Weights, h0, c0):
        T, H = dh_direct.shape
        act, hn = st["act"], st["hn"]
        r, z, n = act[:, :H], act[:, H : 2 * H], act[:, 2 * H :]
        h_prev = np.vstack([h0[None, :], st["h"][:-1]])
        p_n = (1 - z) * (1 - n * n)  # da_n = dh * p_n
        p_z = (h_prev - n) * z * (1 - z)  # da_z = dh * p_z
        p_r = p_n * hn * r * (1 - r)  # da_r = dh * p_r
        coef_x = np.concatenate([p_r, p_z, p_n], axis=1).reshape(T, 3, H)
        coef_h = np.concatenate([p_r, p_z, p_n * r], axis=1).reshape(T, 3, H)
        dh = np.empty((T, H))
        da_x = np.empty((T, 3 * H))
        da_h = np.empty((T, 3 * H))
        dax3 = da_x.reshape(T, 3, H)
        dah3 = da_h.reshape(T, 3, H)
        dh_next = np.zeros(H)
        for t in range(T - 1, -1, -1):
            dh_t = dh[t]
            np.add(dh_direct[t], dh_next, out=dh_t)
            np.multiply(dh_t, coef_x[t], out=dax3[t])
            np.multiply(dh_t, coef_h[t], out=dah3[t])
            dh_next = da_h[t] @ w.w_hh
            dh_next += dh_t * z[t]
        return {"dh": dh, "da_x": da_x, "da_h": da_h}


def make_cell(cell: str, nonlinearity: str = "tanh"):
    if cell == "rnn":
        return ElmanCell(nonlinearity)
    if cell == "lstm":
        return LSTMCell()
    if cell == "gru":
        return GRUCell()
    raise ValueError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")


def run_direction(cell, xp: np.ndarray, w: Weights, h0=None, c0=None) -> dict[str, np.ndarray]:
    """Advance one direction over a whole sequence (rows in processing order)."""
    T = xp.shape[0]
    H = w.hidden
    h = np.zeros(H) if h0 is None else h0
    c = np.zeros(H) if c0 is None else c0
    xpb = cell.prepare(xp, w)
    st = cell.buffers(T, H)
    for t in range(T):
        row = {k: v[t] for k, v in st.items()}
        cell.kernel(xpb[t], w, h, c, row)
        h = row["h"]
        if "c" in row:
            c = row["c"]
    return st


def step_direction(cell, xp_row: np.ndarray, w: Weights, h, c) -> dict[str, np.ndarray]:
    """Advance one direction by one token; returns the same fields as one row of run_direction."""
    xpb = cell.prepare(xp_row, w)
    st = cell.buffers(1, w.hidden)
    row = {k: v[0] for k, v in st.items()}
    cell.kernel(xpb, w, h, c, row)
    return row
