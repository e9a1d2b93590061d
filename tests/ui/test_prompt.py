"""The one prompt screen behind `e` (the text), `s` then `e` (a second text) and `x`/`k`/`u`
(a surgery): what the line starts with means different things, and typing must follow it.
A whole text is offered for revision, so typing replaces it; `knockout ` is the beginning
of a line, so typing goes on after it."""

from __future__ import annotations

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.screens.edit import EditScreen
from rnnsim.ui.screens.prompt import PromptScreen
from rnnsim.ui.screens.surgery import SurgeryScreen

TEXT = "The cat sat on the mat."


def app_for() -> RnnsimApp:
    return RnnsimApp(Simulation.from_settings(TEXT, Settings(source="trained")))


async def test_typing_over_the_offered_text_replaces_it():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen) and isinstance(app.screen, PromptScreen)
        await pilot.press(*"A dog ran", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)
        assert app.sim.tokens == ["A", "dog", "ran"]


async def test_typing_after_a_started_line_goes_on_with_it():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("k")
        assert isinstance(app.screen, SurgeryScreen) and isinstance(app.screen, PromptScreen)
        assert app.screen.query_one("Input").value == "knockout "
        await pilot.press("5", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)
        assert app.sim.surgery.knockout == (5,)


async def test_the_second_text_is_offered_for_revision_too():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        await pilot.press(*"The dog sat on the mat.", "enter")
        await pilot.pause()
        assert app.sim.contrast == "The dog sat on the mat."


async def test_a_lessons_keys_are_not_offered_under_any_prompt():
    """Under the edit prompt a lesson's footer offered only help and quit, but under the
    surgery prompt it still offered → Next, ← Prev and space Pause, keys the field takes."""
    from rnnsim.scene import load_scene
    from rnnsim.ui.scene_app import ScenePlayerApp

    app = ScenePlayerApp(load_scene("lstm"), autoplay=False)
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.check_action("scene_next", ())
        for key in ("e", "x"):
            await pilot.press(key)
            assert isinstance(app.screen, PromptScreen)
            assert not any(app.check_action(a, ()) for a in ("scene_next", "scene_previous", "scene_pause")), key
            # what the footer draws from: the bindings the top screen offers
            offered = {b.action for _, b, enabled, _ in app.screen.active_bindings.values() if enabled}
            assert not {"scene_next", "scene_previous", "scene_pause"} & offered, (key, offered)
            await pilot.press("escape")
            assert not isinstance(app.screen, PromptScreen)
