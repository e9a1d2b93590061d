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
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...textsafe import printable
from ..palette import bucket, glyph, palette_for
from ..titles import layer_forms, set_title
from .base import SimWidget, clip, window
from .direct import direct_lines
from .kept import KeptLines
from .line import Line, Lines

COL = 3  # cells per time step, at least: wider where every word in view then fits whole
MAX_COL = 10  # (a longer word is cut, with …)
LABEL_W = 5
TWO_LINE_AXIS = 6  # rows: a heatmap this tall names cut columns on two lines (staggered)
_DIM = Style(dim=True)


class Heatmap(KeptLines, ScrollView, can_focus=False):
    DEFAULT_CSS = """
    Heatmap { height: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; background: transparent; }
    """

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.sim = None
        self._rows: list[tuple] = []
        self._cache: OrderedDict = OrderedDict()
        self._key = None
        # row -> (its label, {position: its styled cell}), the cells of the window's
        # positions as if read: a step that slides the window computes one new column
        self._cells: dict[int, tuple[Segment, dict[int, Segment]]] = {}
        self._cells_key = None
        self._window: tuple[int, int] | None = None
        self._read: dict[str, list[bool]] = {}
        self._scale = 1.0
        self._frame: tuple[int, int, int] | None = None  # (width, first, last + 1 column) while drawing
        self._rows_at = (0, 0)  # (the top row in view, the axis's line) while drawing
        self._col = COL  # cells per position in this frame
        self._axis_lines = 1  # lines under the units that name the columns

    def show(self, sim) -> None:
        self.sim = sim
        self._layout()
        scale = sim.state_scale()
        if self.parent is not None:
            full, short = layer_forms(sim)
            # under NO_COLOR the cells are glyphs (palette.glyph), from most negative to most positive
            signs = "≡=- <0< +*#" if self.app.no_color else "blue<0<red"
            legend = f"{signs} ±{scale:.2f}"
            forms = (f"hidden state{full}, {legend}", f"hidden state{short}, {legend}", f"h{short}, {legend}")
            set_title(self.parent, *forms)
        self.refresh()

    def redraw(self) -> None:
        """Forget every cached row (the theme changed: the colours with it)."""
        self._key = self._cells_key = None
        self.refresh()

    def on_resize(self) -> None:
        self._layout()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._update_hint()

    def _layout(self) -> None:
        """Rows: for each direction a title row and one row per pair of units; the axis
        (the tokens) is pinned to the last line, under whichever units are in view."""
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
        self._rows = rows
        self._axis_lines = self._axis_height()
        size = Size(self.size.width, len(rows) + self._axis_lines)  # + the axis
        if size != self.virtual_size:
            self.virtual_size = size
        self._update_hint()

    def _update_hint(self) -> None:
        """ "u0–u17 of 32 units ↓" on the box's lower border when some units are out of view
        (per direction for a bidirectional network: "→ u0–u15, ← none of 16 units")."""
        if self.parent is None or not self._rows:
            return
        top = int(self.scroll_offset.y)
        seen = [r for r in self._rows[top : top + max(0, self.size.height - self._axis_lines)] if r[0] == "units"]
        H = self.sim.model.hidden
        dirs = self.sim.model.directions
        hint = ""
        if len(seen) < len([r for r in self._rows if r[0] == "units"]) and self.size.height > 0:
            parts = []
            for d in dirs:
                units = sorted({u for r in seen if r[1] == d for u in (r[2], r[2] + 1) if u < H})
                where = f"u{units[0]}–u{units[-1]}" if units else "none"
                parts.append(where if len(dirs) == 1 else f"{'→' if d == 'forward' else '←'} {where}")
            below = top + self.size.height < len(self._rows) + self._axis_lines
            arrows = ("↑" if top > 0 else "") + ("↓" if below else "")
            shown = ", ".join(parts)
            # whole on the border: without "scroll" where it does not fit (cut at 80 columns)
            forms = (f"{shown} of {H} units {arrows} scroll", f"{shown} of {H} units {arrows}")
            room = self.parent.outer_size.width - 6  # corners and a blank either side
            hint = next((f for f in forms if cell_len(f) <= room), forms[-1]) if room > 0 else forms[0]
        if self.parent.border_subtitle != hint:
            self.parent.border_subtitle = hint

    def _columns(self) -> tuple[int, int, int]:
        """(first, last + 1 position in view, cells per position). Three cells a position
        where the text is long (its labels then cut to a letter and …); where the panel has
        room to spare, each position gets the cells its longest word in view needs, so the
        axis names every column with its whole word."""
        sim = self.sim
        room = self.scrollable_content_region.width - LABEL_W
        focus = sim.focus_position()
        start, end = window(sim.T, 0 if focus is None else focus, max(1, room // COL))
        longest = max((cell_len(clip(sim.tokens[t], MAX_COL - 1)) for t in range(start, end)), default=0)
        col = max(COL, min(longest + 1, room // max(1, end - start)))
        return start, end, col

    def _axis_height(self) -> int:
        """Two lines where the words in view do not fit their columns whole (a long text)
        and the panel is tall enough to give a row of units for them; else one."""
        if self.sim is None or self.size.height < TWO_LINE_AXIS:
            return 1
        start, end, col = self._columns()
        longest = max((cell_len(printable(self.sim.tokens[t])) for t in range(start, end)), default=0)
        return 1 if longest < col else 2

    def fresh_lines(self, crop):
        # What every line of this frame shares, worked out once (not once per line)
        self._frame = None
        if self.sim is not None:
            start, end, self._col = self._columns()
            top = int(self.scroll_offset.y)
            axis_y = min(self.size.height - self._axis_lines, len(self._rows) - top)  # under the last row, or pinned
            self._frame = (self.scrollable_content_region.width, start, end)
            self._rows_at = (top, axis_y)
        return direct_lines(self, crop) or super().fresh_lines(crop)

    def render_line(self, y: int) -> Strip:
        sim = self.sim
        if sim is None or self._frame is None:
            return Strip.blank(self.scrollable_content_region.width, self.rich_style)
        width, start, end = self._frame
        top, axis_y = self._rows_at
        cells_key = (sim.data_version, self._col, self.app.no_color)
        if cells_key != self._cells_key:
            # The coloured cells of every row: they change with the numbers or the theme,
            # not with the cursor (a step only uncovers a column) nor the window (a step
            # at the window's edge slides it by a column: the others are kept).
            self._cells.clear()
            self._cells_key = cells_key
            self._scale = sim.state_scale()  # one colour scale for the whole run
            self._base = self.rich_style  # (Line API strips carry no widget style: lay it under them)
            self._palette = palette_for(self.app)
        key = (cells_key, start, end, width, sim.cursor, sim.phase, sim.grad_steps, self._axis_lines)
        if key != self._key:
            self._cache.clear()
            self._key = key
            if self._window != (start, end):  # keep only the cells still in the window
                self._window = (start, end)
                for _label, cells in self._cells.values():
                    for t in [t for t in cells if not start <= t < end]:
                        del cells[t]
            self._read = {d: [sim.read_by(d, t) for t in range(start, end)] for d in sim.model.directions}
        lines = self._axis_lines
        if y >= axis_y + lines:
            return Strip.blank(width, self._base)
        row_index = len(self._rows) + y - axis_y if y >= axis_y else y + top
        strip = self._cache.get(row_index)
        if strip is None:
            row = ("axis", row_index - len(self._rows)) if row_index >= len(self._rows) else self._rows[row_index]
            if row[0] == "units":
                strip = self._units_strip(row_index, row, start, end, width)
            else:
                strip = self._draw(row, start, end).crop_extend(0, width, self._base).apply_style(self._base)
            self._cache[row_index] = strip
        return strip

    def _units_strip(self, row_index: int, row: tuple, start: int, end: int, width: int) -> Strip:
        """One row of units: its cached cells where the direction has read the position,
        blank where it has not, in the panel's colours, padded to the width."""
        label, cells = self._row_cells(row_index, row, start, end)
        base = self._base
        # Positions not read yet are blank: each run of them (and the padding after the
        # last column) is one segment, not one per position. The picture is the same; a
        # row of a long text's window, mostly unread, has a third of the segments, and
        # Textual's cost of a repainted line grows with its segments.
        segs = [label]
        blanks = 0
        for t, read in zip(range(start, end), self._read[row[1]], strict=True):
            if read:
                if blanks:
                    segs.append(Segment(" " * (self._col * blanks), base))
                    blanks = 0
                segs.append(cells[t])
            else:
                blanks += 1
        used = LABEL_W + self._col * (end - start)
        if used > width:  # (the window is chosen to fit; never wider than the panel)
            if blanks:
                segs.append(Segment(" " * (self._col * blanks), base))
            return Strip(segs).crop_extend(0, width, base)
        if blanks or used < width:
            segs.append(Segment(" " * (self._col * blanks + width - used), base))
        return Strip(segs, width)

    def _row_cells(self, row_index: int, row: tuple, start: int, end: int) -> tuple[Segment, dict[int, Segment]]:
        """A units row's label and styled cells for positions start..end-1 (each drawn once
        while the numbers and the theme stay)."""
        got = self._cells.get(row_index)
        if got is None:
            runs = [(start, end)]
        else:
            # the missing positions: none, or a slid window's edge, or after a jump a few
            # runs; each run is drawn from its first position to its last
            missing = [t for t in range(start, end) if t not in got[1]]
            runs = []
            for i, t in enumerate(missing):
                if i == 0 or t != missing[i - 1] + 1:
                    runs.append([t, t + 1])
                else:
                    runs[-1][1] = t + 1
        for a, b in runs:
            segs = list(Segment.apply_style(self._draw(row, a, b, every=True), self._base))
            if got is None:
                got = self._cells[row_index] = (segs[0], {})
            got[1].update(zip(range(a, b), segs[1:], strict=True))
        return got

    def _draw(self, row: tuple, start: int, end: int, every: bool = False) -> Strip | list[Segment]:
        """A row's picture from start to end; `every`: a units row's segments as if every
        position were read (the caller blanks the unread ones)."""
        sim = self.sim
        kind = row[0]
        if kind == "title":
            return Strip([Segment(row[1][: self.size.width], Style(bold=True))])
        if kind == "axis":
            words = [sim.tokens[t] for t in range(start, end)]
            focus = sim.focus_position()
            at = None if focus is None or not start <= focus < end else focus - start
            room = self.scrollable_content_region.width - LABEL_W
            segs = [Segment(" " * LABEL_W)]
            placed = axis_labels(words, self._col, at, self._axis_lines, room, first=start)[row[1]]
            if placed and placed[0][0]:
                segs.append(Segment(" " * (placed[0][0] * self._col), _DIM))
            for k, (i, label) in enumerate(placed):
                # each label, then blanks up to the next one (or its column's end)
                upto = placed[k + 1][0] * self._col if k + 1 < len(placed) else (i + 1) * self._col
                segs.append(Segment(label, Style(bold=True, reverse=True) if i == at else _DIM))
                segs.append(Segment(" " * max(0, upto - i * self._col - cell_len(label)), _DIM))
            return Strip(segs)
        _, d, u = row
        h = sim.layer_directions()[d].h
        H = h.shape[1]
        segs = [Segment(f"u{u:<3} "[:LABEL_W], _DIM)]
        mono = self.app.no_color
        for t in range(start, end):
            if not every and not sim.read_by(d, t):
                segs.append(Segment(" " * self._col))  # not read yet: no state exists
                continue
            top = bucket(float(h[t, u]) / self._scale)
            bot = bucket(float(h[t, u + 1]) / self._scale) if u + 1 < H else 0
            if mono:
                segs.append(Segment((glyph(top) + glyph(bot)).ljust(self._col)))
            else:
                segs.append(Segment("▀" * self._col, self._palette.halfblock_style(top, bot)))
        return segs if every else Strip(segs)


def axis_labels(
    words: list[str], col: int, focus: int | None, lines: int, room: int, first: int = 0
) -> list[list[tuple[int, str]]]:
    """Where the axis names each column: per line, (column, label) with each label starting
    at its column's left edge. The focused word is always whole; the others get the cells
    up to the next label on their line, cut with … where they need more. On two lines the
    columns take turns (even positions above, odd below, counted from the text's start so
    that a word keeps its line as the window slides), so each label has two columns' cells.
    A column left without a label (under a whole focused word, or with room for nothing
    but …) is still there: the labels beside it start at their own columns."""
    out: list[list[tuple[int, str]]] = [[] for _ in range(lines)]
    for line in range(lines):
        mine = [i for i in range(len(words)) if (first + i) % lines == line]
        spans = {}  # column -> the cells its label may take
        if focus in mine:
            whole = clip(words[focus], max(1, room - focus * col))
            spans[focus] = whole
        for k, i in enumerate(mine):
            if i == focus:
                continue
            x = i * col
            end = mine[k + 1] * col - 1 if k + 1 < len(mine) else room  # a blank before the next label
            if focus in mine and focus != i:
                fx = focus * col
                if fx < x < fx + cell_len(spans[focus]) + 1:
                    continue  # under the focused word
                if x < fx:
                    end = min(end, fx - 1)
            fit = end - x
            word = printable(words[i])
            if cell_len(word) <= fit:
                spans[i] = word
            elif fit >= 2:
                spans[i] = clip(word, fit)
        out[line] = sorted(spans.items())
    return out


class StateLine(SimWidget):
    """The current state's values as numbers, under the heatmap."""

    DEFAULT_CSS = "StateLine { height: auto; }"

    def layout_key(self, sim):
        return len(sim.model.directions)

    def draw(self, sim) -> list[Line]:
        out = Lines()
        width = self.content_width
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
            label = f"{name}[{t}] "
            out.append(label, style="bold")
            out.append(state_numbers(sim.layer_directions()[d].h[t], width - cell_len(label)))
        return out.done()


def state_numbers(values: np.ndarray, width: int) -> str:
    """As many of a state's values as fit in `width` cells, as signed numbers, then how
    many are left out in words ("… 29 more": "+29" read as one more value)."""
    numbers = [f"{v:+.2f}" for v in values]
    n = len(numbers)
    if len(" ".join(numbers)) <= width:
        return " ".join(numbers)
    shown, used = 0, 0  # used: cells of the first `shown` numbers, each with its space
    while shown < n and used + len(numbers[shown]) + 1 + len(f"… {n - shown - 1} more") <= width:
        used += len(numbers[shown]) + 1
        shown += 1
    return " ".join([*numbers[:shown], f"… {n - shown} more"])
