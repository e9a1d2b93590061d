"""A lesson at 80x24 shows its caption whole and the gradient table's lower border with its
"t=… of N positions" hint above the footer: the panels take what the caption leaves, and
scroll, and say so; nothing slides under the footer."""

import dataclasses

import pytest

from rnnsim.scene import load_scene
from rnnsim.ui.scene_app import ScenePlayerApp, settle

from .test_sizes import words

SUMMED_LOSS_STEP = 8  # the vanishing lesson's step on the summed loss, back at "cat"


def vanishing(longer_caption: bool = False):
    scene = load_scene("vanishing")
    if longer_caption:  # one line more than the shipped caption: the panels must give it up
        i = SUMMED_LOSS_STEP - 1
        step = scene.steps[i]
        more = " Read the |∂L/∂x| column of the table below, row by row, to see it."
        scene.steps[i] = dataclasses.replace(step, caption=step.caption + more)
    return scene


async def at_summed_loss_step(pilot):
    for _ in range(SUMMED_LOSS_STEP):
        await pilot.press("right")
        await settle(pilot)


def assert_caption_and_table_hint_shown(app):
    step = app.player.scene.steps[SUMMED_LOSS_STEP - 1]
    assert app.player.done == SUMMED_LOSS_STEP
    text = app.screen_text()
    lines = text.splitlines()
    assert words(step.caption) in words(text), "the caption is cut"
    footer = app.screen.query_one("Footer").region
    bottom = app.screen.query_one("#bottom").region
    assert bottom.bottom <= footer.y, (bottom, footer)  # the gradient table ends above the footer
    hint = [i for i, line in enumerate(lines) if "of 19 positions" in line]
    assert hint and hint[0] < footer.y, lines[-3:]
    assert lines[hint[0]].startswith("╰"), lines[hint[0]]  # the table's lower border, whole


@pytest.mark.parametrize("longer_caption", [False, True], ids=["shipped-caption", "one-line-longer"])
async def test_the_summed_loss_step_at_80x24_shows_caption_and_table_hint(longer_caption):
    app = ScenePlayerApp(vanishing(longer_caption), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await at_summed_loss_step(pilot)
        assert_caption_and_table_hint_shown(app)


async def test_a_terminal_shrunk_to_80x24_refits_the_caption_and_the_panels():
    app = ScenePlayerApp(vanishing(), autoplay=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await at_summed_loss_step(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert_caption_and_table_hint_shown(app)


async def test_a_bidirectional_lessons_panels_share_what_its_caption_leaves_at_80x24():
    """Two token rows and a two-row chain per direction: after a six-row caption not even
    both panels' squeezed heights fit. They share the rows; none goes under the footer."""
    app = ScenePlayerApp(load_scene("bidirectional"), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("right")
            await settle(pilot)
        step = app.player.scene.steps[app.player.done - 1]
        text = app.screen_text()
        assert words(step.caption) in words(text), "the caption is cut"
        footer = app.screen.query_one("Footer").region
        middle = app.screen.query_one("#middle").region
        bottom = app.screen.query_one("#bottom").region
        assert middle.bottom == bottom.y and bottom.bottom == footer.y, (middle, bottom, footer)
        assert min(middle.height, bottom.height) >= 3  # a border, a line, a border: it scrolls
        lines = text.splitlines()
        assert lines[bottom.bottom - 1].startswith("╰") and lines[middle.bottom - 1].startswith("╰")
