"""`w` after live training: the scene it writes replays the model that was in use.

Swapping in a model trained on the training screen is a recorded command; `w` writes that
model beside the scene (float64, so nothing is rounded) and the scene's step names it by
a path relative to the scene's folder. The replay, from another working directory, must
give the very numbers and the very frame the live session showed.
"""

import numpy as np

from rnnsim.scene import ScenePlayer, load_scene
from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.scene_app import settle
from rnnsim.ui.screens.train import TrainScreen

from ..waiting import until

TEXT = "The cat sat on the mat."
SIZE = (120, 36)


async def _frame(sim: Simulation) -> str:
    app = RnnsimApp(sim)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        return app.screen_text()


async def test_w_after_live_training_replays_the_trained_model(tmp_path, monkeypatch):
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="rnn", hidden=8)))
    scene_dir = tmp_path / "lessons"
    scene_dir.mkdir()
    app.record_path = scene_dir / "trained.toml"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "l")  # two steps on the random model, before the swap
        await pilot.press("t")
        assert isinstance(app.screen, TrainScreen)
        live = app.screen.live
        # an epoch of the shipped corpus takes tens of seconds on a busy 2-core machine (under
        # two busy loops it took over 20 s): wait for it as test_training_screen.py does
        await until(pilot, lambda: live.snapshot().epochs_done, "the first epoch", deadline=180)
        await pilot.press("u")  # use the model trained so far
        await until(pilot, lambda: not isinstance(app.screen, TrainScreen), "the training screen to close")
        trained = app.sim.model
        assert app.sim.origin.startswith("trained here")
        await pilot.press("l", "l", "l", "b", "left")  # read on, backpropagate, one gradient step
        await settle(pilot)  # the whole frame drawn, footer and border hints included
        live_frame = app.screen_text()
        live_trace = app.sim.trace
        await pilot.press("w")
        await until(pilot, lambda: app.record_path.exists(), "the scene to be written")
        # the toast names the model file too: the scene does not play without it
        notes = [n.message for n in app._notifications]
        assert any(
            note.endswith("with the model trained here beside it: trained.model-1.safetensors") for note in notes
        )

    text = app.record_path.read_text(encoding="utf-8")
    written = sorted(p.name for p in scene_dir.glob("*.safetensors"))
    assert written == ["trained.model-1.safetensors"], written
    assert 'model = "trained.model-1.safetensors"' in text  # relative to the scene's folder

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # played from another working directory
    player = ScenePlayer(load_scene(app.record_path))
    player.goto(player.total)
    sim = player.sim
    for name, value in trained.params.items():  # the very weights, not rounded to float32
        assert np.array_equal(sim.model.params[name], value), name
    assert (sim.cursor, sim.phase, sim.grad_steps) == (app.sim.cursor, app.sim.phase, app.sim.grad_steps)
    assert np.array_equal(sim.trace.probs, live_trace.probs)
    assert np.array_equal(sim.trace.forward.grad_norms(), live_trace.forward.grad_norms())
    assert sim.origin == app.sim.origin
    assert await _frame(sim) == live_frame
