"""The unrolled chain of repeating modules: one box per time step, the hidden
state handed from box to box; a window around the current step for long texts."""

from __future__ import annotations

from rich.cells import cell_len

from .base import SimWidget, clip, window
from .line import Line

SHORT = 30  # rows: a shorter terminal gets boxes without their top and bottom lines

LABEL = 6  # cells of token text inside a box
BOX = LABEL + 2  # box width with its sides
ARROW = 3


class Chain(SimWidget):
    DEFAULT_CSS = "Chain { height: 4; }"  # the app fits it: 2 rows a direction when compact
    HINT = False

    def draw(self, sim) -> list[Line]:
        width = max(20, self.content_width)
        # lead (5) + n boxes + (n-1) arrows + tail (6) must fit the width
        cap = max(1, (width - 8) // (BOX + ARROW))
        focus = sim.focus_position()
        start, end = window(sim.T, 0 if focus is None else focus, cap)
        # Two directions, or a short terminal: boxes lose their top and bottom lines.
        compact = sim.model.bidirectional or self.app.size.height < SHORT
        rows = [self._row(sim, "forward", start, end)]
        if sim.model.bidirectional:
            rows.append(self._row(sim, "reverse", start, end))
        keep = (1, 3) if compact else (0, 1, 2, 3)
        return [row[i] for row in rows for i in keep]

    def _row(self, sim, direction: str, start: int, end: int) -> list[Line]:
        backward = sim.phase == "backward"
        norms = sim.grad_norms(direction) if backward else sim.state_norms(direction)
        rev = direction == "reverse"
        if backward:
            current = sim.reverse_grad_pos if rev else sim.grad_cursor
        else:
            current = sim.reverse_pos if rev else sim.forward_pos
        grad = self.palette.grad
        lines = [Line() for _ in range(4)]
        if rev:  # the reverse chain starts at the right end: the zero state enters there
            lead = " ◀── " if start > 0 else "     "
        else:
            lead = " 0 ─▶" if start == 0 else " ──▶ "  # the starting state: zeros
        lines[0].append("     ")
        lines[1].append(lead, style="dim")
        lines[2].append("     ")
        lines[3].append("|∂h| " if backward else ("|h|  " if not rev else "|h←| "), style="dim")
        for t in range(start, end):
            read = sim.read_by(direction, t)
            revealed = backward and sim.grad_revealed(direction, t)
            if backward:
                style = f"bold {grad}" if t == current else (grad if revealed else "dim")
            elif t == current:
                style = "bold magenta" if rev else "bold cyan"
            else:
                style = "" if read else "dim"
            label = clip(sim.tokens[t], LABEL)
            pad = LABEL - cell_len(label)
            heavy = t == current
            if heavy:
                style += " reverse"
            tl, tr_, bl, br, hz, vt = ("┏", "┓", "┗", "┛", "━", "┃") if heavy else ("┌", "┐", "└", "┘", "─", "│")
            lines[0].append(tl + hz * LABEL + tr_, style=style)
            lines[1].append(vt, style=style)
            lines[1].append(" " * (pad // 2) + label + " " * (pad - pad // 2), style=style)
            lines[1].append(vt, style=style)
            lines[2].append(bl + hz * LABEL + br, style=style)
            shown = revealed if backward else read
            val = f"{norms[t]:.1e}" if backward else f"{norms[t]:.2f}"
            lines[3].append((val if shown else "").center(BOX), style=grad if backward else "")
            if t < end - 1:
                if backward:  # the gradient flows against the reading direction
                    nxt = t if rev else t + 1
                    arrow = "──▶" if rev else "◀──"
                    astyle = grad if sim.grad_revealed(direction, nxt) else "dim"
                elif rev:
                    arrow, astyle = "◀──", ("magenta" if sim.read_by("reverse", t) else "dim")
                else:
                    arrow, astyle = "──▶", ("cyan" if sim.read_by("forward", t + 1) else "dim")
                lines[0].append(" " * ARROW)
                lines[1].append(arrow, style=astyle)
                lines[2].append(" " * ARROW)
                lines[3].append(" " * ARROW)
        if rev:
            lines[1].append(" ◀── 0" if end == sim.T else " ◀── …", style="dim")
        elif end < sim.T:
            lines[1].append(" ──▶ …", style="dim")
        return lines
