"""A panel's picture as runs of (text, style), built the way the panels used to build a
rich Text with append(), for a fraction of the cost: Text.append sanitises and measures
every piece, and a step appended several hundred pieces. SimWidget.redraw turns a Line
into exactly the segments rich would render the Text to (tests/ui/test_line.py checks it),
so the picture is the same."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text


class Line:
    """One line: runs of text, each with a style (a style name, a Style, or None for the
    panel's own colours). Consecutive unstyled pieces share one run, styled pieces keep a
    run each, as a Text's spans do."""

    __slots__ = ("runs", "cell_len")

    def __init__(self, text: str = "", style=None) -> None:
        self.runs: list[tuple[str, object]] = []
        self.cell_len = 0  # cells of the text so far
        if text:
            self.append(text, style)

    def append(self, text: str, style=None) -> Line:
        if text:
            runs = self.runs
            if style:
                runs.append((text, style))
            elif runs and not runs[-1][1]:
                runs[-1] = (runs[-1][0] + text, None)
            else:
                runs.append((text, None))
            # printable ASCII is a cell a character; rich's cell_len says so too, at a cost
            # a step's several hundred pieces felt
            self.cell_len += len(text) if text.isascii() and text.isprintable() else cell_len(text)
        return self

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.runs)

    def to_text(self) -> Text:
        """The same line as a rich Text (for what only Text does: cutting with …)."""
        out = Text()
        for text, style in self.runs:
            out.append(text, style=style)
        return out


class Lines:
    """Several Lines built like one Text with append(), where a newline starts a new line
    (and a closing newline adds no empty line)."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[Line | Text] = [Line()]

    def append(self, text: str, style=None) -> Lines:
        first, *rest = text.split("\n")
        self.lines[-1].append(first, style)
        for part in rest:
            self.lines.append(Line(part, style))
        return self

    def add_text(self, text: Text) -> Lines:
        """A rich Text as a whole line of its own, where a line starts (for a line whose
        spans overlap: a line style under styled pieces)."""
        if self.lines[-1].runs:
            raise ValueError("add_text starts a line: append a newline first")
        self.lines[-1] = text
        self.lines.append(Line())
        return self

    @property
    def plain(self) -> str:
        return "\n".join(line.plain for line in self.lines)

    def done(self) -> list[Line | Text]:
        """The lines, without the empty one a closing newline would leave."""
        lines = self.lines
        if len(lines) > 1 and not lines[-1].runs:
            return lines[:-1]
        return lines
