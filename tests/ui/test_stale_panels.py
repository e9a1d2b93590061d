"""A panel hidden for a while shows the Simulation as it is when it comes back: below 110
columns the gradient view takes the prediction's place, and leaving it must not bring back
the prediction from before."""

import re

import pytest

from rnnsim.ui.scene_app import settle

from .test_sizes import trained_app


def prediction_lines(app) -> list[str]:
    """The prediction panel's rows as drawn (its box's left half of the bottom row)."""
    box = app.screen.query_one("#pred-box").region
    lines = app.screen_text().splitlines()[box.y : box.bottom]
    return [line[box.x : box.right] for line in lines]


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
async def test_leaving_the_gradient_view_shows_the_prediction_at_the_cursor(size):
    app = trained_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["right"] * 5, "b", "escape")  # Esc: back to the forward view, at the end
        await settle(pilot)
        sim = app.sim
        assert sim.phase == "forward" and sim.cursor == sim.T == 7
        seen = prediction_lines(app)
        heading = next(line for line in seen if "after “" in line)
        assert re.search(r"after “\.” \(t=6\)", heading), seen
        fresh = trained_app()  # the same state reached without the gradient view
        async with fresh.run_test(size=size) as pilot2:
            await pilot2.press("end")
            await settle(pilot2)
            assert prediction_lines(fresh) == seen
