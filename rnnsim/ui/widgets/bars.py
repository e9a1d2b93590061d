"""The top bar and the explanation: lines of text the app writes, drawn as the panels are.

Both change at every step. As Statics they were rendered through Textual's Content at
every step (wrapped, styled, padded: a fifth of a step's frame); drawn as a panel, a line
costs what a panel's line costs, and the explanation is wrapped once, for its rows and
its picture alike (ui/layout.py). What they show is what the Statics showed: a line wraps
at the width less a blank cell either side (the Statics' padding, drawn here as part of
the line), and the rows the app gives the bar cut what does not fit.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text

from .base import SimWidget


class TextBar(SimWidget):
    """Lines of text on the bar's own colours, one blank cell either side."""

    DEFAULT_CSS = "TextBar { height: 1; overflow-y: hidden; }"
    HINT = False  # the app fits the rows (the explanation's last row says what is cut)

    _said: tuple = ()

    def say(self, sim, lines: Sequence[str | Text]) -> None:
        """Show `lines` (each wrapped to the width, as a Static wraps), redrawn only when
        they change."""
        self._said = tuple(lines)
        self.show(sim)

    def view_key(self, sim) -> object:
        return self._said

    def draw(self, sim) -> list[Text]:
        inner = max(1, self.content_width - 2)
        out = []
        for line in self._said:
            text = line if isinstance(line, Text) else Text(line)
            fits = cell_len(text.plain) <= inner and "\n" not in text.plain
            parts = [text] if fits else list(text.wrap(self.app.console, inner))
            out += [Text.assemble(" ", part, " ") for part in parts]
        return out
