"""A lesson at 80x24 shows its caption whole and the gradient table's lower border with its
"t=… of N positions" hint above the footer: the panels take what the caption leaves, and
scroll, and say so; nothing slides under the footer."""

import dataclasses

import pytest
from rich.text import Text

from rnnsim.scene import load_scene, shipped_scenes
from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.layout import explanation
from rnnsim.ui.scene_app import POINTS_AT_EXPLANATION, ScenePlayerApp, settle
from rnnsim.ui.widgets.gradient import table_rows, window_hint

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


# ------------------------------------------------------------------ the rows a caption compares

COMPARES_CAT_WITH_THE = [6, 8]  # "under a hundred-millionth of what it leaves at “the”", "more than half"


@pytest.mark.parametrize("number", COMPARES_CAT_WITH_THE)
async def test_the_steps_comparing_cat_with_the_show_both_rows_at_80x24(number):
    """The caption compares |∂L/∂x| at “cat” (t=1) with “the” at the end (t=17, where the
    walk began): at 80x24 both rows are in the table, with the numbers the checks measure."""
    app = ScenePlayerApp(vanishing(), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(number):
            await pilot.press("right")
            await settle(pilot)
        sim = app.sim
        assert (sim.grad_cursor, sim.loss_start()) == (1, 17)
        assert words(app.player.scene.steps[number - 1].caption) in words(app.screen_text())
        table = table_lines(app)
        dx = sim.input_grad_norms()
        for t, word in [(1, "cat"), (17, "the")]:
            row = next((line for line in table if line.split()[:2] == [str(t), word]), None)
            assert row is not None, (t, word, table)
            assert f"{dx[t]:7.1e}".strip() in row.split()  # its |∂L/∂x|, as the caption compares it


def table_lines(app) -> list[str]:
    """The gradient table's lines on screen (inside #bottom, left of the panel's border)."""
    bottom = app.screen.query_one("#grad-box").region
    lines = app.screen_text().splitlines()[bottom.y + 1 : bottom.bottom - 1]
    return [line[bottom.x + 1 : bottom.right - 1].strip() for line in lines]


@pytest.mark.parametrize("name", [n for n in shipped_scenes()])
async def test_every_lesson_step_at_80x24_shows_its_caption_and_the_tables_two_rows(name):
    """Walked at 80x24, every step shows its caption whole, the explanation line where the
    caption points at it ("under the panels"), and wherever the gradient
    table is on screen it shows the cursor's row and the row of the loss, where the walk
    began (the two every "of what it was" compares)."""
    app = ScenePlayerApp(load_scene(name), autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for number in range(1, app.player.total + 1):
            await pilot.press("right")
            await settle(pilot)
            step = app.player.scene.steps[number - 1]
            text = app.screen_text()
            assert words(step.caption) in words(text), f"{name} step {number}: the caption is cut"
            if POINTS_AT_EXPLANATION in step.caption:  # "(..., under the panels)": shown
                said = app.screen.query_one("#explain")
                assert said.region.height > 0 and words(explanation(app.sim)) in words(text), f"{name} step {number}"
            sim = app.sim
            if sim.phase != "backward" or app.screen is not app.screen_stack[0]:
                continue
            shown = [line.split()[0] for line in table_lines(app) if line.split()[:1] and line.split()[0].isdigit()]
            pin = sim.reverse_grad_pos if sim.model.bidirectional else sim.loss_start()
            for t in {sim.grad_cursor, pin}:
                assert str(t) in shown, f"{name} step {number}: row t={t} is not in the table ({shown})"


@pytest.mark.parametrize(
    ("cursor", "capacity", "rows"),
    [
        (1, 1, [1]),  # one row: the cursor's
        (1, 2, [1, 17]),  # two: the cursor's and the loss's
        (1, 3, [1, None, 17]),  # a row for the gap where there is one
        (11, 4, [11, 12, None, 17]),
        (14, 4, [14, 15, 16, 17]),  # one run when both fit in it: no gap
        (16, 3, [15, 16, 17]),  # the loss's row in the cursor's window already
    ],
)
def test_the_table_keeps_the_cursors_row_and_the_losss_row(cursor, capacity, rows):
    assert table_rows(19, cursor, 17, capacity) == rows
    assert table_rows(5, cursor % 5, 4, capacity + 5) == [0, 1, 2, 3, 4]  # all, where all fit


@pytest.mark.parametrize(
    ("cursor", "pin", "capacity", "rows"),
    [
        (9, 2, 3, [2, None, 9]),  # the reverse walk's row before the forward cursor's
        (5, 1, 4, [1, None, 5, 6]),
        (6, 3, 4, [3, 4, 5, 6]),  # one run, starting at the pin
    ],
)
def test_for_two_directions_the_table_keeps_the_reverse_walks_row(cursor, pin, capacity, rows):
    assert table_rows(15, cursor, pin, capacity) == rows


async def test_a_bidirectional_gradient_view_at_80x24_shows_both_walks_rows():
    """Two directions walk towards each other: the table keeps the forward cursor's row and
    the reverse one's, the two the explanation under it names."""
    sim = Simulation.from_settings(
        "The cat that the farmer fed after a long day went back to the mat",
        Settings(cell="gru", bidirectional=True, source="random"),
    )
    app = RnnsimApp(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ["end", "b", *["right"] * 9]:
            await pilot.press(key)
            await settle(pilot)
        assert app.sim.grad_cursor == 5 and app.sim.reverse_grad_pos == 9
        shown = [line.split()[:2] for line in table_lines(app)]
        assert ["5", "fed"] in shown and ["9", "day"] in shown, shown


def test_the_border_names_the_rows_shown():
    assert window_hint([11, 12, None, 17], 19) == "t=11–12, 17 of 19 positions, follows the cursor"
    assert window_hint([0, 1, 2, 3, 4], 5) == ""


@pytest.mark.parametrize(("width", "keys"), [(80, False), (120, True)])
async def test_the_scenes_status_line_keeps_to_one_row(width, keys):
    """At 80 columns the state drops its keys (the footer shows them) rather than wrap onto
    a second row; where the line has room it keeps them."""
    app = ScenePlayerApp(vanishing(), autoplay=False)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        await pilot.press("right")
        await settle(pilot)
        status = app.caption_text().plain.split("\n")[0]
        assert status.endswith("(space plays, → next step)" if keys else "❚❚ paused")
        assert app.caption_rows(Text(status), width) == 1


async def test_a_long_title_gives_up_the_word_scene_before_wrapping():
    app = ScenePlayerApp(load_scene("chain"), autoplay=False)  # "1 · The chain: one cell, applied again and again"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("right")
        await settle(pilot)
        status = app.caption_text().plain.split("\n")[0]
        assert status.endswith("·  step 1/6  ·  ❚❚ paused"), status
        assert app.caption_rows(Text(status), 80) == 1
