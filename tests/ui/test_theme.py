"""The light theme gets data colours made for a light background, and switching theme
draws every cached picture again (cached rows used to keep the old theme's colours)."""

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.palette import DARK, LIGHT, bucket
from rnnsim.ui.widgets.cell import CellPanel
from rnnsim.ui.widgets.heatmap import Heatmap


def make_app() -> RnnsimApp:
    return RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings(source="random", cell="lstm")))


def heatmap_cell_style(app, heatmap: Heatmap):
    """The style of the first unit pair's cell at position 0, as drawn."""
    strip = heatmap.render_line(0)
    return next(seg.style for seg in strip if seg.text.startswith("▀"))


def expected_style(app, palette):
    h = app.sim.trace.forward.h
    scale = app.sim.state_scale()
    return palette.halfblock_style(bucket(float(h[0, 0]) / scale), bucket(float(h[0, 1]) / scale))


def luminance(color) -> float:
    r, g, b = color.get_truecolor()
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


async def test_a_theme_switch_redraws_the_heatmap_and_the_panels():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right", "right")
        heatmap = app.query_one(Heatmap)
        cell = app.query_one(CellPanel)
        dark_style = heatmap_cell_style(app, heatmap)
        assert dark_style.color == expected_style(app, DARK).color
        dark_bg = list(cell.render_line(1))[-1].style.bgcolor
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        light_style = heatmap_cell_style(app, heatmap)
        assert light_style.color == expected_style(app, LIGHT).color != dark_style.color
        assert light_style.bgcolor == expected_style(app, LIGHT).bgcolor
        light_bg = list(cell.render_line(1))[-1].style.bgcolor
        assert luminance(light_bg) > 128 > luminance(dark_bg)  # the cached rows took the new background


def test_the_light_palette_keeps_zero_pale_and_strong_values_dark():
    """On a light background a value near 0 (and a closed gate) is close to the page; on a
    dark one close to the dark page: the colour's strength carries the value either way."""
    assert luminance(LIGHT.diverging_color(0)) > 200 > 60 > luminance(DARK.diverging_color(0))
    for b in (-8, 8):
        assert luminance(LIGHT.diverging_color(b)) < luminance(LIGHT.diverging_color(0)) - 100
        assert luminance(DARK.diverging_color(b)) > luminance(DARK.diverging_color(0)) + 50
    lo, hi = LIGHT.gate_style(0).color, LIGHT.gate_style(8).color
    assert luminance(lo) > 200 > luminance(hi) + 100
