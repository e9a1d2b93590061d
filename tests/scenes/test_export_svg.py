"""Headless frames are Textual's own screenshots: ui/svg.export_svg gives the very SVG
app.export_screenshot gives (it only sums the class-name checksum faster)."""

from rnnsim.scene import load_scene
from rnnsim.ui.scene_app import ScenePlayerApp, settle
from rnnsim.ui.svg import export_svg


async def test_export_svg_is_textuals_screenshot_byte_for_byte():
    app = ScenePlayerApp(load_scene("vanishing"), autoplay=False, headless=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for _ in range(5):  # colours, reverse, bold, dim: many styles on screen
            await pilot.press("right")
            await settle(pilot)
        assert export_svg(app, "3 · The vanishing gradient") == app.export_screenshot(
            title="3 · The vanishing gradient"
        )
