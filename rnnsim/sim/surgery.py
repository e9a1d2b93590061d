"""Surgery on the session's network (part of Simulation): pin a gate, knock out units,
scale the recurrent weights, clip the gradient. The keys, the palette, scene actions
and tests all call these commands; the numbers come from rnnsim.core.surgery.

The session keeps one `Surgery` value (`sim.surgery`); every command makes a new one,
checks it against the model (one line when it makes no sense) and recomputes the trace.
A new model (another cell, a new seed) keeps what still fits it and says what it dropped.
"""

from __future__ import annotations

import numpy as np

from ..core.cells import GATES
from ..core.surgery import NO_SURGERY, Surgery, SurgeryError, parse_pin, parse_units
from .errors import SimError
from .recording import command

# The gate whose pin at 1 keeps everything: LSTM f (c' = c + i*g), GRU z (h' = h).
MEMORY_GATE = {"lstm": "f", "gru": "z"}
SCALE_STEP = 1.25  # one press of the scale keys multiplies (or divides) W_hh by this


class SurgeryCommands:
    """The surgery commands of a Simulation."""

    @command
    def pin(self, gate: str, value: float) -> None:
        """Hold `gate` at `value` for every unit, step, layer and direction."""
        self._set_surgery(self.surgery.with_pin(str(gate), _number(value, f"pin {gate}")))

    @command
    def unpin(self, gate: str | None = None) -> None:
        """Compute `gate` again (every pinned gate: None)."""
        if gate is not None and self.surgery.pinned(gate) is None:
            pinned = " ".join(g for g, _ in self.surgery.pins) or "none"
            raise SimError(f"gate {gate!r} is not pinned (pinned: {pinned})")
        self._set_surgery(self.surgery.without_pin(gate))

    @command
    def knockout(self, units) -> None:
        """Hold these units of h (and c) at 0 at every step; an empty list brings them back."""
        if isinstance(units, str):
            units = _parsed(parse_units, units) if units.strip() else ()
        self._set_surgery(self.surgery.with_knockout(units))

    @command
    def scale_recurrent(self, x: float) -> None:
        """Every W_hh times x (relative to the model's own; 1 undoes it)."""
        self._set_surgery(self.surgery.with_scale(_number(x, "the recurrent scale")))

    @command
    def clip(self, norm: float | None) -> None:
        """Clip the parameter gradient's norm at `norm` (None: no clipping)."""
        self._set_surgery(self.surgery.with_clip(None if norm is None else _number(norm, "the clip norm")))

    @command
    def clear_surgery(self) -> None:
        self._set_surgery(NO_SURGERY)

    @command
    def watch_unit(self, unit: int | None) -> None:
        """Paint one unit's value (h, shown layer, forward direction) over the text; None stops."""
        if unit is not None:
            if isinstance(unit, bool) or not isinstance(unit, int) or not 0 <= unit < self.model.hidden:
                raise SimError(f"unit {unit!r} is out of range: this model's units are 0..{self.model.hidden - 1}")
        self.watched_unit = unit
        self._changed()

    def unit_values(self) -> np.ndarray | None:
        """The watched unit's h at every position (shown layer, forward direction), or None."""
        if self.watched_unit is None:
            return None
        return self.layer_directions()["forward"].h[:, self.watched_unit]

    # ------------------------------------------------ the keys' shortcuts (recorded as the above)

    def toggle_memory_pin(self) -> None:
        """Pin the gate that keeps memory at 1 (LSTM f, GRU z), or unpin it."""
        gate = MEMORY_GATE.get(self.model.cell)
        if gate is None:
            raise SimError("a plain RNN has no gates to pin: switch the cell to lstm or gru (c)")
        if self.surgery.pinned(gate) is None:
            self.pin(gate, 1.0)
        else:
            self.unpin(gate)

    def scale_recurrent_by(self, factor: float) -> None:
        self.scale_recurrent(round(self.surgery.scale_recurrent * factor, 6))

    def toggle_clip(self, norm: float = 1.0) -> None:
        self.clip(None if self.surgery.clip is not None else norm)

    def apply_surgery_words(self, words: str) -> None:
        """One line as typed in the app's surgery prompt, with the command line's words:
        `pin f=1`, `unpin f`, `unpin`, `knockout 3,7`, `scale 1.5`, `clip 1`, `clip off`, `clear`,
        and `watch 7` / `watch off` (paint a unit over the text)."""
        verb, _, rest = words.strip().partition(" ")
        rest = rest.strip()
        if verb == "pin":
            self.pin(*_parsed(parse_pin, rest))
        elif verb == "unpin":
            self.unpin(rest or None)
        elif verb == "knockout":
            self.knockout(_parsed(parse_units, rest) if rest else ())
        elif verb in ("scale", "scale_recurrent"):
            self.scale_recurrent(_float(rest, "scale"))
        elif verb == "clip":
            self.clip(None if rest in ("off", "none", "") else _float(rest, "clip"))
        elif verb == "watch":
            self.watch_unit(None if rest in ("off", "none", "") else _unit(rest))
        elif verb == "clear":
            self.clear_surgery()
        else:
            raise SimError(
                f"unknown surgery {verb!r}: write pin f=1, unpin f, knockout 3,7, scale 1.5, clip 1, clip off, "
                "watch 7 or clear"
            )

    # ------------------------------------------------ state

    def _set_surgery(self, surgery: Surgery) -> None:
        try:
            surgery.check(self.model)
        except SurgeryError as e:
            raise SimError(str(e)) from None
        self.surgery = surgery
        self._changed(data=True)

    def _fit_surgery(self) -> str:
        """After a model change: drop what no longer fits (a pin the new cell lacks, a unit
        past its size) and say what was dropped."""
        s = self.surgery
        gates = GATES.get(self.model.cell, ())
        dropped = [f"pin {g}" for g, _ in s.pins if g not in gates]
        dropped += [f"u{u}" for u in s.knockout if u >= self.model.hidden]
        if dropped:
            self.surgery = Surgery(
                pins=tuple(p for p in s.pins if p[0] in gates),
                knockout=tuple(u for u in s.knockout if u < self.model.hidden),
                scale_recurrent=s.scale_recurrent,
                clip=s.clip,
            )
            return "surgery dropped (not in this model): " + ", ".join(dropped)
        if self.watched_unit is not None and self.watched_unit >= self.model.hidden:
            self.watched_unit = None
        return ""


def _number(v, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        try:
            return float(v)
        except (TypeError, ValueError):
            raise SimError(f"{what} must be a number, not {v!r}") from None
    return float(v)


def _float(text: str, verb: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SimError(f"{verb} needs a number, for example {verb} 1.5 (got {text!r})") from None


def _unit(text: str) -> int:
    try:
        return int(text.strip().removeprefix("u"))
    except ValueError:
        raise SimError(f"watch needs a unit number, for example watch 7 (got {text!r})") from None


def _parsed(parse, text):
    try:
        return parse(text)
    except SurgeryError as e:
        raise SimError(str(e)) from None
