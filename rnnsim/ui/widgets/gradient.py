"""Backpropagation through time: |∂L/∂h[t]| (and |∂L/∂c[t]| for an LSTM) per
position on a log scale, revealed one step back at a time, with the factor by
which each step back multiplies the gradient; for one direction also |∂L/∂x[t]|, the
gradient that reaches the word's own embedding (what that word would learn)."""

from __future__ import annotations

import math

import numpy as np
from rich.cells import cell_len
from rich.text import Text

from ...textsafe import printable
from ..palette import hbar
from ..titles import BORDER_CELLS
from .base import SimWidget, clip, window
from .line import Line, Lines

MAX_DECADES = 12
LABEL_W = 13  # "  4 the      "
NUMBER_W = 9  # " 3.5e-04 " after each bar
STEP_W = 7  # " ×0.40", " ×110"
MIN_BAR, MAX_BAR = 3, 40
TITLE = "gradient through time"


def decades_spanned(*series: np.ndarray) -> int:
    """How many powers of ten the axis spans: enough for the smallest non-zero value, so
    a gradient that shrinks 50x fills the width as clearly as one that shrinks 1e9x."""
    values = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
    pos = values[(values > 0) & np.isfinite(values)]  # an overflowed state (relu) is shown as inf
    if pos.size == 0:
        return 1
    return int(min(MAX_DECADES, max(1, math.ceil(math.log10(pos.max() / pos.min()) + 0.3))))


def table_rows(n: int, cursor: int, pin: int, capacity: int) -> list[int | None]:
    """The positions the table shows in `capacity` rows: all of them where they fit, else a
    window that follows the cursor and, kept beside it, one more row, `pin`: the loss's own
    row, where the walk began (what every "of what it was" compares with), or for two
    directions the reverse walk's row. None: a row that says how many positions are left
    out between, where there is a row to spare for it."""
    if n <= capacity or capacity < 2:
        return list(range(*window(n, cursor, capacity)))
    first, end = window(n, cursor, capacity)
    if first <= pin < end:
        return list(range(first, end))
    if abs(pin - cursor) < capacity:  # both in one run of rows, ending (or starting) at the pin
        first = pin - capacity + 1 if pin > cursor else pin
        first = max(0, min(first, n - capacity))
        return list(range(first, first + capacity))
    gap = capacity >= 3  # a row of its own that says how many are left out
    if pin > cursor:
        first, end = window(pin, cursor, capacity - 1 - gap)
        return [*range(first, end), *([None] if gap else []), pin]
    first, end = window(n - pin - 1, cursor - pin - 1, capacity - 1 - gap)  # (the positions after the pin)
    return [pin, *([None] if gap else []), *range(pin + 1 + first, pin + 1 + end)]


def window_hint(rows: list[int | None], n: int) -> str:
    """What the border says when the table leaves positions out ("" when it shows all)."""
    shown = [t for t in rows if t is not None]
    if len(shown) == n:
        return ""
    runs: list[list[int]] = []
    for t in shown:
        if runs and t == runs[-1][1] + 1:
            runs[-1][1] = t
        else:
            runs.append([t, t])
    said = ", ".join(f"{a}–{b}" if b > a else f"{a}" for a, b in runs)
    return f"t={said} of {n} positions, follows the cursor"


def log_fraction(x: float, peak: float, decades: int) -> float:
    """Where x sits on a log axis from peak*10^-decades (0) to peak (1)."""
    if not (x > 0 and peak > 0):
        return 0.0
    return max(0.0, min(1.0, (math.log10(x / peak) + decades) / decades))


