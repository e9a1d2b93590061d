"""The heatmap's axis names its columns: with room to spare every column is as wide as the
longest word in view, so each is named whole; a text too long for that keeps three cells a
position and cuts the labels (with …), and the columns still line up with the units."""

from __future__ import annotations

import pytest

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.widgets.heatmap import COL, LABEL_W, Heatmap

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


async def test_a_text_too_long_for_whole_words_keeps_three_cells_and_marks_the_cuts():
    app = RnnsimApp(Simulation.from_settings(LONG, Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("end")
        await pilot.pause()
        axis, _ = axis_and_units(app)
        assert app.query_one(Heatmap)._col == COL
        _, start, end = app.query_one(Heatmap)._frame
        assert 0 < start and end == app.sim.T  # (a window: the last word read in view)
        labels = [axis[LABEL_W + i * COL : LABEL_W + (i + 1) * COL].strip() for i in range(end - start)]
        for word, label in zip(app.sim.tokens[start:end], labels, strict=True):
            assert label == word if len(word) < COL else label == word[0] + "…"
