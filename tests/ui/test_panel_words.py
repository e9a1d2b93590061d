"""Panel sentences and legends read whole at 80 columns, and say what the reader sees:
no sentence cut with "…", a legend under NO_COLOR that names the glyphs (no colours are
drawn), and the cell panel's unit count read as "of"."""

import re

import pytest

from rnnsim.ui.scene_app import settle

from .test_layers import classifier_app
from .test_sizes import trained_app


def box_lines(app, box_id: str) -> list[str]:
    box = app.screen.query_one(box_id).region
    return [line[box.x : box.right] for line in app.screen_text().splitlines()[box.y : box.bottom]]


def inside(lines: list[str]) -> str:
    """The box's words, borders and line breaks taken out."""
    return " ".join(" ".join(re.sub(r"[│╭╮╰╯─▁▂▃▄▅▆▇█]", " ", line) for line in lines[1:-1]).split())


async def box_after(app, box_id: str, size: tuple[int, int], *keys: str) -> list[str]:
    """The lines of a box on the screen, after these keys."""
    async with app.run_test(size=size) as pilot:
        await pilot.press(*keys)
        await settle(pilot)
        return box_lines(app, box_id)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
async def test_the_prediction_before_the_first_word_is_a_whole_sentence(size):
    lines = await box_after(trained_app(), "#pred-box", size)
    assert not any("…" in line for line in lines[1:-1]), lines
    assert "Nothing read yet: no prediction." in inside(lines), lines


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
async def test_the_classifier_before_its_last_token_says_whole_what_is_left(size):
    lines = await box_after(classifier_app(), "#pred-box", size, "end", "left")  # one token still to read
    assert not any("…" in line for line in lines[1:-1]), lines
    said = inside(lines)
    assert "1 token still to read" in said and "End" in said, lines


async def test_under_no_color_the_heatmap_legend_names_its_glyphs(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = trained_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right", "right")
        await settle(pilot)
        title = str(app.screen.query_one("#heat-box").border_title)
        assert "blue" not in title and "red" not in title, title
        assert "<0<" in title and "≡" in title and "#" in title, title


async def test_with_colours_the_heatmap_legend_names_them():
    app = trained_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right")
        await settle(pilot)
        assert "blue<0<red" in str(app.screen.query_one("#heat-box").border_title)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])  # (at 120x36 all 32 fit)
async def test_the_cell_panel_says_how_many_units_its_bars_show_of_how_many(size):
    app = trained_app()
    said = inside(await box_after(app, "#cell-box", size, "right"))
    m = re.search(r"u0–u(\d+) of (\d+)", said)
    assert m, said
    assert not re.search(r"units 0–\d+/\d+", said), said
    assert int(m.group(2)) == app.sim.model.hidden and int(m.group(1)) < app.sim.model.hidden - 1


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
async def test_a_classifiers_gradient_panel_speaks_of_its_one_loss_before_b(size):
    app = classifier_app()
    said = inside(await box_after(app, "#grad-box", size, "end"))
    assert "all words" not in said and "one word" not in said and "Loss: all" not in said, said
    assert f"loss at “{app.sim.target_label()}”" in said.lower(), said


async def test_a_classifiers_gradient_panel_follows_the_label_before_b():
    app = classifier_app()
    said = inside(await box_after(app, "#grad-box", (120, 36), "end", "a"))  # the loss moves to the other label
    assert app.sim.target_label() != app.sim.top_label()[0]
    assert f"loss at “{app.sim.target_label()}”" in said.lower(), said
