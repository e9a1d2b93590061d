"""Surgery on a running network: what a learner changes to see what a part is for.

  pin GATE=VALUE     one gate (LSTM i f g o, GRU r z n) held at VALUE for every unit,
                     step, layer and direction. The backward pass treats it as the
                     constant it now is: no gradient flows through its pre-activation.
  knockout U,...     those units of h (and of the LSTM's c) held at 0 after every step,
                     in every layer and direction. The gates are still computed (and
                     shown) as usual; the units' gradient is zero, since a held value
                     cannot change.
  scale_recurrent X  every W_hh times X: a new model, nothing else changes.
  clip NORM          torch.nn.utils.clip_grad_norm_ after BPTT: every parameter gradient
                     times clip_scale = min(1, NORM / (grad_norm + 1e-6)). It changes the
                     size of the update, never its direction, nor any dL/dh_t.

A `Surgery` is a frozen value: the session holds one, `rnnsim trace` builds one from
its flags, a scene's actions change one. `check(model)` refuses nonsense in one line.
`for_cells(model)` is what the cell loops receive: pins by gate block and the mask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .cells import GATES

TANH_GATES = ("g", "n")  # candidates, in [-1, 1]; every other gate is a sigmoid in [0, 1]
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_'s


class SurgeryError(ValueError):
    """Surgery that makes no sense for this model; the message says what and what to do."""


@dataclass(frozen=True)
class CellSurgery:
    """What one cell loop needs: {gate block index: value} and the units kept (1) or held at 0."""

    pins: dict[int, float]
    keep: np.ndarray | None

    def __bool__(self) -> bool:
        return bool(self.pins) or self.keep is not None


NO_CELL_SURGERY = CellSurgery({}, None)


@dataclass(frozen=True)
class Surgery:
    pins: tuple[tuple[str, float], ...] = ()  # (gate, value), at most one per gate, sorted
    knockout: tuple[int, ...] = ()  # unit indices, sorted, no repeats
    scale_recurrent: float = 1.0
    clip: float | None = None

    @property
    def active(self) -> bool:
        return bool(self.pins or self.knockout or self.scale_recurrent != 1.0 or self.clip is not None)

    def pinned(self, gate: str) -> float | None:
        return dict(self.pins).get(gate)

    # ---------------------------------------------------------------- changes (new values)

    def with_pin(self, gate: str, value: float) -> Surgery:
        pins = dict(self.pins)
        pins[gate] = float(value)
        return replace(self, pins=tuple(sorted(pins.items())))

    def without_pin(self, gate: str | None = None) -> Surgery:
        """Unpin one gate, or every gate (None)."""
        pins = () if gate is None else tuple(p for p in self.pins if p[0] != gate)
        return replace(self, pins=pins)

    def with_knockout(self, units) -> Surgery:
        return replace(self, knockout=tuple(sorted({int(u) for u in units})))

    def with_scale(self, x: float) -> Surgery:
        return replace(self, scale_recurrent=float(x))

    def with_clip(self, norm: float | None) -> Surgery:
        return replace(self, clip=None if norm is None else float(norm))

    # ---------------------------------------------------------------- checks

    def check(self, model) -> None:
        """Raise SurgeryError (one line) for surgery this model cannot take."""
        for gate, value in self.pins:
            check_pin(model.cell, gate, value)
        for u in self.knockout:
            if not 0 <= u < model.hidden:
                raise SurgeryError(
                    f"unit {u} is out of range: this model's units are 0..{model.hidden - 1} (hidden {model.hidden})"
                )
        check_positive("the recurrent scale", self.scale_recurrent)
        if self.clip is not None:
            check_positive("the clip norm", self.clip)

    # ---------------------------------------------------------------- what the core uses

    def transform(self, model):
        """The model the surgery runs: W_hh of every layer and direction times X (a copy;
        the model itself when there is nothing to scale)."""
        if self.scale_recurrent == 1.0:
            return model
        out = model.copy()
        for name in out.params:
            if name.startswith("rnn.weight_hh_l"):
                out.params[name] = out.params[name] * self.scale_recurrent
        return out

    def for_cells(self, model) -> CellSurgery:
        if not (self.pins or self.knockout):
            return NO_CELL_SURGERY
        gates = GATES[model.cell]
        pins = {gates.index(g): v for g, v in self.pins}
        keep = None
        if self.knockout:
            keep = np.ones(model.hidden)
            keep[list(self.knockout)] = 0.0
            keep.flags.writeable = False
        return CellSurgery(pins, keep)

    def clip_scale(self, grad_norm: float | None) -> float | None:
        """The factor clipping multiplies every parameter gradient by (None: no clip)."""
        if self.clip is None or grad_norm is None:
            return None
        return clip_scale(grad_norm, self.clip)

    # ---------------------------------------------------------------- in words

    def parts(self) -> list[str]:
        """Each active surgery in a few words: "pin f=1", "knockout u3,u7", "W_hh x1.5", "clip 1"."""
        out = [f"pin {g}={_num(v)}" for g, v in self.pins]
        if self.knockout:
            out.append("knockout " + ",".join(f"u{u}" for u in self.knockout))
        if self.scale_recurrent != 1.0:
            out.append(f"W_hh ×{_num(self.scale_recurrent)}")
        if self.clip is not None:
            out.append(f"clip {_num(self.clip)}")
        return out

    def describe(self) -> str:
        return ", ".join(self.parts()) or "none"

    def to_dict(self) -> dict:
        return {
            "pin": {g: v for g, v in self.pins},
            "knockout": list(self.knockout),
            "scale_recurrent": self.scale_recurrent,
            "clip": self.clip,
        }


NO_SURGERY = Surgery()


def clip_scale(grad_norm: float, max_norm: float) -> float:
    """torch.nn.utils.clip_grad_norm_'s factor: min(1, max_norm / (norm + 1e-6))."""
    return min(1.0, max_norm / (grad_norm + CLIP_EPS))


