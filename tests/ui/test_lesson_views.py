"""The saturation and learning views on screen: their keys change the Simulation through
its commands (so a saved session replays them), and in a lesson → still moves the scene."""

from __future__ import annotations

from rnnsim.scene import parse_scene
from rnnsim.sim import Settings, Simulation
from rnnsim.sim.learning import shipped_history
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.scene_app import SceneLearningScreen, ScenePlayerApp, export_text
from rnnsim.ui.screens.learning import LearningScreen
from rnnsim.ui.screens.saturation import SaturationScreen

LONG = "The cat that the farmer fed after a long day near the old house went back to the mat"


def app_for(text: str = LONG, cell: str = "rnn") -> RnnsimApp:
    return RnnsimApp(Simulation.from_settings(text, Settings(cell=cell)))


async def test_the_learning_view_steps_through_the_epochs():
    app = app_for()
    last = shipped_history().epochs
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(LearningScreen(app.sim))
        await pilot.pause()
        await pilot.press("right", "right", "l", "left")
        assert app.sim.epoch == 2 and f"epoch 2 of {last}" in export_text(app)
        await pilot.press("end")
        assert app.sim.epoch == last
        await pilot.press("right")  # already the last: stays
        assert app.sim.epoch == last
        await pilot.press("home")
        assert app.sim.epoch == 0 and ("set_epoch", (0,)) in app.sim.history
        await pilot.press("escape")
        assert not isinstance(app.screen, LearningScreen)


async def test_the_saturation_view_takes_a_second_text():
    app = app_for()
    dog = LONG.replace("cat", "dog")
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(SaturationScreen(app.sim))
        await pilot.pause()
        assert "no second text to compare with" in export_text(app)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("Input").value = dog
        await pilot.press("enter")
        await pilot.pause()
        assert app.sim.contrast == dog and isinstance(app.screen, SaturationScreen)
        text = export_text(app)
        assert "h₂: the states of “The dog that" in text and "cat|dog" in text


async def test_in_a_lesson_the_arrows_move_the_scene_and_l_the_epochs():
    scene = parse_scene(
        '[scene]\nmodel = "lstm"\ntext = "The cat sat."\nsize = [120, 40]\n\n'
        "[[step]]\nlearning = true\n\n[[step]]\nepoch = 5\n\n[[step]]\nlearning = false\n"
    )
    app = ScenePlayerApp(scene, autoplay=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right")
        await pilot.pause()
        assert isinstance(app.screen, SceneLearningScreen) and app.player.done == 1
        await pilot.press("l", "l")
        assert app.sim.epoch == 2 and app.exploring
        await pilot.press("right")  # back into the lesson: its own state, then its next step
        await pilot.pause()
        assert app.player.done == 2 and app.sim.epoch == 5 and isinstance(app.screen, SceneLearningScreen)
        await pilot.press("right")
        await pilot.pause()
        assert app.player.done == 3 and not isinstance(app.screen, SceneLearningScreen)


async def test_s_and_capital_t_open_the_views_from_the_main_screen():
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, SaturationScreen)
        assert "directions, the most ×" in export_text(app)
        await pilot.press("escape", "T")
        assert isinstance(app.screen, LearningScreen)
        await pilot.press("escape")
        await pilot.press("s")  # an LSTM: no tanh-RNN columns, and the screen says why
        app.sim.set_cell("lstm")
        app.screen.query_one("SaturationView").refresh()
        await pilot.pause()
        assert "no saturation or Jacobian columns" in export_text(app)


def test_the_help_names_every_key_as_it_is_typed():
    """No binding's Textual name ("greater_than_sign") on screen: the help said it for < and >."""
    from rnnsim.ui.screens.help import key_names

    for b in RnnsimApp.BINDINGS:
        for name in key_names(b).split(", "):
            assert len(name) <= 5, (b.action, name)


def test_the_curves_have_a_fixed_scale_and_show_only_the_epochs_replayed():
    from rnnsim.ui.screens.learning import bar_rows

    top, bottom = bar_rows([1.0, 0.5, 0.0, float("nan")], rows=2, per_epoch=2)
    assert top == "██" + "  " + "  " + "  "  # 1.0 fills both rows; 0.5 only the lower one
    assert bottom == "██" + "██" + "▁▁" + "··"  # a 0 is a thin line; not yet replayed: dots
