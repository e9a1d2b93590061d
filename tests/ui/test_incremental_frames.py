"""A step repaints only what changed: panels keep an unchanged line's Strip and repaint
only the changed lines, the heatmap keeps each position's cells while the window slides,
the cell panel keeps its wrapped equations (ui/widgets/base.py, heatmap.py, cell.py).

Each test drives an app with keys and compares its screen with a second app opened on
the same Simulation afterwards, which draws everything from nothing: a line that a cache
left stale (a theme, a size, a layer, a model or a bias that changed without a repaint)
shows as a difference between the two pictures."""

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.widgets.base import SimWidget

LONG = " ".join(["the cat sat on the mat and the dog slept on the rug ."] * 25)  # 300 tokens


async def drawn_afresh(sim: Simulation, size: tuple[int, int], theme: str) -> str:
    """The screen of a new app opened on `sim` at `size` in `theme`."""
    app = RnnsimApp(sim)
    app.theme = theme  # from the first frame: nothing of another theme to keep
    async with app.run_test(size=size) as pilot:
        assert app.theme == theme
        await pilot.pause()
        await pilot.pause()
        return app.export_screenshot()


async def check_after(pilot, *keys: str) -> None:
    """Press `keys`, then the picture must be the one a new app draws for that state."""
    app = pilot.app
    await pilot.press(*keys)
    await pilot.pause()
    shown = app.export_screenshot()
    assert shown == await drawn_afresh(app.sim, tuple(app.size), app.theme), f"stale picture after {keys}"


async def test_stepping_and_the_gradient_view_repaint_every_changed_line():
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        await check_after(pilot, "right", "right", "right", "left")
        await check_after(pilot, "b", "right", "right")
        await check_after(pilot, "left", "L")
        await check_after(pilot, "escape", "home", "right")


async def test_the_heatmap_keeps_cells_as_its_window_slides_and_jumps():
    app = RnnsimApp(Simulation.from_settings(LONG, Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        await check_after(pilot, *["right"] * 45)  # the window slides a column a step
        await check_after(pilot, "end", "left", "left")  # a jump: a new window
        await check_after(pilot, "home", *["right"] * 3)


async def test_a_model_swap_and_a_new_forget_bias_redraw_cells_and_equations():
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings(source="random")))
    async with app.run_test(size=(120, 36)) as pilot:
        await check_after(pilot, "right", "right", "f")  # the bias line under the equations
        await check_after(pilot, "r", "right")  # new weights: every cell's colour
        await check_after(pilot, "c", "right")  # a GRU: other rows, other equations
        await check_after(pilot, "c")  # a plain RNN


async def test_a_layer_change_repaints_the_panels_that_show_the_layer():
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings(source="random", layers=2)))
    async with app.run_test(size=(120, 36)) as pilot:
        await check_after(pilot, "right", "right", "left_square_bracket")
        await check_after(pilot, "right", "right_square_bracket")


async def test_a_resize_and_a_theme_switch_repaint_what_steps_then_change():
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right", "right")
        await pilot.resize_terminal(90, 28)
        await check_after(pilot, "right")
        await pilot.resize_terminal(120, 36)
        app.theme = "textual-light"
        await pilot.pause()
        await check_after(pilot, "left")


async def test_a_step_repaints_only_the_lines_that_changed(monkeypatch):
    """The repaint itself is partial: a step that moves the prediction panel's numbers
    but not its heading's width repaints those lines, not the whole panel (a whole-panel
    repaint is what made every step costly)."""
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        seen: dict[str, list] = {}
        original = SimWidget.refresh

        def spy(self, *regions, **kw):
            seen.setdefault(type(self).__name__, []).append(regions)
            return original(self, *regions, **kw)

        monkeypatch.setattr(SimWidget, "refresh", spy)
        await pilot.press("right")
        tokens = seen["TokenStrip"]  # its marks line under the words does not change
        assert tokens and all(regions and all(r.height < 2 for r in regions) for regions in tokens)
        assert "GradientPanel" not in seen  # before b it shows a fixed hint
