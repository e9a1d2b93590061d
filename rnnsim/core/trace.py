"""Records of what a run computed: the whole-sequence Trace and per-step records.

Row t of every per-position array is position t, for both directions: the
forward state at t has read tokens 0..t, the reverse state at t has read t..T-1.
A Trace holds every layer (`layers[k]["forward"]`, bottom to top); `forward` and
`reverse` are the top layer's, the one the head reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
    logits: np.ndarray  # [T, V]; a classifier: [C], once after the last token
    probs: np.ndarray  # [T, V]; a classifier: [C]
    loss: float | None
    loss_mode: Any
    loss_positions: list[int] | None
    forward: DirectionTrace
    reverse: DirectionTrace | None = None
    grads: dict[str, np.ndarray] = field(default_factory=dict)  # by tensor name
    # [T, E] dL/dx_t: the gradient at the embedding row of the word at position t (both
    # directions), i.e. the update that occurrence of the word would get. None without a loss.
    dx: np.ndarray | None = None
    layers: list[dict[str, DirectionTrace]] = field(default_factory=list)  # bottom to top
    label: int | None = None  # a classifier's target label (the predicted one by default)
    surgery: Any = None  # the core.surgery.Surgery this run applied (None: none)

    def clip_scale(self) -> float | None:
        """What clipping (surgery's clip NORM) multiplies every parameter gradient by:
        min(1, NORM / (grad_norm + 1e-6)), as torch's clip_grad_norm_. None: no clip."""
        return None if self.surgery is None else self.surgery.clip_scale(self.grad_norm())

    def clipped_grads(self) -> dict[str, np.ndarray]:
        """The parameter gradients after clipping (the gradients themselves without a clip)."""
        s = self.clip_scale()
        return self.grads if s is None else {k: g * s for k, g in self.grads.items()}

    def grad_norm(self) -> float | None:
        """The L2 norm of every parameter gradient together (None without a loss)."""
        if not self.grads:
            return None
        return float(np.sqrt(sum(float(np.vdot(g, g)) for g in self.grads.values())))

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
        out["num_layers"] = len(self.layers)
        out["tokenizer"] = m.tokenizer
        out["layers"] = [{d: t.to_dict() for d, t in layer.items()} for layer in self.layers]
        out["grad_norm"] = self.grad_norm()
        if self.surgery is not None and self.surgery.active:
            out["surgery"] = self.surgery.to_dict()
            scale = self.clip_scale()
            if scale is not None:
                out["clip_scale"] = scale
                out["clipped_grad_norm"] = self.grad_norm() * scale
        if m.task == "classify":
            out["labels"] = list(m.labels)
            out["probs"] = self.probs.tolist()
            out["label"] = m.labels[self.label]
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


@dataclass(frozen=True)
class StepRecord:
    step: int
    directions: dict[str, DirectionStep]
    outputs: dict[int, np.ndarray]  # position -> probabilities that became computable now
    layers: dict[int, dict[str, DirectionStep]] = field(default_factory=dict)  # every layer that stepped
