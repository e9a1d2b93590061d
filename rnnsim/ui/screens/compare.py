"""RNN, LSTM and GRU on the same text, side by side: how much gradient from one word's
loss reaches every earlier position, on one log scale, and whose weights these are."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console
from rich.text import Text
from textual.binding import Binding

from ...sim.compare import sampled_positions
from ..palette import hbar
from ..widgets.base import clip
from ..widgets.gradient import decades_spanned, log_fraction
from .view import SimView, ViewScreen

STYLES = {"rnn": "red", "lstm": "green", "gru": "cyan"}


def compare_text(
    results: dict, tokens: list[str], width: int, height: int, loss_at: int | None = None, console=None
) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    scored = loss_at is not None and 0 <= loss_at < len(tokens) - 1
    source = (
        f"the loss on “{tokens[loss_at + 1]}” (predicted at t={loss_at})" if scored else "the loss at the last word"
    )
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
    rows_per = len(results)  # one row per cell at each position shown
    T = len(tokens)
    last = loss_at if scored else T - 1  # the scored position: the "last" of first/last
    note = f"  (N of {T} positions shown, evenly spaced up to the loss at t={last})\n"
    # the header's lines as drawn, wrapped at this width (a narrow terminal wraps each cell's line)
    # (the screen wraps these lines though the Text says no_wrap: measure a wrapping copy)
    header = out + note
    header.no_wrap = False
    head = len(header.wrap(console or _CONSOLE, max(1, width))) - 1  # (the last "\n" ends no line)
    fits = max(2, (height - head) // rows_per)
    shown = sampled_positions(T, last, fits)
    if len(shown) < T:
        out.append(note.replace("N of", f"{len(shown)} of"), style="dim")
    for t in shown:
        for k, (cell, (_, norms)) in enumerate(results.items()):
            label = f"{t:>3} {clip(tokens[t], 10):<10}" if k == 0 else " " * 14
            out.append(label + f" {cell:<5}", style="bold" if k == 0 else "dim")
            out.append(hbar(log_fraction(float(norms[t]), peak, decades), bar_w), style=STYLES[cell])
            out.append(f" {norms[t]:.1e}\n")
    return out


_CONSOLE = Console(file=io.StringIO())  # only to wrap text (tabs, cell widths), never drawn to


def _compare_view(sim, width: int, height: int) -> Text:
    return compare_text(sim.compare(), sim.tokens, width, height, sim.compare_loss())


class CompareView(SimView):
    draw = staticmethod(_compare_view)


class CompareScreen(ViewScreen):
    VIEW = CompareView
    BINDINGS = [Binding("m", "close", "Back", show=False, id="compare.close")]
