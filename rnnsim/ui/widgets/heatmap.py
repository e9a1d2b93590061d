"""The hidden state over time: units (rows) x positions (columns), diverging
colours around 0, drawn with the Line API.

Two units share one terminal row ("▀": upper unit in the foreground colour,
lower unit in the background). Only visible lines are drawn; each line's Strip
is cached by (data version, what is read, window, width), so a frame that does
not change the numbers costs no drawing. Under NO_COLOR a glyph per unit pair
carries sign and size instead.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..palette import bucket, glyph, halfblock_style
from .base import SimWidget, clip, window

COL = 3  # cells per time step
LABEL_W = 5
_DIM = Style(dim=True)


class Heatmap(ScrollView, can_focus=False):
    DEFAULT_CSS = """
    Heatmap { height: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; background: transparent; }
    """

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.sim = None
        self._rows: list[tuple] = []
        self._cache: OrderedDict = OrderedDict()
        self._key = None
        self._scale = 1.0

    def show(self, sim) -> None:
        self.sim = sim
        self._layout()
        scale = sim.state_scale()
        if self.parent is not None:
            self.parent.border_title = f"hidden state: {sim.model.hidden} units × position, blue<0<red ±{scale:.2f}"
        self.refresh()

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        """Rows: for each direction a title row, one row per pair of units, and an axis."""
        sim = self.sim
        if sim is None:
            return
        rows: list[tuple] = []
        H = sim.model.hidden
        for d in sim.model.directions:
            if sim.model.bidirectional:
                arrow = "→ forward, read left to right" if d == "forward" else "← reverse, read right to left"
                rows.append(("title", arrow))
            for u in range(0, H, 2):
                rows.append(("units", d, u))
        rows.append(("axis",))
        self._rows = rows
        self.virtual_size = Size(self.size.width, len(rows))

    def _columns(self) -> tuple[int, int]:
        sim = self.sim
        cap = max(1, (self.size.width - LABEL_W) // COL)
        focus = sim.focus_position()
        return window(sim.T, 0 if focus is None else focus, cap)

    def render_line(self, y: int) -> Strip:
        sim = self.sim
        row_index = y + int(self.scroll_offset.y)
        if sim is None or row_index >= len(self._rows):
            return Strip.blank(self.size.width, self.rich_style)
        start, end = self._columns()
        key = (sim.data_version, sim.cursor, sim.phase, sim.grad_steps, start, end, self.size.width, self.app.no_color)
        if key != self._key:
            self._cache.clear()
            self._key = key
            # one colour scale for the whole run, so a colour means the same value everywhere
            self._scale = sim.state_scale()
        strip = self._cache.get(row_index)
        if strip is None:
            # Line API strips carry no widget style: lay the panel's colours under them
            base = self.rich_style
            strip = self._draw(self._rows[row_index], start, end).crop_extend(0, self.size.width, base)
            strip = strip.apply_style(base)
            self._cache[row_index] = strip
        return strip

    def _draw(self, row: tuple, start: int, end: int) -> Strip:
        sim = self.sim
        kind = row[0]
        if kind == "title":
            return Strip([Segment(row[1][: self.size.width], Style(bold=True))])
        if kind == "axis":
            segs = [Segment(" " * LABEL_W)]
            focus = sim.focus_position()
            for t in range(start, end):
                label = clip(sim.tokens[t], COL - 1).ljust(COL)
                style = Style(bold=True, reverse=True) if t == focus else _DIM
                segs.append(Segment(label[:COL], style))
            return Strip(segs)
        _, d, u = row
        h = sim.trace.directions[d].h
        H = h.shape[1]
        segs = [Segment(f"u{u:<3} "[:LABEL_W], _DIM)]
        mono = self.app.no_color
        for t in range(start, end):
            if not sim.read_by(d, t):
                segs.append(Segment(" " * COL))  # not read yet: no state exists
                continue
            top = bucket(float(h[t, u]) / self._scale)
            bot = bucket(float(h[t, u + 1]) / self._scale) if u + 1 < H else 0
            if mono:
                segs.append(Segment((glyph(top) + glyph(bot)).ljust(COL)))
            else:
                segs.append(Segment("▀" * COL, halfblock_style(top, bot)))
        return Strip(segs)


class StateLine(SimWidget):
    """The current state's values as numbers, under the heatmap."""

    DEFAULT_CSS = "StateLine { height: auto; }"

    def layout_key(self, sim):
        return len(sim.model.directions)

    def draw(self, sim) -> Text:
        out = Text()
        width = self.size.width
        for d in sim.model.directions:
            t = sim.focus_position() if d == "forward" else sim.reverse_pos
            if sim.phase == "backward" and d == "reverse":
                t = sim.reverse_grad_pos
            if out.plain:
                out.append("\n")
            name = "h" if d == "forward" else "h←"
            if t is None:
                out.append(f"{name}: zeros (nothing read yet)", style="dim")
                continue
            out.append(f"{name}[{t}] ", style="bold")
            out.append(state_numbers(sim.trace.directions[d].h[t], width - 8))
        return out


def state_numbers(values: np.ndarray, width: int) -> str:
    """As many of a state's values as fit in `width` cells, as signed numbers."""
    parts = []
    used = 0
    for i, v in enumerate(values):
        s = f"{v:+.2f}"
        if used + len(s) + 1 > width - 6:
            parts.append(f"… +{len(values) - i}")
            break
        parts.append(s)
        used += len(s) + 1
    return " ".join(parts)
