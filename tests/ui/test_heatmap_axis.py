"""The heatmap's axis names its columns: with room to spare every column is as wide as the
longest word in view, so each is named whole; a text too long for that keeps three cells a
position and cuts the labels (with …), and the columns still line up with the units."""

from __future__ import annotations

import pytest

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.widgets.heatmap import COL, LABEL_W, Heatmap, axis_labels

SHORT = "The cat sat on the mat."
LONG = "The cat that the farmer fed after a long day near the old house went back to the mat"


def axis_and_units(app) -> tuple[str, str]:
    heat = app.query_one(Heatmap)
    lines = [heat.render_line(y).text for y in range(heat.size.height)]
    axis = next(line for line in reversed(lines) if line.strip())
    return axis, lines[0]


@pytest.mark.parametrize("size", [(100, 30), (120, 36), (160, 50)])
async def test_with_room_every_column_is_named_by_its_whole_word(size):
    app = RnnsimApp(Simulation.from_settings(SHORT, Settings()))
    async with app.run_test(size=size) as pilot:
        await pilot.press("end")
        await pilot.pause()
        axis, units = axis_and_units(app)
        assert axis.split() == app.sim.tokens
        col = app.query_one(Heatmap)._col
        assert col == max(map(len, app.sim.tokens)) + 1 > COL
        for t, word in enumerate(app.sim.tokens):  # each word starts where its column does
            assert axis[LABEL_W + t * col :].startswith(word)
        assert len(units.rstrip()) == LABEL_W + col * app.sim.T  # the cells as wide as the labels


def heat_lines(app) -> list[str]:
    heat = app.query_one(Heatmap)
    return [heat.render_line(y).text for y in range(heat.size.height)]


def label_at(line: str, x: int) -> str:
    """The label that starts at cell x of an axis line (up to the next blank)."""
    assert x == 0 or line[x - 1] == " ", (line, x)  # it starts there, not inside another word
    return line[x:].split(" ", 1)[0]


def is_named(label: str, word: str) -> bool:
    """The whole word, or its start cut with … (at least one letter of it)."""
    return label == word or (label.endswith("…") and len(label) >= 2 and word.startswith(label[:-1]))


async def test_a_long_text_names_every_column_on_two_staggered_lines():
    """Three cells a position leave a long text's words a letter each on one line; on two
    lines, taking turns, each label has two columns' cells: most words whole, the rest
    cut with …, and the word read last always whole."""
    app = RnnsimApp(Simulation.from_settings(LONG, Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("end", "left", "left")  # the cursor on "to", a column inside the window
        await pilot.pause()
        heat = app.query_one(Heatmap)
        assert heat._col == COL and heat._axis_lines == 2
        _, start, end = heat._frame
        axis = [line for line in heat_lines(app) if line.strip()][-2:]
        focus = app.sim.focus_position()
        assert start < focus < end - 1
        whole = 0
        for t in range(start, end):
            x = LABEL_W + (t - start) * COL
            label = label_at(axis[t % 2], x)
            word = app.sim.tokens[t]
            assert is_named(label, word), (t, word, label, axis)
            if t == focus:
                assert label == word
            whole += label == word
            if len(word) <= 2 * COL - 1:  # two columns' cells, less the blank before the next label
                assert label == word, (t, word, label)
        assert whole >= (end - start) * 3 // 4  # (one line named none of these whole but "a" and "to")


async def test_a_short_heatmap_names_the_current_word_whole_and_its_neighbours_cut():
    """At 80x24 the heatmap has no row to spare for a second axis line: one line, each
    column its first letter and …, the current word whole (in reverse, which NO_COLOR keeps)."""
    app = RnnsimApp(Simulation.from_settings(LONG, Settings()))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(5):
            await pilot.press("right")  # "farmer", t=4
        await pilot.pause()
        heat = app.query_one(Heatmap)
        assert heat._axis_lines == 1
        _, start, end = heat._frame
        axis = [line for line in heat_lines(app) if line.strip()][-1]
        focus = app.sim.focus_position()
        x_focus = LABEL_W + (focus - start) * COL
        assert label_at(axis, x_focus) == "farmer"
        for t in range(start, end):
            x = LABEL_W + (t - start) * COL
            if x_focus < x <= x_focus + len("farmer"):
                continue  # its cells hold the current word (and the blank after it): no label
            assert is_named(label_at(axis, x), app.sim.tokens[t]), (t, axis)


async def test_the_current_words_label_is_reverse_under_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = RnnsimApp(Simulation.from_settings(LONG, Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("end", "left", "left")
        await pilot.pause()
        heat = app.query_one(Heatmap)
        assert app.no_color
        strips = [heat.render_line(y) for y in range(heat.size.height)]
        marked = [seg.text for strip in strips for seg in strip if seg.style and seg.style.reverse]
        assert marked == ["to"]


@pytest.mark.parametrize(
    ("focus", "lines", "expected"),
    [
        # one line: three cells a column, the current word whole over its neighbours' cells
        # (the last label may use the panel's cells to the right of the last column)
        (4, 1, [[(0, "T…"), (1, "c…"), (2, "t…"), (3, "t…"), (4, "farmer"), (7, "a"), (8, "long")]]),
        # two lines: even positions above, odd below, five cells each
        (
            None,
            2,
            [
                [(0, "The"), (2, "that"), (4, "farm…"), (6, "after"), (8, "long")],
                [(1, "cat"), (3, "the"), (5, "fed"), (7, "a")],
            ],
        ),
        (4, 2, [[(0, "The"), (2, "that"), (4, "farmer"), (8, "long")], [(1, "cat"), (3, "the"), (5, "fed"), (7, "a")]]),
    ],
)
def test_axis_labels(focus, lines, expected):
    words = "The cat that the farmer fed after a long".split()
    assert axis_labels(words, COL, focus, lines, room=len(words) * COL + 3) == expected


def test_a_word_keeps_its_line_as_the_window_slides():
    words = "cat that the farmer".split()  # the window from position 1 on: "cat" is odd
    assert axis_labels(words, COL, None, 2, room=12, first=1)[1][0] == (0, "cat")
