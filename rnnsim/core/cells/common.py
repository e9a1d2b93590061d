"""What the three cells share: the recurrent weights prepared for the loops, the
initial state, and NumPy's ufuncs under short local names.

Every cell works on a sequence `[T, G*H]` or a minibatch `[T, B, G*H]` alike: the
loops iterate over the first axis and index the unit axis from the end (`...`), so
one step's row is `[H]` or `[B, H]` and the same code serves both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

add, sub, mul, tanh, dot, maximum = np.add, np.subtract, np.multiply, np.tanh, np.dot, np.maximum


@dataclass
class Weights:
    """The recurrent weights of one direction of one layer, prepared for the loops."""

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


def surgery_parts(surgery, hidden: int):
    """A CellSurgery (core/surgery.py) as the loops use it: [(gate rows, value)] pinned,
    and the mask of units kept (None: every unit). Without surgery: [], None."""
    if not surgery:
        return [], None
    pins = [(slice(k * hidden, (k + 1) * hidden), v) for k, v in surgery.pins.items()]
    return pins, surgery.keep


def initial(v, shape: tuple[int, ...]) -> np.ndarray:
    """The state before the first step: zeros unless given."""
    return np.zeros(shape) if v is None else np.asarray(v, dtype=np.float64)


def row_shape(arr: np.ndarray, width: int) -> tuple[int, ...]:
    """The shape of one step's row with `width` units: (width,) or (B, width)."""
    return (*arr.shape[1:-1], width)


def seq_shape(arr: np.ndarray, width: int) -> tuple[int, ...]:
    """The shape of a whole sequence with `width` units: (T, width) or (T, B, width)."""
    return (*arr.shape[:-1], width)
