"""The panels hand their lines to the compositor without Textual's per-line styling
(ui/widgets/direct.py): what they hand over must be, segment for segment, what Textual's
own path renders for the same widget, in every theme, under NO_COLOR, and where a panel
has a scrollbar."""

import pytest
from textual.geometry import Region
from textual.widget import Widget

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.widgets.bars import TextBar
from rnnsim.ui.widgets.direct import direct_lines


def both_ways(widget: Widget, crop: Region):
    """(the direct lines, Textual's lines) of `crop`, as lists of segments."""
    direct = direct_lines(widget, crop)
    widget._styles_cache.clear()  # Textual's path from nothing, not from lines it cached
    textual = Widget.render_lines(widget, crop)
    return direct, [list(strip) for strip in textual]


async def check_every_panel(app, pilot) -> int:
    """Compare both ways for every panel on the main screen; how many took the direct way."""
    await pilot.pause()
    direct_ones = 0
    for widget in app.screen.query("SimWidget, Heatmap"):
        if not widget.display or not widget.size.area:
            continue
        width, height = widget.region.size
        top = min(1, height - 1)  # (a part of the widget, as the compositor asks for one)
        for crop in (Region(0, 0, width, height), Region(1, top, max(1, width - 3), height - top)):
            direct, textual = both_ways(widget, crop)
            if direct is None:
                continue
            direct_ones += 1
            assert [list(strip) for strip in direct] == textual, f"{widget!r} at {crop}"
    return direct_ones


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_direct_lines_are_textuals_lines(theme):
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        app.theme = theme
        await pilot.press("right", "right", "right")
        assert await check_every_panel(app, pilot) >= 2 * 8  # both crops of most panels
        await pilot.press("b", "right")  # the gradient view's colours and table
        assert await check_every_panel(app, pilot)


async def test_direct_lines_under_no_color_and_bidirectional(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings(bidirectional=True)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right", "right")
        assert app.no_color
        assert await check_every_panel(app, pilot)


async def test_a_panel_with_a_scrollbar_too_and_one_with_padding_takes_textuals_way():
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        scrolled = [w for w in app.screen.query("SimWidget, Heatmap") if w.display and w.scrollbar_gutter.width]
        assert scrolled, "at 80x24 the heatmap and the cell panel scroll"
        for widget in scrolled:
            direct, textual = both_ways(widget, Region(0, 0, *widget.region.size))
            assert [list(strip) for strip in direct] == textual, f"{widget!r}"
        bar = app.query_one("#topbar", TextBar)
        bar.styles.padding = (0, 1)
        await pilot.pause()
        assert direct_lines(bar, Region(0, 0, *bar.region.size)) is None