def _num(v: float) -> str:
    return f"{v:g}"


def check_positive(what: str, x) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)):
        raise SurgeryError(f"{what} must be a number, not {x!r}")
    if not math.isfinite(x) or x <= 0:
        raise SurgeryError(f"{what} must be a finite number above 0, not {x:g}")
    return float(x)


def check_pin(cell: str, gate: str, value) -> None:
    gates = GATES.get(cell, ())
    if not gates:
        raise SurgeryError(
            f"a plain RNN ({cell}) has no gates to pin: pin needs an LSTM (gates i f g o) or a GRU (r z n)"
        )
    if gate not in gates:
        raise SurgeryError(f"unknown gate {gate!r} for the {cell.upper()}: choose one of {' '.join(gates)}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise SurgeryError(f"pin {gate}: the value must be a number, not {value!r}")
    lo = -1.0 if gate in TANH_GATES else 0.0
    if not (math.isfinite(value) and lo <= value <= 1.0):
        kind = "a tanh, so it lies" if gate in TANH_GATES else "a sigmoid, so it lies"
        raise SurgeryError(f"pin {gate}={value:g} is impossible: {gate} is {kind} in [{lo:g}, 1]")


def parse_pin(text: str) -> tuple[str, float]:
    """ "f=1" -> ("f", 1.0); the gate is checked against a model later."""
    gate, sep, value = str(text).partition("=")
    gate = gate.strip()
    if not sep or not gate:
        raise SurgeryError(f"pin {text!r}: write GATE=VALUE, for example f=1")
    try:
        v = float(value)
    except ValueError:
        raise SurgeryError(
            f"pin {text!r}: {value.strip()!r} is not a number; write GATE=VALUE, for example f=1"
        ) from None
    return gate, v


def parse_units(text: str) -> tuple[int, ...]:
    """ "3,7" -> (3, 7); the range is checked against a model later."""
    units = []
    for part in str(text).split(","):
        part = part.strip().removeprefix("u")
        if not part.isdigit():
            raise SurgeryError(f"knockout {text!r}: list unit numbers separated by commas, for example 3,7")
        units.append(int(part))
    return tuple(sorted(set(units)))
