"""The sentence as a strip of tokens: what has been read, the current token, <unk>s."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events

from ..messages import TokenClicked
from ..palette import bucket
from .base import SimWidget, clip
from .line import Line

MAX_TOKEN_CELLS = 16


class TokenStrip(SimWidget):
    DEFAULT_CSS = "TokenStrip { height: 2; }"  # the app drops the marks line on a short terminal
    HINT = False

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._spans: list[tuple[int, int, int]] = []  # (x0, x1, position) drawn last

    def draw(self, sim) -> list[Line]:
        width = max(10, self.content_width)
        focus = sim.focus_position()
        focus = 0 if focus is None else focus
        # Grow a window around the focus one token at a time while it fits: only the
        # tokens on screen are measured, so a 10,000-token text costs what 7 do.
        shown: dict[int, str] = {}

        def cells(t: int) -> int:
            if t not in shown:
                shown[t] = clip(sim.tokens[t], MAX_TOKEN_CELLS)
            return cell_len(shown[t]) + 1

        start, end, used = focus, focus + 1, cells(focus) + 4
        while True:
            # prefer the side that keeps the focus about a third of the way in
            right_first = (end - focus) <= (focus - start) // 2
            sides = ("right", "left") if right_first else ("left", "right")
            for side in sides:
                if side == "right" and end < sim.T and used + cells(end) <= width:
                    used += cells(end)
                    end += 1
                    break
                if side == "left" and start > 0 and used + cells(start - 1) <= width:
                    start -= 1
                    used += cells(start)
                    break
            else:
                break
        unknown = sim.unknown
        top = Line()
        marks = Line()
        top.append("… " if start > 0 else "  ", style="dim")
        marks.append("  ")
        self._spans = []
        fwd, rev = sim.forward_pos, sim.reverse_pos
        painted = sim.unit_values() if sim.phase == "forward" else None  # a watched unit, over the text
        scale = max(1e-9, float(abs(painted).max())) if painted is not None else 1.0
        for t in range(start, end):
            s = shown[t]
            x0 = top.cell_len
            if sim.phase == "backward":
                if t == sim.grad_cursor:
                    style = f"bold reverse {self.palette.grad}"
                elif t == sim.reverse_grad_pos:
                    style = "bold reverse magenta"
                elif any(sim.grad_revealed(d, t) for d in sim.model.directions):
                    style = self.palette.grad
                else:
                    style = ""
            elif t == fwd:
                style = "bold reverse cyan"
            elif t == rev:
                style = "bold reverse magenta"
            elif sim.read_by("forward", t) or (sim.model.bidirectional and sim.read_by("reverse", t)):
                style = "bold"
            else:
                style = "dim"
            if unknown[t]:
                style += " underline"
            value = None
            if painted is not None and sim.read_by("forward", t):
                value = float(painted[t])  # the unit's colour replaces the reading colours; the
                # current token keeps a mark of its own (underlined), readable on any colour
                style = "bold underline" if t == fwd else "bold"
                style += f" on {self.palette.diverging_color(bucket(value, -scale, scale)).name}"
            top.append(s, style=style.strip())
            top.append(" ")
            self._spans.append((x0, x0 + cell_len(s), t))
            tag = ""
            if value is not None:
                # the current token's value whole, even past its word (the tags it covers go)
                tag = _short(value, 5 if t == fwd else cell_len(s))
            elif unknown[t]:
                tag = "<unk>"
            elif sim.model.bidirectional and sim.combined_ready(t):
                tag = "✓"
            tag_style = "" if value is not None else "red" if unknown[t] else "green"
            if x0 >= marks.cell_len:  # (else the current token's whole value covers its place)
                marks.append(" " * (x0 - marks.cell_len))
                # a cut tag may take the blank after its word, unless the next word is marked
                # too: "<un<unk>" read as one garbled mark, "<u <unk>" as two
                room = cell_len(s) + (0 if t + 1 < end and unknown[t + 1] else 1)
                marks.append(tag if value is not None else tag[:room], style=tag_style)
                if value is not None:
                    marks.append(" ")  # a blank between two values, always
        if end < sim.T:
            top.append("…", style="dim")
        return [top, marks]

    def on_click(self, event: events.Click) -> None:
        for x0, x1, t in self._spans:
            if x0 <= event.x < x1 + 1:
                self.post_message(TokenClicked(t))
                return


def _short(v: float, width: int) -> str:
    """The value under its token in at most `width` cells (the word's own: a blank always
    separates two values), as precise as that allows; "·" under a word too short for any
    honest form (a bare sign or a lone digit read as another number): the colour shows it,
    and stepping onto the word shows its value whole."""
    if v == 0:  # a knocked-out unit: exactly zero, not a rounded -0.00
        return "0"
    if abs(v) >= 0.95:  # rounds to ±1: the short forms would read "+1.0" or "+1"
        options = (f"{v:+.2f}", f"{v:+.1f}", f"{v:+.0f}")
    else:  # "+.9": the leading zero goes first, so a three-letter word keeps a digit
        options = (f"{v:+.2f}", f"{v:+.2f}".replace("0.", ".", 1), f"{v:+.1f}".replace("0.", ".", 1))
    for text in options:
        if len(text) <= width:
            return text
    return "·"
