"""RNN, LSTM and GRU on the same text, side by side: how much gradient from one word's
loss reaches every earlier position, on one log scale, and whose weights these are."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.binding import Binding

from ..palette import hbar
from ..widgets.base import clip
from ..widgets.gradient import decades_spanned, log_fraction
from .view import SimView, ViewScreen

STYLES = {"rnn": "red", "lstm": "green", "gru": "cyan"}


def compare_text(results: dict, tokens: list[str], width: int, height: int, loss_at: int | None = None) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    if loss_at is None or not 0 <= loss_at < len(tokens) - 1:
        source = "the loss at the last word"
    else:
        source = f"the loss on “{tokens[loss_at + 1]}” (predicted at t={loss_at})"
    out.append(f"Gradient reaching each word from {source}, one log scale\n", style="bold")
    peak = max(float(np.max(n)) for _, n in results.values()) or 1.0
    decades = decades_spanned(*(n for _, n in results.values()))
    for cell, (desc, norms) in results.items():
        nz = [(t, x) for t, x in enumerate(norms) if x > 0]
        rate = ""
        if len(nz) >= 2:
            (t0, a), (t1, b) = nz[0], nz[-1]
            rate = f"   ×{(a / b) ** (1 / (t1 - t0)):.2f} per step back on average, first/last {a / b:.1e}"
        out.append(f"  {cell:<5}", style=f"bold {STYLES[cell]}")
        out.append(f"{desc}{rate}\n", style="dim")
    out.append(f"  bars: log scale, 1e-{decades} … 1 of the largest value\n", style="dim")
    # Which cell keeps more is a fact about these weights, not about the cells.
    out.append("  weights of the same kind as this session's; other weights give other figures\n\n", style="dim")
    bar_w = max(4, width - 30)
    rows_per = len(results) + 1
    T = len(tokens)
    fits = max(2, (height - 7) // rows_per)
    if T <= fits:
        shown = list(range(T))
    else:  # evenly spaced positions, the first and the last always among them
        shown = sorted({round(i * (T - 1) / (fits - 1)) for i in range(fits)})
        out.append(f"  ({len(shown)} of {T} positions shown, evenly spaced)\n", style="dim")
    for t in shown:
        for k, (cell, (_, norms)) in enumerate(results.items()):
            label = f"{t:>3} {clip(tokens[t], 10):<10}" if k == 0 else " " * 14
            out.append(label + f" {cell:<5}", style="bold" if k == 0 else "dim")
            out.append(hbar(log_fraction(float(norms[t]), peak, decades), bar_w), style=STYLES[cell])
            out.append(f" {norms[t]:.1e}\n")
    return out


def _compare_view(sim, width: int, height: int) -> Text:
    return compare_text(sim.compare(), sim.tokens, width, height, sim.compare_loss())


class CompareView(SimView):
    draw = staticmethod(_compare_view)


class CompareScreen(ViewScreen):
    VIEW = CompareView
    BINDINGS = [Binding("m", "close", "Back", show=False, id="compare.close")]
