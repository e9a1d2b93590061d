"""What the captions and the explain line state, measured per step.

Each measure is one number per position t, about the step between the position read just
before t and t itself (t-1 -> t for the forward direction, t+1 -> t for the reverse one);
NaN where the step does not exist (nothing was read before) or the measure is undefined
(a zero denominator). They read a direction's trace; nothing here knows a screen.

    factor       ||dL/dh_prev|| / ||dL/dh_t||: how much of the gradient on h one step back
                 keeps (its geometric mean over many steps is the "×per step" figure).
    cell_factor  LSTM: the same along the memory cell, ||dL/dc_prev|| / ||dL/dc_t||.
    carried      the share of the gradient that the gate's direct path hands back:
                 LSTM ||f_t ⊙ dL/dc_t|| / ||dL/dc_t|| (c_t = f_t ⊙ c_prev + ...);
                 GRU  ||z_t ⊙ dL/dh_t|| / ||dL/dh_t|| (h_t = z_t ⊙ h_prev + ...).
                 Never above 1 (the gate is below 1): a gate alone cannot make it grow.
    inflow       LSTM: ||dL/dh_prev ⊙ o_prev ⊙ (1 - tanh²(c_prev))|| / ||dL/dc_t||: what joins
                 the cell's gradient at the earlier step from its own h (which every later
                 gate and the head read). dL/dc_prev is the carried part plus this.
    kept         how much of the old memory survives the step: LSTM ||f_t ⊙ c_prev|| /
                 ||c_prev||; GRU ||z_t ⊙ h_prev|| / ||h_prev||. Not the plain mean of the
                 gate: units holding little memory count little.
"""

from __future__ import annotations

import numpy as np

MEASURES = ("factor", "cell_factor", "carried", "inflow", "kept")


class MeasureError(ValueError):
    """The measure does not exist for this model (the message is one line for the user)."""


def _norm(a: np.ndarray) -> np.ndarray:
    return np.linalg.norm(a, axis=-1)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = num / den
    r[~np.isfinite(r) | (den == 0)] = np.nan
    return r


def per_step(d, cell: str, name: str) -> np.ndarray:
    """The measure `name` for the direction trace `d` of a `cell` model, per position."""
    if name not in MEASURES:
        raise MeasureError(f"unknown measure {name!r}: one of {', '.join(MEASURES)}")
    flip = d.name == "reverse"  # the reverse direction reads T-1..0: measure it in reading order

    def get(a):
        return None if a is None else (a[::-1] if flip else a)

    h, c, dh, dc = get(d.h), get(d.c), get(d.dh), get(d.dc)
    g = {k: get(v) for k, v in d.gates.items()}
    gradient = name in ("factor", "cell_factor", "carried", "inflow")
    if gradient and dh is None:
        raise MeasureError("no gradient yet: run backpropagation first (backward = true)")
    if cell == "rnn" and name in ("carried", "kept"):
        raise MeasureError("the plain RNN has no gate that keeps the old state: use an LSTM or a GRU")
    if cell != "lstm" and name in ("cell_factor", "inflow"):
        raise MeasureError("only an LSTM has a memory cell")
    out = np.full(len(h), np.nan)
    if name == "factor":
        out[1:] = _ratio(_norm(dh[:-1]), _norm(dh[1:]))
    elif name == "cell_factor":
        out[1:] = _ratio(_norm(dc[:-1]), _norm(dc[1:]))
    elif name == "carried" and cell == "lstm":
        out[1:] = _ratio(_norm(g["f"][1:] * dc[1:]), _norm(dc[1:]))
    elif name == "carried":
        out[1:] = _ratio(_norm(g["z"][1:] * dh[1:]), _norm(dh[1:]))
    elif name == "inflow":
        via_h = dh[:-1] * g["o"][:-1] * (1 - np.tanh(c[:-1]) ** 2)
        out[1:] = _ratio(_norm(via_h), _norm(dc[1:]))
    elif cell == "lstm":  # kept
        out[1:] = _ratio(_norm(g["f"][1:] * c[:-1]), _norm(c[:-1]))
    else:
        out[1:] = _ratio(_norm(g["z"][1:] * h[:-1]), _norm(h[:-1]))
    return out[::-1] if flip else out


def steps_between(direction: str, a: int, b: int) -> list[int]:
    """The positions indexing the steps between positions a and b (a != b), in this
    direction's reading order: forward min+1..max, reverse min..max-1."""
    lo, hi = sorted((a, b))
    return list(range(lo + 1, hi + 1)) if direction == "forward" else list(range(lo, hi))
