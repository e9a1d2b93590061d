"""Why the plain RNN forgets, on one screen: per word, how many units tanh pins near ±1,
what one step's Jacobian diag(1 − h²)·W_hh can still stretch, and how far apart the states
of two texts that differ early still are. The numbers are the Simulation's
(`sim.saturation()`); this module only lays them out."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.binding import Binding

from ...sim.saturation import SATURATED
from ..palette import hbar
from ..widgets.base import clip, window
from ..widgets.gradient import decades_spanned, log_fraction
from .view import SimView, ViewScreen, screen_rows


def _short(tokens: list[str], width: int) -> str:
    text = " ".join(tokens)
    return clip(text, width)


def _num(x: float, fmt: str) -> str:
    return format(x, fmt) if np.isfinite(x) else "–"


def _header(sim, s, other, width: int) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    title = (
        "Why the plain RNN forgets: tanh pins the state, and one step passes little back"
        if s.stretch is not None
        else "Two texts side by side: how far apart their states stay, word by word"
    )
    out.append(title + "\n", style="bold")
    where = [w for w in (sim.layer_caption(), "forward direction" if sim.model.bidirectional else "") if w]
    layer = "".join(f", {w}" for w in where)
    if s.stretch is not None:
        out.append(f"  {sim.origin}, hidden {s.hidden}{layer}: h[t] = tanh(W_ih x[t] + b + W_hh h[t−1])\n", style="dim")
        out.append(
            f"  one step's Jacobian J[t] = diag(1 − h[t]²)·W_hh. W_hh alone stretches {s.weights_stretched} of "
            f"{s.hidden} directions, the most ×{s.weights_stretch:.2f}\n",
            style="dim",
        )
        out.append(f"  saturated: |h| > {SATURATED:g}, where tanh's slope 1 − h² is under {1 - SATURATED**2:.2f}\n",
                   style="dim")  # fmt: skip
    else:
        out.append(f"  {sim.origin}, hidden {s.hidden}{layer}\n", style="dim")
        out.append(f"  no saturation or Jacobian columns: {s.why_no_jacobian}\n", style="dim")
    if other:
        out.append(f"  h₂: the states of “{_short(other, max(10, width - 26))}”\n", style="dim")
    else:
        out.append("  |h − h₂|: no second text to compare with (e types one)\n", style="dim")
    return out


def saturation_text(sim, width: int, height: int) -> Text:
    s = sim.saturation()
    tokens, other = sim.tokens, sim.contrast_tokens()
    out = _header(sim, s, other, width)
    rnn = s.stretch is not None
    gap = s.gap
    finite = gap[np.isfinite(gap) & (gap > 0)]
    peak = float(finite.max()) if finite.size else 1.0
    decades = decades_spanned(finite) if finite.size else 1
    sat_w = 10
    cells = s.cell_gap is not None and np.isfinite(s.cell_gap).any()  # an LSTM's memory: |c − c₂| too
    gap_w = width - (86 if rnn else 58 if cells else 40)
    if gap_w < 6:  # 80 columns: a row of bars wrapped onto two lines; the numbers, whole, first
        fixed = 35 + (35 if rnn else 0) + (11 if cells else 0)  # every column but the bars
        sat_w = max(3, min(sat_w, width - 1 - fixed)) if rnn else sat_w
        gap_w = max(0, width - 1 - fixed - (sat_w if rnn else 0))
    gap_head = "|h − h₂| (log scale)" if gap_w + 9 >= 20 else "|h − h₂|"
    head = f"\n    t {'token':<12} "
    if rnn:
        sat_head = "saturated units" if sat_w + 5 >= 15 else "saturated"
        head += f"{sat_head:<{sat_w + 5}} {'mean 1−h²':>9} {'J[t]: most':>10} {'dirs>1':>6}  "
    out.append(head + f"{gap_head:<{gap_w + 9}} {'×step':>6}" + (f" {'|c − c₂|':>10}" if cells else "") + "\n",
               style="bold")  # fmt: skip
    rows = max(1, height - screen_rows(out, width) - 1)  # (the header's long lines wrap at 80)
    a, b = window(len(tokens), sim.focus_position() or 0, rows)
    if b - a < len(tokens):
        out.append(f"  (positions {a}–{b - 1} of {len(tokens)})\n", style="dim")
    for t in range(a, b):
        word = tokens[t] if t >= len(other) or other[t] == tokens[t] else f"{tokens[t]}|{other[t]}"
        out.append(f"  {t:>3} {clip(word, 12):<12} ", style="bold" if word != tokens[t] else "")
        if rnn:
            out.append(hbar(float(s.saturated[t]), sat_w), style="magenta")
            out.append(f" {s.saturated[t]:>4.0%} {s.slope[t]:>9.2f} ")
            most = f"×{s.stretch[t]:.2f}" if np.isfinite(s.stretch[t]) else "–"
            out.append(f"{most:>10} {_num(s.stretched[t], '.0f'):>6}  ", style="red" if s.stretch[t] > 1 else "")
        g = float(gap[t])
        if gap_w:
            out.append(hbar(log_fraction(g, peak, decades), gap_w), style="cyan")
        factor = float(s.gap_factor[t])
        out.append(f" {_num(g, '.1e'):>8} {_num(factor, '.2f' if factor < 100 else '.0f'):>6}")
        out.append(f" {_num(float(s.cell_gap[t]), '.2f'):>10}\n" if cells else "\n")
    return out


class SaturationView(SimView):
    draw = staticmethod(saturation_text)


class SaturationScreen(ViewScreen):
    VIEW = SaturationView
    BINDINGS = [
        Binding("e", "contrast", "Second text", id="saturation.contrast",
                tooltip="type a second text to compare the states with (one word changed, say)"),
    ]  # fmt: skip

    def action_contrast(self) -> None:
        from .edit import EditScreen

        def done(text: str | None) -> None:
            if text is not None:
                self.run_command(self.sim.set_contrast, text)

        self.app.push_screen(EditScreen(self.sim.contrast or self.sim.text, self.sim._tokens_for), done)
