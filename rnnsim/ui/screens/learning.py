"""Training over time, replayed from the recorded history (rnnsim/data/learning.json):
per epoch, the held-out loss, the long-range accuracy and the gradient that gets back to
the far word, for the LSTM and the RNN on one epoch axis, drawn up to the epoch the
session shows (`sim.epoch`). Bars in eighths of a cell, like Textual's Sparkline, but on a
fixed scale shared by both cells (a Sparkline scales each series to its own range, which
would draw the RNN's 12% as tall as the LSTM's 100%)."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.binding import Binding

from ..widgets.gradient import log_fraction
from .view import SimView, ViewScreen, screen_rows

BARS = "▁▂▃▄▅▆▇█"
STYLES = {"lstm": "green", "rnn": "red"}
MAX_CURVE_ROWS = 3


def bar_rows(fractions: list[float], rows: int, per_epoch: int) -> list[str]:
    """The curve as `rows` strings (top first): one column group per epoch, the bar's
    height in eighths of a row; NaN draws nothing (not measured or not replayed yet; a
    dot on the bottom row keeps the axis), a 0 a thin line."""
    out = []
    for r in reversed(range(rows)):
        cells = []
        for f in fractions:
            if not math.isfinite(f):
                cells.append(("·" if r == 0 else " ") * per_epoch)
                continue
            eighths = max(1, round(min(1.0, max(0.0, f)) * rows * 8))
            part = eighths - r * 8
            ch = " " if part <= 0 else "█" if part >= 8 else BARS[part - 1]
            cells.append(ch * per_epoch)
        out.append("".join(cells))
    return out


def _figures(history):
    """(title, figure, scale, format of a value): the three curves and their fixed scales."""
    # from the lowest to the highest after the first epoch: the untrained loss is far above
    # (drawn full), and the rise of an overtrained model would be lost under it
    loss = np.concatenate([history.figure(c, "heldout_loss")[1:] for c in history.runs])
    lo, hi = float(np.nanmin(loss)), float(np.nanmax(loss))
    grads = np.concatenate([history.figure(c, "cue_gradient") for c in history.runs])
    grads = grads[grads > 0]
    top = math.ceil(math.log10(grads.max())) if grads.size else 0  # whole powers of ten around the data
    decades = max(1, top - math.floor(math.log10(grads.min()))) if grads.size else 1
    peak = 10.0**top
    return [
        (f"held-out loss (nats per word; bars from {lo:.2f} to {hi:.2f}, the untrained epoch 0 off the top)",
         "heldout_loss",
         lambda x: (x - lo) / (hi - lo or 1.0), "{:.3f}"),
        ("long-range accuracy: the far word's animal named right (64 held-out probes; bars 0 to 100%)",
         "long_range_accuracy", lambda x: x, "{:.0%}"),
        (f"gradient getting back to the animal, of the far word's loss (log scale, {peak / 10**decades:.0e} to "
         f"{peak:.0e})", "cue_gradient", lambda x: log_fraction(x, peak, decades), "{:.1e}"),
    ]  # fmt: skip


def learning_text(sim, width: int, height: int) -> Text:
    """The three curves, spaced out; where that is taller than the view (80x24 under a
    lesson's caption cut the third curve, the one its captions are about, without a
    sign), without the blank lines between them."""
    out = _learning_text(sim, width, height, gaps=True)
    return out if screen_rows(out, width) <= height else _learning_text(sim, width, height, gaps=False)


def _learning_text(sim, width: int, height: int, gaps: bool) -> Text:
    history = sim.learning_history()
    epoch, last = sim.epoch, history.epochs
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"Training over time, replayed: epoch {epoch} of {last}\n", style="bold")
    kept = ", ".join(f"{c} epoch {r.best_epoch} of {r.shipped_epochs}" for c, r in history.runs.items())
    out.append(f"  the training that made the shipped LSTM and RNN, recorded (scripts/record_learning.py) "
               f"and continued; make_models.py ships {kept}\n", style="dim")  # fmt: skip
    per_epoch = max(1, (width - 20) // (last + 1))
    curve_rows = max(1, min(MAX_CURVE_ROWS, (height - 15) // 6))
    for title, name, scale, fmt in _figures(history):
        out.append(f"\n{title}\n" if gaps else f"{title}\n", style="bold")
        for k, cell in enumerate(history.runs):
            if k and gaps:
                out.append("\n")  # a gap between the two cells' curves
            series = history.figure(cell, name)
            shown = [scale(float(x)) if k <= epoch else math.nan for k, x in enumerate(series)]
            now = float(series[epoch]) if epoch < len(series) else math.nan
            rows = bar_rows(shown, curve_rows, per_epoch)
            for i, row in enumerate(rows):
                label = f"  {cell:<5} " if i == len(rows) - 1 else " " * 8
                out.append(label, style=f"bold {STYLES.get(cell, '')}")
                out.append(row, style=STYLES.get(cell, ""))
                if i == len(rows) - 1:
                    out.append(f"  {fmt.format(now) if math.isfinite(now) else '–'}")
                out.append("\n")
    tick = 5 if last <= 20 else 10  # a label every `tick` epochs, under the epoch's first column
    axis = "".join(f"{k:<{per_epoch * tick}}" for k in range(0, last + 1, tick))
    out.append(" " * 8 + axis[: per_epoch * (last + 1)] + "  epoch\n", style="dim")
    return out


class LearningView(SimView):
    draw = staticmethod(learning_text)


class LearningScreen(ViewScreen):
    VIEW = LearningView
    BINDINGS = [
        Binding("right,l", "epoch(1)", "Epoch+", id="learning.next", tooltip="replay one more epoch"),
        Binding("left,h", "epoch(-1)", "Epoch−", id="learning.previous", tooltip="one epoch back"),
        Binding("end", "epoch(1000)", "Last", id="learning.last", show=False, tooltip="to the last epoch"),
        Binding("home", "epoch(-1000)", "Untrained", id="learning.first", show=False, tooltip="back to epoch 0"),
    ]

    def action_epoch(self, delta: int) -> None:
        """Replay up to another epoch: a Simulation command (so `w` records it)."""
        last = self.sim.learning_history().epochs
        self.run_command(self.sim.set_epoch, max(0, min(last, self.sim.epoch + delta)))
