"""Why the plain RNN forgets: how far tanh pins its state, what one step back passes on
(the Jacobian of one step), and how fast two texts that differ early become the same
state. The figures the `saturation` view draws and the lesson's checks read.

For an Elman RNN with tanh, h[t] = tanh(W_ih x[t] + b + W_hh h[t-1]), so one step's
Jacobian is

    J[t] = ∂h[t]/∂h[t-1] = diag(1 − h[t]²) · W_hh

Row i of W_hh is scaled by unit i's slope 1 − h_i². A unit pinned near ±1 has a slope
near 0: whatever changed in h[t-1] hardly moves it. BPTT multiplies by J[t]ᵀ on the way
back, and a small change early in the text is carried forward by J[t] (to first order),
so both the gradient and the difference between two openings shrink where J[t] does.

Per position t (the shown layer, forward direction):
    saturated   share of units with |h[t]| > SATURATED (their slope is under 0.19)
    slope       mean over units of 1 − h[t]²
    stretch     J[t]'s largest singular value: the most any direction of h[t-1] can
                grow in one step (NaN at t=0: the zero state before the text is fixed)
    stretched   how many singular values of J[t] are above 1: directions that grow
    gap         ||h[t] − h'[t]||, h' read from the contrast text (NaN without one, or
                past the shorter text's end)
    gap_factor  gap[t] / gap[t-1]: what one step does to the difference
    cell_gap    LSTM: ||c[t] − c'[t]||, the same for the memory cell (NaN otherwise)
and of the weights alone: W_hh's largest singular value and how many are above 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import SimError
from .recording import command

SATURATED = 0.9  # |h| beyond this ("near ±1"): tanh's slope 1 − h² is below 0.19, under a fifth
FIGURES = ("saturated", "slope", "stretch", "stretched", "gap", "gap_factor", "cell_gap")
_CHUNK = 256  # positions per batched SVD (memory: chunk × H × H floats)


@dataclass(frozen=True)
class Saturation:
    saturated: np.ndarray  # [T]
    slope: np.ndarray  # [T]
    stretch: np.ndarray | None  # [T]; None: not an Elman RNN with tanh (see `why_no_jacobian`)
    stretched: np.ndarray | None  # [T]
    gap: np.ndarray  # [T], NaN where there is no contrast
    gap_factor: np.ndarray  # [T]
    weights_stretch: float | None  # W_hh's largest singular value
    weights_stretched: int | None  # W_hh's singular values above 1
    hidden: int
    why_no_jacobian: str = ""
    cell_gap: np.ndarray | None = None  # [T], LSTM only

    def figure(self, name: str) -> np.ndarray:
        """One per-position figure by name (FIGURES); SimError where it does not exist."""
        if name not in FIGURES:
            raise SimError(f"unknown figure {name!r}: one of {', '.join(FIGURES)}")
        value = getattr(self, name)
        if value is None and name == "cell_gap":
            raise SimError("only an LSTM has a memory cell c to compare")
        if value is None:
            raise SimError(self.why_no_jacobian)
        return value


def singular_values(J: np.ndarray) -> np.ndarray:
    """[T, H] singular values (largest first) of [T, H, H] matrices, a chunk at a time."""
    out = np.empty(J.shape[:2])
    for a in range(0, len(J), _CHUNK):
        out[a : a + _CHUNK] = np.linalg.svd(J[a : a + _CHUNK], compute_uv=False)
    return out


def _distance(a: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """||a[t] − b[t]|| per position; NaN past the shorter one's end, or without b."""
    out = np.full(len(a), np.nan)
    if b is not None:
        n = min(len(a), len(b))
        out[:n] = np.linalg.norm(a[:n] - b[:n], axis=1)
    return out


def saturation_figures(model, d, layer: int, other=None) -> Saturation:
    """The figures for the direction trace `d` of `layer` (0-based, forward direction) of
    `model`, against the contrast text's trace `other` of the same layer (or None)."""
    h = d.h
    T, H = h.shape
    saturated = np.mean(np.abs(h) > SATURATED, axis=1)
    slope = np.mean(1.0 - h**2, axis=1)
    gap = _distance(h, None if other is None else other.h)
    cell_gap = None if d.c is None else _distance(d.c, None if other is None else other.c)
    gap_factor = np.full(T, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap_factor[1:] = np.where(gap[:-1] > 0, gap[1:] / gap[:-1], np.nan)
    why = ""
    if model.cell != "rnn" or model.nonlinearity != "tanh":
        kind = "a ReLU RNN" if model.cell == "rnn" else f"an {model.cell.upper()}" if model.cell == "lstm" else "a GRU"
        why = f"diag(1 − h²)·W_hh is the tanh RNN's; {kind} step has another Jacobian"
        return Saturation(saturated, slope, None, None, gap, gap_factor, None, None, H, why, cell_gap)
    W = model.params[model.tensor_name("weight_hh", layer, "forward")]
    w_sv = np.linalg.svd(W, compute_uv=False)
    stretch, stretched = np.full(T, np.nan), np.full(T, np.nan)
    if T > 1:
        sv = singular_values((1.0 - h[1:] ** 2)[:, :, None] * W[None])
        stretch[1:], stretched[1:] = sv[:, 0], np.sum(sv > 1.0, axis=1)
    w = (float(w_sv[0]), int(np.sum(w_sv > 1.0)))
    return Saturation(saturated, slope, stretch, stretched, gap, gap_factor, *w, H, cell_gap=cell_gap)


class SaturationView:
    """The contrast text and the saturation figures (part of Simulation)."""

    contrast: str = ""  # a second text whose states the view compares with the session's ("" = none)

    @command
    def set_contrast(self, text: str) -> None:
        """Compare the states with those of this text (the same sentence with one word
        changed, say); "" for none."""
        if text != "":
            self._tokens_for(text)  # the same rules as the session's text (SimError if empty or too long)
        self.contrast = text
        self._changed()  # the session's own numbers stay; the figures are cached per contrast

    def contrast_tokens(self) -> list[str]:
        return self._tokens_for(self.contrast) if self.contrast else []

    def saturation(self) -> Saturation:
        """The figures of the shown layer's forward direction (cached per trace)."""

        def compute() -> Saturation:
            layer = self.shown_layer
            other = None
            if self.contrast:
                with np.errstate(over="ignore", invalid="ignore"):
                    other = self.model.run(self.contrast_tokens(), loss=None).layers[layer]["forward"]
            return saturation_figures(self.model, self.trace.layers[layer]["forward"], layer, other)

        return self._cached(("saturation", self.contrast), compute)
