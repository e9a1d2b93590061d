"""A Line (ui/widgets/line.py) measures its pieces as rich measures them: redraw pads and
cuts lines by that width, so a wrong count shifts or cuts a panel's line."""

import pytest
from rich.cells import cell_len

from rnnsim.ui.widgets.line import Line, Lines

PIECES = ["the cat", " ", "…", "⊙", "日本", "\x1b[31m", "tab\there", "é", "~!", "a\u200bb", ""]


@pytest.mark.parametrize("piece", PIECES)
def test_a_line_measures_each_piece_as_rich_does(piece):
    line = Line("ab ").append(piece, "bold").append(piece)
    assert line.cell_len == cell_len("ab " + piece + piece)
    assert line.plain == "ab " + piece + piece


def test_a_line_is_the_text_it_stands_for():
    line = Line("h[3] ", "bold").append("+0.25 ").append("-0.50", "dim")
    text = line.to_text()
    assert text.plain == line.plain and text.cell_len == line.cell_len
    assert [(span.start, span.end, span.style) for span in text.spans] == [(0, 5, "bold"), (11, 16, "dim")]


def test_lines_split_at_newlines_and_drop_a_closing_one():
    out = Lines().append("one\ntwo", "bold").append(" more\n")
    assert [line.plain for line in out.done()] == ["one", "two more"]
