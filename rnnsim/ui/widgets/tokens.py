"""The sentence as a strip of tokens: what has been read, the current token, <unk>s."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events

from ..messages import TokenClicked
from .base import SimWidget, clip, window

MAX_TOKEN_CELLS = 16


class TokenStrip(SimWidget):
    DEFAULT_CSS = "TokenStrip { height: 2; }"

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._spans: list[tuple[int, int, int]] = []  # (x0, x1, position) drawn last

    def render(self) -> Text:
        sim = self.sim
        if sim is None:
            return Text()
        width = max(10, self.size.width)
        shown = [clip(t, MAX_TOKEN_CELLS) for t in sim.tokens]
        focus = sim.focus_position()
        focus = 0 if focus is None else focus
        # how many tokens fit around the focus: grow the window while it fits
        avg = max(2, (sum(cell_len(s) for s in shown[: min(len(shown), 200)]) // min(len(shown), 200)) + 1)
        start, end = window(sim.T, focus, max(1, (width - 4) // avg))
        while end - start > 1 and sum(cell_len(s) + 1 for s in shown[start:end]) + 4 > width:
            if focus - start > end - 1 - focus:
                start += 1
            else:
                end -= 1
        unknown = sim.unknown
        top = Text(no_wrap=True, overflow="crop")
        marks = Text(no_wrap=True, overflow="crop")
        top.append("… " if start > 0 else "  ", style="dim")
        marks.append("  ")
        self._spans = []
        fwd, rev = sim.forward_pos, sim.reverse_pos
        for t in range(start, end):
            s = shown[t]
            x0 = top.cell_len
            if sim.phase == "backward":
                if t == sim.grad_cursor:
                    style = "bold reverse yellow"
                elif t > sim.grad_cursor:
                    style = "yellow"
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
            top.append(s, style=style.strip())
            top.append(" ")
            self._spans.append((x0, x0 + cell_len(s), t))
            tag = ""
            if unknown[t]:
                tag = "<unk>"
            elif sim.model.bidirectional and sim.combined_ready(t):
                tag = "✓"
            marks.append(tag[: cell_len(s) + 1].ljust(cell_len(s) + 1), style="red" if unknown[t] else "green")
        if end < sim.T:
            top.append("…", style="dim")
        return Text("\n").join([top, marks])

    def on_click(self, event: events.Click) -> None:
        for x0, x1, t in self._spans:
            if x0 <= event.x < x1 + 1:
                self.post_message(TokenClicked(t))
                return
