"""A lesson's keys: its own (→, ←, space) and every key of the app that works in it."""

from __future__ import annotations

from rnnsim.scene import load_scene
from rnnsim.ui.scene_app import ScenePlayerApp, settle


async def test_a_lessons_help_and_palette_list_every_key_that_works_in_it():
    # In a lesson, ? listed three keys (→, ←, space), though l, b, w, +, ... all work there
    # (README: "any other key works as usual"); the palette offered the same three.
    from rnnsim.ui.screens.help import HelpScreen

    app = ScenePlayerApp(load_scene("chain"), autoplay=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(app.screen_text().split())
        for shown in ("→ the scene's next step", "space pause / resume the scene", "b run backpropagation",
                      "w save this session as a scene", "l read the next token"):  # fmt: skip
            assert shown in text, (shown, text)
        assert "→, l" not in text and "play / pause" not in text  # keys the lesson took over
        await pilot.press("escape")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert any(t.startswith("Backprop  (b)") for t in titles), titles
        assert any(t.startswith("Step  (l)") for t in titles), titles
