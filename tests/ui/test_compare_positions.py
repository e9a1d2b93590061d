"""The compare view samples positions up to the scored one: the "last" of its "first/last"
ratio is a row on screen, and every sampled position shows all three cells' rows whole."""

import re

import pytest

from rnnsim.scene import load_scene
from rnnsim.sim.compare import sampled_positions
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.scene_app import settle


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 36)], ids=["80x24", "100x30", "120x36"])
async def test_the_compare_view_shows_the_scored_position_and_every_row_of_each_sampled_one(size):
    sim = load_scene("compare").new_sim()  # the vanishing sentence, the loss on "mat" at t=17
    app = RnnsimApp(sim)
    async with app.run_test(size=size) as pilot:
        await pilot.press("m")
        await settle(pilot)
        loss_at = sim.compare_loss()
        assert loss_at == sim.T - 2 == 17
        lines = app.screen_text().splitlines()[:-1]  # the footer left out
        rows = [(m.group(1), line) for line in lines if (m := re.match(r"\s+(\d+) \S+\s+rnn ", line))]
        shown = [int(t) for t, _ in rows]
        assert shown[0] == 0 and shown[-1] == loss_at, shown  # first and last of "first/last"
        assert len(shown) >= 2
        last = lines.index(rows[-1][1])
        assert re.match(r"\s+lstm ", lines[last + 1]) and re.match(r"\s+gru ", lines[last + 2]), lines[last:]
        if len(shown) < sim.T:
            said = " ".join(" ".join(lines).split())
            assert f"({len(shown)} of {sim.T} positions shown, evenly spaced up to the loss at t={loss_at})" in said


@pytest.mark.parametrize("T, last, count", [(19, 17, 7), (19, 17, 2), (19, 18, 5), (40, 3, 6), (5, 3, 9)])
def test_sampled_positions_run_from_the_first_to_the_scored_one(T, last, count):
    shown = sampled_positions(T, last, count)
    assert shown == sorted(set(shown)) and len(shown) <= max(2, count)
    if T <= count:
        assert shown == list(range(T))
    else:
        assert shown[0] == 0 and shown[-1] == last
        gaps = {b - a for a, b in zip(shown, shown[1:], strict=False)}
        assert max(gaps) - min(gaps) <= 1, shown  # evenly spaced
