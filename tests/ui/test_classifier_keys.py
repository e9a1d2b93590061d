"""A classifier through its keys: `a` moves the loss to another label on its first press,
and the screen speaks of the classifier's one loss (at a label), never of each word's."""

import pytest

import rnnsim
from rnnsim.explain import explain
from rnnsim.sim import Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.scene_app import settle

from .test_layers import REVIEW


def classifier(labels: list[str], seed: int) -> RnnsimApp:
    model = rnnsim.random_model("gru", vocab=REVIEW.split(), hidden=8, embed=4, seed=seed, num_layers=2, labels=labels)
    return RnnsimApp(Simulation(model=model, text=REVIEW, origin=f"random classifier, seed {seed}"))


@pytest.mark.parametrize(
    "labels, seed, walk",
    [
        # predicted "negative", the first label: the first press must leave it
        (["negative", "positive"], 1, ["positive", "negative"]),
        # predicted "neutral": the labels after it in order, wrapping, then the prediction again
        (["negative", "neutral", "positive"], 1, ["positive", "negative", "neutral"]),
    ],
    ids=["two-labels", "three-labels"],
)
async def test_a_moves_the_loss_to_the_label_after_the_predicted_one(labels, seed, walk):
    app = classifier(labels, seed)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("end")
        await settle(pilot)
        predicted = app.sim.top_label()[0]
        assert predicted == walk[-1] and app.sim.target_label() == predicted
        seen = []
        for _ in walk:
            await pilot.press("a")
            await settle(pilot)
            seen.append(app.sim.target_label())
            assert f"loss at “{seen[-1]}”" in app.screen_text().splitlines()[0]  # the top bar
        assert seen == walk
        assert app.sim.label is None  # back to "the predicted one", as the key's help says


async def test_the_top_bar_explanation_and_L_speak_of_the_classifiers_one_loss():
    app = classifier(["negative", "positive"], 3)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("end", "b")
        await settle(pilot)
        top = app.screen_text().splitlines()[0]
        assert "loss at “positive”" in top and "loss all" not in top, top
        for _ in range(app.sim.T):  # every position of the gradient view
            said = explain(app.sim)
            assert "word's loss" not in said and "Press L" not in said, said
            await pilot.press("right")
            await settle(pilot)
        before = (app.sim.loss_mode, app.sim.trace.loss)
        await pilot.press("L")
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        assert len(notes) == 1 and "\n" not in notes[0], notes
        assert "one loss" in notes[0] and "label" in notes[0], notes
        assert (app.sim.loss_mode, app.sim.trace.loss) == before
        top = app.screen_text().splitlines()[0]
        assert "loss at “positive”" in top and "loss last" not in top, top
