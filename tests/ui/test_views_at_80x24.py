"""The full-screen views a lesson opens (learning, saturation) at 80x24, under the lesson's
caption: everything the caption speaks of is on screen, and no table row wraps."""

from __future__ import annotations

from rnnsim.scene import load_scene
from rnnsim.ui.scene_app import ScenePlayerApp, settle


async def test_the_learning_view_shows_the_gradient_curves_its_caption_speaks_of():
    # Step 3's caption gives the gradient reaching the animal (7.3e-4 for the LSTM); its
    # curves were the third section, below the bottom of the view: cut without a sign.
    app = ScenePlayerApp(load_scene("learning"), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("right")
            await settle(pilot)
        assert "7.3e-4" in app.player.scene.steps[2].caption
        rows = app.screen_text().splitlines()
        at = next(i for i, r in enumerate(rows) if r.startswith(" gradient getting back to the animal"))
        below = rows[at:]
        assert any(r.strip().startswith("lstm") and "7.3e-04" in r for r in below), rows
        assert any(r.strip().startswith("rnn") for r in below), rows
        assert any(r.rstrip().endswith("epoch") for r in below), rows  # the axis, the view's last line


async def test_the_saturation_table_keeps_one_line_a_row_and_shows_the_positions_it_names():
    # At 80 columns each row (bars and eight columns) took two lines, and the window, counted
    # in rows, then said "positions 10–18 of 19" over three rows: 10, 11 and 12.
    import re

    app = ScenePlayerApp(load_scene("saturation"), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(5):  # the step with a second text: every column has a number
            await pilot.press("right")
            await settle(pilot)
        rows = app.screen_text().splitlines()
        (claim,) = [re.search(r"\(positions (\d+)–(\d+) of (\d+)\)", r) for r in rows if "(positions" in r]
        first, last = int(claim[1]), int(claim[2])
        table = [r for r in rows if re.match(r" {3}[ \d]{2}\d \S", r)]  # padding, "  {t:>3} {word}"
        assert [int(r.split()[0]) for r in table] == list(range(first, last + 1)), rows
        for r in table:  # whole rows: the closing |h − h₂| and ×step numbers on the row itself
            assert re.search(r"\d\.\de[-+]\d\d\s+\d+\.\d\d\s*$", r), r
