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
from .line import Line


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

    def draw(self, sim) -> list[Line | Text]:
        inner = max(1, self.content_width - 2)
        out = []
        for line in self._said:
            if isinstance(line, str) and "\n" not in line and cell_len(line) <= inner:
                out.append(Line(f" {line} "))  # (the explanation's lines, wrapped to fit)
                continue
            text = line if isinstance(line, Text) else Text(line)
            fits = cell_len(text.plain) <= inner and "\n" not in text.plain
            for part in [text] if fits else text.wrap(self.app.console, inner):
                out.append(_as_line(part) or Text.assemble(" ", part, " "))
        return out


def _as_line(text: Text) -> Line | None:
    """`text` between two blanks as a Line (cheaper to draw than a Text), when a Line can
    say the same: no style of its own under the spans, and no spans that overlap."""
    if text.style:
        return None
    plain = text.plain
    line = Line(" ")
    at = 0
    for start, end, style in sorted(text.spans, key=lambda span: (span.start, span.end)):
        if start < at:
            return None
        line.append(plain[at:start])
        line.append(plain[start:end], style)
        at = end
    line.append(plain[at:] + " ")
    return line
