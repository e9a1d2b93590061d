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
and of the weights alone: W_hh's largest singular value and how many are above 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import SimError
from .recording import command

SATURATED = 0.9  # |h| beyond this ("near ±1"): tanh's slope 1 − h² is below 0.19, under a fifth
FIGURES = ("saturated", "slope", "stretch", "stretched", "gap", "gap_factor")
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

    def figure(self, name: str) -> np.ndarray:
        """One per-position figure by name (FIGURES); SimError where it does not exist."""
        if name not in FIGURES:
            raise SimError(f"unknown figure {name!r}: one of {', '.join(FIGURES)}")
        value = getattr(self, name)
        if value is None:
            raise SimError(self.why_no_jacobian)
        return value


def singular_values(J: np.ndarray) -> np.ndarray:
    """[T, H] singular values (largest first) of [T, H, H] matrices, a chunk at a time."""
    out = np.empty(J.shape[:2])
    for a in range(0, len(J), _CHUNK):
        out[a : a + _CHUNK] = np.linalg.svd(J[a : a + _CHUNK], compute_uv=False)
    return out


def saturation_figures(model, h: np.ndarray, layer: int, h_other: np.ndarray | None) -> Saturation:
    """The figures for states h [T, H] of `layer` (0-based, forward direction) of `model`,
    against the contrast text's states h_other [T', H] (or None)."""
    T, H = h.shape
    saturated = np.mean(np.abs(h) > SATURATED, axis=1)
    slope = np.mean(1.0 - h**2, axis=1)
    gap = np.full(T, np.nan)
    if h_other is not None:
        n = min(T, len(h_other))
        gap[:n] = np.linalg.norm(h[:n] - h_other[:n], axis=1)
    gap_factor = np.full(T, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap_factor[1:] = np.where(gap[:-1] > 0, gap[1:] / gap[:-1], np.nan)
    why = ""
    if model.cell != "rnn" or model.nonlinearity != "tanh":
        kind = "a ReLU RNN" if model.cell == "rnn" else f"an {model.cell.upper()}" if model.cell == "lstm" else "a GRU"
        why = f"diag(1 − h²)·W_hh is the tanh RNN's; {kind} step has another Jacobian"
        return Saturation(saturated, slope, None, None, gap, gap_factor, None, None, H, why)
    W = model.params[model.tensor_name("weight_hh", layer, "forward")]
    w_sv = np.linalg.svd(W, compute_uv=False)
    stretch, stretched = np.full(T, np.nan), np.full(T, np.nan)
    if T > 1:
        sv = singular_values((1.0 - h[1:] ** 2)[:, :, None] * W[None])
        stretch[1:], stretched[1:] = sv[:, 0], np.sum(sv > 1.0, axis=1)
    return Saturation(saturated, slope, stretch, stretched, gap, gap_factor, float(w_sv[0]), int(np.sum(w_sv > 1.0)), H)


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
            h = self.trace.layers[layer]["forward"].h
            other = None
            if self.contrast:
                with np.errstate(over="ignore", invalid="ignore"):
                    other = self.model.run(self.contrast_tokens(), loss=None).layers[layer]["forward"].h
            return saturation_figures(self.model, h, layer, other)

        return self._cached(("saturation", self.contrast), compute)
