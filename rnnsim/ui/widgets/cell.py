"""Inside the cell at the current step: every gate as a bar per unit with its
mean, the memory cell, the new state, and the cell's equations in plain text.

In the gradient view the same rows show how much gradient reaches each gate's
pre-activation, the memory cell and the state at that step (log scale)."""

from __future__ import annotations

from functools import cache

import numpy as np
from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from ..palette import BAR, LEVELS, bucket, glyph
from .base import OnBase, SimWidget, clip

EQUATIONS = {
    "rnn": [  # (tanh, or relu for a model saved with nonlinearity relu: see _rnn_named)
        "h' = tanh(W_ih x + b_ih + W_hh h + b_hh)",
        "one squashing of the word and the old state together",
    ],
    "lstm": [
        "i,f,g,o = σ,σ,tanh,σ(W_ih x + b_ih + W_hh h + b_hh)",
        "c' = f⊙c + i⊙g      h' = o⊙tanh(c')",
    ],
    "gru": [
        "r,z = σ(W_ih x + b_ih + W_hh h + b_hh)",
        "n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))",
        "h' = (1−z)⊙n + z⊙h",
        "r after W_hn h: PyTorch, Keras; the paper: before",
    ],
}

ROWS = {
    "rnn": [("pre", "W_ih x+W_hh h", "signed"), ("h", "h' tanh", "signed")],
    "lstm": [
        ("i", "i input", "gate"),
        ("f", "f forget", "gate"),
        ("g", "g candidate", "signed"),
        ("o", "o output", "gate"),
        ("c", "c memory", "signed"),
        ("tanh_c", "tanh(c)", "signed"),
        ("h", "h' = o⊙tanh c", "signed"),
    ],
    "gru": [
        ("r", "r reset", "gate"),
        ("z", "z update", "gate"),
        ("n", "n candidate", "signed"),
        ("h", "h' mix", "signed"),
    ],
}
NAME_W = 15
STAT_W = 9  # after each direction's bars: " μ+0.86" or " 9.1e-03", then a space before the next column


def _rnn_named(text: str, model) -> str:
    """An Elman RNN's line with its own nonlinearity: relu models are drawn as relu."""
    if model.cell == "rnn" and model.nonlinearity != "tanh":
        nl = model.nonlinearity
        text = text.replace("σ/tanh", nl).replace("tanh", nl).replace("one squashing", "one rectifying")
    return text


def _values(sim, direction: str, key: str, t: int) -> np.ndarray:
    d = sim.layer_directions()[direction]  # the chosen layer's
    if key == "h":
        return d.h[t]
    if key == "c":
        return d.c[t]
    if key == "tanh_c":
        return np.tanh(d.c[t])
    if key == "pre":
        return d.pre[t]
    return d.gates[key][t]


def _grad_values(sim, direction: str, key: str, t: int) -> np.ndarray | None:
    d = sim.layer_directions()[direction]  # the chosen layer's
    if key == "h":
        return d.dh[t]
    if key == "c":
        return d.dc[t]
    if key == "pre":
        return d.dgates["a"][t]
    if d.dgates and key in d.dgates:
        return d.dgates[key][t]
    return None


