"""Stacked, classifier, character and bias-free models open in the app and every key
works on them (the app shows the top layer; a classifier its labels after the last token)."""

import pytest

import rnnsim
from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp

VOCAB = ["the", "cat", "sat", "on", "mat", "."]
SHAPES = {
    "three-layers": dict(cell="lstm", num_layers=3),
    "bidirectional-classifier": dict(cell="gru", num_layers=2, bidirectional=True, labels=["neg", "pos"]),
    "classifier": dict(cell="rnn", labels=["neg", "pos", "meh"]),
    "characters": dict(cell="lstm", tokenizer="char"),
    "no-biases": dict(cell="gru", bias=False, num_layers=2),
}
KEYS = ["right", "right", "right", "end", "b", "right", "right", "L", "escape", "home", "right", "m", "escape"]
KEYS += ["c", "d", "f", "question_mark", "escape"]


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
async def test_every_key_works_on_the_model(tmp_path, shape):
    path = tmp_path / "m.safetensors"
    rnnsim.save_model(rnnsim.random_model(vocab=VOCAB, hidden=8, embed=4, seed=1, **shape), path)
    sim = Simulation.from_settings("The cat sat on the mat.", Settings(source="file", path=str(path)))
    app = RnnsimApp(sim)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("end")
        if sim.model.task == "classify":
            shown = app.screen_text()
            for label, p in sim.top_predictions(sim.T - 1):
                assert label in shown and f"{p:5.1%}".strip() in shown
        for key in KEYS:
            await pilot.press(key)
        await pilot.pause()
        assert app.is_running
