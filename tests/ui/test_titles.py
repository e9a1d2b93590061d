"""Box titles fit their boxes: at 80x24 a stacked model's heatmap title keeps the colour
scale (it used to be cut right after the layer's name), and a wide terminal keeps the
full titles."""

import asyncio

import pytest

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.widgets.base import fitting, title_width

TEXT = "The cat sat on the mat."


def titles(size: tuple[int, int]) -> dict[str, tuple[str, int]]:
    """Each box's title and the cells its border has for a title, after three steps."""

    async def run():
        app = RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="lstm", layers=3)))
        async with app.run_test(size=size) as pilot:
            await pilot.press("right", "right", "right", "left_square_bracket")
            await pilot.pause()
            boxes = ("#heat-box", "#cell-box", "#chain-box")
            return {b: (str(app.query_one(b).border_title), title_width(app.query_one(b))) for b in boxes}

    return asyncio.run(run())


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_heatmap_title_keeps_the_scale_when_narrow(size):
    got = titles(size)
    heat, room = got["#heat-box"]
    assert "layer 2/3" in heat or "layer 2 of 3" in heat
    assert "blue<0<red ±" in heat  # the colour scale, the part that used to be cut
    for box, (title, width) in got.items():
        assert len(title) <= width, f"{box}: {title!r} does not fit {width} cells"


def test_wide_terminal_keeps_the_full_titles():
    got = titles((160, 50))
    assert got["#heat-box"][0].startswith("hidden state · layer 2 of 3, blue<0<red ±")
    assert got["#cell-box"][0] == "inside the cell · layer 2 of 3"


def test_fitting_takes_the_longest_that_fits():
    options = ["a long title here", "shorter", "s"]
    assert fitting(options, 40) == "a long title here"
    assert fitting(options, 10) == "shorter"
    assert fitting(options, 3) == "s"
    assert fitting(options, 0) == "a long title here"  # not laid out yet: the full one
    assert fitting(["abc", "ab"], 1) == "ab"  # nothing fits: the shortest (Textual cuts it)