class CellPanel(SimWidget):
    DEFAULT_CSS = "CellPanel { height: 1fr; }"

    def draw(self, sim) -> list[Text | OnBase]:
        # The bar rows are built as segments: one per unit, each in its own colour, is what
        # a rich Text renders slowest (this panel was most of the time from key to frame).
        backward = sim.phase == "backward"
        dirs = sim.model.directions
        cols = []
        for d in dirs:
            if backward:
                t = sim.grad_cursor if d == "forward" else sim.reverse_grad_pos
            else:
                t = sim.forward_pos if d == "forward" else sim.reverse_pos
            cols.append((d, t))
        width = self.content_width
        if len(cols) > 1 and NAME_W + len(cols) * (6 + STAT_W) > width:
            # one block per direction, one under the other: side by side the reverse
            # direction's bars and means ran past the panel's edge at 80 columns
            lines = self._rows(sim, cols[:1], width, with_note=True) + self._rows(sim, cols[1:], width, with_note=False)
        else:
            lines = self._rows(sim, cols, width, with_note=True)
        lines.append(Text())
        return lines + [line.copy() for line in self._equations(sim, width)]  # (redraw styles its lines)

    _wrapped: tuple = (None, [])

    def _equations(self, sim, width: int) -> list[Text]:
        """The cell's equations (and an LSTM's forget-gate bias), wrapped to the width: they
        wrap, as a line cut with … lost the end of the GRU's first equation. Wrapped once
        per model, bias and width, not at every step."""
        m = sim.model
        fb = m.forget_bias() if m.cell == "lstm" else None
        key = (m.cell, m.nonlinearity, fb, width)
        if self._wrapped[0] != key:
            tail = [Text(_rnn_named(line, m), style="italic") for line in EQUATIONS[m.cell]]
            if fb is not None:
                tail.append(Text(f"forget-gate bias b_f = {fb:+.2f}  (f/F: ±0.5)", style="dim"))
            console = self.app.console
            self._wrapped = (key, [part for text in tail for part in text.wrap(console, max(1, width))])
        return self._wrapped[1]

    def _rows(self, sim, cols: list[tuple[str, int | None]], width: int, with_note: bool) -> list[Text | OnBase]:
        """The head line and a bar row per gate for the directions in `cols`, side by side."""
        cell = sim.model.cell
        backward = sim.phase == "backward"
        pal = self.palette
        per_dir = max(6, (width - NAME_W) // len(cols) - STAT_W)  # each column ends in a space
        H = sim.model.hidden
        units = min(H, per_dir)
        # the first column says how many units the bars show, when not all of them fit
        head = Text((f"u0–u{units - 1} of {H}" if units < H else "").ljust(NAME_W)[:NAME_W], style="dim")
        for d, t in cols:
            arrow = "→" if d == "forward" else "←"
            where = "—" if t is None else f"{clip(sim.tokens[t], 8)} t={t}"
            # padded by cells: an emoji takes two, and one cell too many cut the line with "…"
            head.append(set_cell_size(f"{arrow} {where}", units + STAT_W), style="bold")
        lines: list[Text | OnBase] = [head]
        if backward and with_note:
            # Gates at their pre-activations; the c and h rows at c and h themselves.
            at = "gates before σ/tanh, c, h" if cell == "lstm" else _rnn_named("before σ/tanh, and h'", sim.model)
            note = f"|∂L/∂·|: {at}; log scale"
            parts = [note] if len(note) <= width else [f"|∂L/∂·|: {at};", "log scale"]
            lines += [Text(part, style=pal.grad) for part in parts]  # wrapped, not cut
        mono = self.app.no_color
        on = self.on_base
        dim, grad = on(_style("dim")), on(_style(pal.grad))
        gates, cells = self._unit_segments(pal)
        for key, label, kind in ROWS[cell]:
            row = OnBase()
            row.add(Segment(_rnn_named(label, sim.model).ljust(NAME_W)[:NAME_W], on(None)))
            for d, t in cols:
                if t is None:
                    row.add(Segment("·" * units + " " * STAT_W, dim), units + STAT_W)
                    continue
                if backward:
                    v = _grad_values(sim, d, key, t)
                    if v is None:
                        row.add(Segment(" " * (units + STAT_W), on(None)), units + STAT_W)
                        continue
                    mag = np.abs(v[:units])
                    peak = sim.grad_peak(d) or 1.0
                    lv = np.clip((np.log10(np.maximum(mag, 1e-300) / peak) + 8) / 8, 0, 1)
                    row += _bars(lv, gates)
                    row.cell_len += len(lv)
                    row.add(Segment(f" {np.linalg.norm(v):7.1e}".ljust(STAT_W), grad))
                    continue
                v = _values(sim, d, key, t)
                if kind == "gate":
                    row += _bars(v[:units], gates)
                elif mono:
                    row.append(Segment("".join(glyph(bucket(x)) for x in v[:units].tolist()), on(None)))
                else:
                    row += [cells[b] for b in (_buckets(v[:units]) + LEVELS).tolist()]
                row.cell_len += len(v[:units])
                row.add(Segment(f" μ{float(np.mean(v)):+.2f}".ljust(STAT_W), on(None)))
            lines.append(row)
        return lines

    _units: tuple = (None, [], [])

    def _unit_segments(self, pal) -> tuple[list[Segment], list[Segment]]:
        """A bar's segment for each gate level (and, last, the blank a NaN gets), and a
        cell's segment for each bucket -LEVELS..LEVELS (from index 0), on the panel's
        colours: made once per palette and base (a theme switch makes them anew), so a
        row picks a unit's segment instead of building and combining one."""
        key = (pal, self._base_style())
        if self._units[0] != key:
            gate_styles = [self.on_base(pal.gate_style(level)) for level in range(LEVELS + 1)]
            gates = [Segment(BAR[level], style) for level, style in enumerate(gate_styles)]
            gates.append(Segment(" ", gate_styles[0]))
            cells = [Segment(" ", self.on_base(pal.cell_style(b))) for b in range(-LEVELS, LEVELS + 1)]
            self._units = (key, gates, cells)
        return self._units[1], self._units[2]


def _bars(xs: np.ndarray, segments: list[Segment]) -> list[Segment]:
    """One eighth-block per value in [0, 1], coloured by its level: what bar_char and the
    gate level give one value at a time (rounded half to even, as round() does), for the
    whole row at once. NaN (an overflowed state) is a blank at level 0 (the last segment)."""
    with np.errstate(invalid="ignore"):
        k = np.clip(np.rint(xs * LEVELS), 0, LEVELS)
    levels = np.where(np.isnan(k), -1, k).astype(int).tolist()
    return [segments[i] for i in levels]


def _buckets(xs: np.ndarray) -> np.ndarray:
    """palette.bucket of every value at once: -LEVELS..LEVELS on [-1, 1], NaN at 0."""
    with np.errstate(invalid="ignore"):
        k = np.minimum(LEVELS, np.rint(LEVELS * np.minimum(np.abs(xs), 1.0)))
    k = np.where(np.isnan(k), 0, k).astype(int)
    return np.where(xs >= 0, k, -k)


@cache
def _style(name: str) -> Style:
    return Style.parse(name)