class GradientPanel(SimWidget):
    """The table keeps the cursor's row in view by itself (a window over the positions)
    and says on its border which positions it shows."""

    DEFAULT_CSS = "GradientPanel { height: 1fr; }"
    _window_hint = ""
    _wanted = 0

    @property
    def wanted_height(self) -> int:
        # The table fits its window to the height it gets; what it wants is every position.
        return max(self._wanted, len(self._strips)) if self.sim and self.sim.phase == "backward" else len(self._strips)

    _decades_for: int | None = None
    _decades = 1

    def view_key(self, sim):
        # Before b the panel is a fixed hint: nothing to redraw while the user steps.
        if sim.phase != "backward":
            return ("hint", sim.loss_mode, sim.target_label())  # (a classifier names its label)
        return (sim.data_version, sim.grad_steps)

    def _update_hint(self) -> None:
        if self.sim is None or self.sim.phase != "backward" or self.parent is None:
            super()._update_hint()
        elif self.parent.border_subtitle != self._window_hint:
            self._hint = self._window_hint
            self.parent.border_subtitle = self._window_hint

    def draw(self, sim) -> list[Line | Text]:
        out = Lines()
        mode = sim.loss_mode if isinstance(sim.loss_mode, str) else f"t={sim.loss_mode}"
        if sim.phase != "backward":
            self._box_title(TITLE)
            out.append("Backpropagation through time\n", style="bold")
            out.append("Press b to run it and watch how much\n", style="dim")
            out.append("gradient reaches each earlier word.\n", style="dim")
            if sim.is_classifier:  # one loss, at a label: no word's loss to choose
                out.append(f"Loss at “{printable(sim.target_label())}” (a: another label).", style="dim")
            else:
                out.append(f"Loss: {mode} (L: all words / one word).", style="dim")
            return out.done()
        tr = sim.trace
        dirs = sim.model.directions
        lstm = sim.model.cell == "lstm"
        pal = self.palette
        series = []  # (label, norms, style)
        for d in dirs:
            arrow = "" if len(dirs) == 1 else ("→" if d == "forward" else "←")
            series.append((d, f"|∂L/∂h{arrow}|", sim.grad_norms(d), pal.grad))
            if lstm:
                series.append((d, f"|∂L/∂c{arrow}|", sim.cell_grad_norms(d), pal.cell_grad))
        layer = sim.shown_layer
        if len(dirs) == 1 or sim.is_classifier or sim.num_layers > 1:
            # (two directions of a one-layer next-word model fill the panel; the sum is in
            # `rnnsim trace`.) What reaches the shown layer's input: at the bottom, the word's
            # own embedding (the update its weights would get, how much the word moved a
            # classifier's decision); higher up, what the layer below's output receives.
            if layer > 0:
                series.append(("input", f"|∂L/∂in{layer + 1}|", sim.layer_input_grad_norms(layer), pal.input_grad))
            if layer == 0 or sim.is_classifier:  # a classifier always shows what each word did
                series.append(("input", "|∂L/∂x|", sim.input_grad_norms(), pal.input_grad))
        finite = [s[2][np.isfinite(s[2])] for s in series]  # inf/nan are drawn full/empty, printed as such
        peak = max((float(np.max(f)) for f in finite if f.size), default=0.0) or 1.0
        if self._decades_for != sim.data_version:  # once per trace, not per frame
            self._decades_for, self._decades = sim.data_version, decades_spanned(*(s[2] for s in series))
        decades = self._decades
        factors = sim.grad_factors("forward")
        width = self.content_width
        survival = sim.loss_mode != "all"  # with every word's loss summed, ratios mix losses

        # Columns by priority: |dL/dh| of each direction first, then |dL/dc|, then |dL/dx|;
        # a column that does not fit is left out and the table says which.
        def rank(i: int) -> tuple:
            kind, label = series[i][0], series[i][1]
            if sim.is_classifier:  # what each word did to the decision comes before |dL/dc|
                return (label.startswith("|∂L/∂in"), label.startswith("|∂L/∂c"), i)
            return (kind == "input", label.startswith("|∂L/∂c"), i)

        priority = sorted(range(len(series)), key=rank)
        fixed = LABEL_W + (STEP_W if survival else 0)
        keep = list(priority)
        while len(keep) > 1 and (width - fixed) // len(keep) - NUMBER_W < MIN_BAR:
            keep.pop()
        left_out = [series[i][1] for i in priority if i not in keep]
        series = [series[i] for i in sorted(keep)]
        bar_w = max(MIN_BAR, min(MAX_BAR, (width - fixed) // len(series) - NUMBER_W))
        loss = f"loss at “{sim.target_label()}”" if sim.is_classifier else f"loss {mode}"
        title = f"{loss} = {tr.loss:.3g} · log scale, 1e-{decades}..1 of the peak"
        # Where the panel cannot show every position, the title goes up onto the box's
        # border (where it fits whole) and leaves its line to one more position.
        short = self.size.height < 1 + sim.T + bool(left_out) + (sim.num_layers > 1) + 1
        if short and self._box_title(*(f"{name} · {title}" for name in (TITLE, "gradient")), whole=True):
            title = ""
        else:
            self._box_title(TITLE)
            if len(title) > width:
                title = f"{loss} = {tr.loss:.3g}\nlog scale, 1e-{decades}..1 of the peak"
            out.append(title + "\n", style="bold")
        title_lines = title.count("\n") + 1 if title else 0
        # The stack's line gives way to the table only where 2 positions would not show.
        room = self.size.height - (title_lines + 1) - 2
        notes = self._stack_line(sim)[: max(0, room)]
        for note in notes:
            out.add_text(note)
        head = f"{'t':>3} {'token':<8} "
        for _, label, _, _ in series:
            head += f"{label:<{bar_w + NUMBER_W}}"  # a column: the bar, a space, the number, a space
        head += " ×step" if survival else ""
        out.append(head + "\n", style="dim")
        used = title_lines + 1 + len(notes)
        if left_out:
            out.append(f"({', '.join(left_out)}: wider terminal)\n", style="dim")
            used += 1
        cap = max(1, self.size.height - used)
        # every position, under the title on its own line: what the app tries to give the
        # table (not less for a title moved up: the panel would then never get it back)
        self._wanted = used + (0 if title_lines else 1) + sim.T
        # beside the cursor's rows: the loss's row, or for two directions the reverse walk's
        pin = sim.reverse_grad_pos if sim.model.bidirectional else sim.loss_start()
        rows = table_rows(sim.T, sim.grad_cursor, pin, cap)
        self._window_hint = window_hint(rows, sim.T)
        for i, t in enumerate(rows):
            if t is None:  # the positions left out between the cursor's rows and the loss's
                gap = rows[i + 1] - rows[i - 1] - 1
                out.append(f"{'┆':>3} {gap} position{'s' * (gap > 1)} not shown\n", style="dim")
                continue
            cur = t == sim.grad_cursor
            out.append(f"{t:>3} ", style="bold" if cur else "dim")
            out.append(f"{clip(sim.tokens[t], 8):<8}", style=f"bold reverse {pal.grad}" if cur else "")
            out.append(" ")  # unstyled: the highlighted word stays apart from its bar
            for direction, _, norms, style in series:
                if self._revealed(sim, direction, t):
                    out.append(hbar(log_fraction(float(norms[t]), peak, decades), bar_w), style=style)
                    out.append(f" {norms[t]:7.1e} ")  # the space keeps the next bar off the number
                else:
                    out.append("·" * bar_w + " " * 9, style="dim")
            f = factors[t + 1] if t + 1 < sim.T else float("nan")
            if survival and sim.grad_revealed("forward", t) and t < sim.loss_start() and f == f:
                factor = f" ×{f:.2f}" if f < 10 else f" ×{f:.0f}"  # (a step back can multiply by 100)
                out.append(factor, style="red" if f < 0.7 else pal.hit)
            out.append("\n")
        return out.done()

    def _box_title(self, *forms: str, whole: bool = False) -> bool:
        """Give the box the first title form its top border holds whole (with `whole`, none
        if none does: then False). The box is laid out before the panel draws."""
        box = self.parent
        if box is None:
            return False
        room = box.outer_size.width - BORDER_CELLS
        title = next((f for f in forms if cell_len(f) <= room), None if whole else forms[-1])
        if title is None:
            if box.border_title != TITLE:
                box.border_title = TITLE
            return False
        if box.border_title != title:
            box.border_title = title
        return True

    @staticmethod
    def _revealed(sim, direction: str, t: int) -> bool:
        """The input column is reached once any direction's walk has reached t."""
        if direction == "input":
            return any(sim.grad_revealed(d, t) for d in sim.model.directions)
        return sim.grad_revealed(direction, t)

    def _stack_line(self, sim) -> list[Text]:
        """A stacked model: how much gradient reaches each layer's input over the whole
        text, from the top layer down to the words (the shown layer in bold)."""
        if sim.num_layers == 1:
            return []
        totals = sim.stack_grad_totals()
        if totals is None:
            return []
        line = Text("into layer ", style="dim")
        for k in range(sim.num_layers - 1, -1, -1):
            where = f"{k + 1}" + (" (words)" if k == 0 else "") + ":"
            style = f"bold {self.palette.input_grad}" if k == sim.shown_layer else self.palette.input_grad
            line.append(f"{where} {totals[k]:.1e}", style=style)
            if k:
                line.append(" ▸ ", style="dim")
        return [line]
