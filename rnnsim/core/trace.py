"""Records of what a run computed: the whole-sequence Trace and per-step records.

Row t of every per-position array is position t, for both directions: the
forward state at t has read tokens 0..t, the reverse state at t has read t..T-1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _frozen(a):
    if a is None:
        return None
    a = np.array(a, dtype=np.float64, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class DirectionTrace:
    name: str  # "forward" | "reverse"
    h: np.ndarray  # [T, H] state after reading its tokens up to position t
    c: np.ndarray | None  # [T, H] LSTM memory cell
    pre: np.ndarray  # [T, G*H] pre-activations (GRU n rows: x_n + r*(W_hn h + b_hn))
    gates: dict[str, np.ndarray]  # name -> [T, H] activations
    dh: np.ndarray | None = None  # [T, H] total dL/dh_t
    dc: np.ndarray | None = None  # [T, H] total dL/dc_t (LSTM), including the path via h_t
    dgates: dict[str, np.ndarray] | None = None  # name -> [T, H] dL/d(gate pre-activation)

    def grad_norms(self) -> np.ndarray | None:
        """||dL/dh_t|| per position."""
        return None if self.dh is None else np.linalg.norm(self.dh, axis=1)

    def cell_grad_norms(self) -> np.ndarray | None:
        return None if self.dc is None else np.linalg.norm(self.dc, axis=1)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"h": self.h.tolist()}
        if self.dh is not None:
            out["dh"] = self.dh.tolist()
        if self.c is not None:
            out["c"] = self.c.tolist()
            if self.dc is not None:
                out["dc"] = self.dc.tolist()
        if self.gates:
            out["gates"] = {k: v.tolist() for k, v in self.gates.items()}
        return out


@dataclass(frozen=True)
class Trace:
    model: Any
    tokens: list[str]
    ids: np.ndarray
    targets: list[int | None]
    logits: np.ndarray  # [T, V]
    probs: np.ndarray  # [T, V]
    loss: float | None
    loss_mode: Any
    loss_positions: list[int] | None
    forward: DirectionTrace
    reverse: DirectionTrace | None = None
    grads: dict[str, np.ndarray] = field(default_factory=dict)  # by tensor name
    # [T, E] dL/dx_t: the gradient at the embedding row of the word at position t (both
    # directions), i.e. the update that occurrence of the word would get. None without a loss.
    dx: np.ndarray | None = None

    def input_grad_norms(self) -> np.ndarray | None:
        """||dL/dx_t|| per position: how much the weights tied to each word would move."""
        return None if self.dx is None else np.linalg.norm(self.dx, axis=1)

    @property
    def directions(self) -> dict[str, DirectionTrace]:
        d = {"forward": self.forward}
        if self.reverse is not None:
            d["reverse"] = self.reverse
        return d

    def to_dict(self) -> dict[str, Any]:
        m = self.model
        out: dict[str, Any] = {
            "cell": m.cell,
            "bidirectional": m.bidirectional,
            "task": m.task,
            "loss_mode": self.loss_mode,
            "tokens": list(self.tokens),
            "ids": [int(i) for i in self.ids],
            "targets": [None if y is None else int(y) for y in self.targets],
            "logits": self.logits.tolist(),
            "loss": self.loss,
            "forward": self.forward.to_dict(),
        }
        if self.reverse is not None:
            out["reverse"] = self.reverse.to_dict()
        if self.dx is not None:
            out["dx"] = self.dx.tolist()
        return out


@dataclass(frozen=True)
class DirectionStep:
    """One direction's computation at one step of the stepwise API."""

    direction: str
    position: int  # the token this direction read at this step
    token: str
    pre: np.ndarray
    gates: dict[str, np.ndarray]
    candidate: np.ndarray  # LSTM g, GRU n, Elman: the new state itself
    c: np.ndarray | None
    h: np.ndarray

    @classmethod
    def frozen(cls, **kw) -> DirectionStep:
        kw["gates"] = {k: _frozen(v) for k, v in kw["gates"].items()}
        for k in ("pre", "candidate", "c", "h"):
            kw[k] = _frozen(kw[k])
        return cls(**kw)


@dataclass(frozen=True)
class StepRecord:
    step: int
    directions: dict[str, DirectionStep]
    outputs: dict[int, np.ndarray]  # position -> probabilities that became computable now

    @classmethod
    def frozen(cls, step, directions, outputs) -> StepRecord:
        return cls(step, dict(directions), {t: _frozen(p) for t, p in outputs.items()})
