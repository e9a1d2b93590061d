"""Stacked models and classifiers on screen: the layer keys ([ ]), the label key (a), the
palette's "Stack layers", the panels naming the shown layer, the classifier's decision and
the gradient down the stack; snapshots of both views at 120x36 and 80x24.

After an intended change: look at the pictures (SVG -> PNG), then
`pytest tests/ui/test_layers.py --snapshot-update`.
"""

import numpy as np
import pytest

import rnnsim
import rnnsim.sim.layers as sim_layers
from rnnsim.core import Model
from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import STACK_COMMAND, RnnsimApp
from rnnsim.ui.scene_app import settle
from rnnsim.ui.screens.help import HelpScreen

from ..waiting import until

TEXT = "The cat sat on the mat."
REVIEW = "the film was not good at all ."
SIZES = [(120, 36), (80, 24)]
IDS = [f"{w}x{h}" for w, h in SIZES]


def stacked_app(layers: int = 3) -> RnnsimApp:
    return RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="lstm", layers=layers)))


def classifier_app() -> RnnsimApp:
    """A small two-layer GRU sentiment classifier with random weights (what the screen
    shows does not depend on the weights being trained)."""
    model = rnnsim.random_model(
        "gru", vocab=REVIEW.split(), hidden=8, embed=4, seed=3, num_layers=2, labels=["negative", "positive"]
    )
    return RnnsimApp(Simulation(model=model, text=REVIEW, origin="random classifier, seed 3"))


def footer(app) -> str:
    return app.screen_text().splitlines()[-1]


# ------------------------------------------------------------------ pictures


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_layer_selector(snap_compare, size):
    assert snap_compare(stacked_app(), press=["right"] * 3 + ["left_square_bracket"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_layer_selector_gradient(snap_compare, size):
    assert snap_compare(stacked_app(), press=["b", "right", "right", "left_square_bracket"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_classifier_decision(snap_compare, size):
    assert snap_compare(classifier_app(), press=["end"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_classifier_gradient(snap_compare, size):
    assert snap_compare(classifier_app(), press=["b", "right", "right", "right"], terminal_size=size)


# ------------------------------------------------------------------ keys


async def test_the_bracket_keys_walk_the_layers_and_the_panels_say_which():
    app = stacked_app()
    async with app.run_test(size=(120, 36)) as pilot:
        sim = app.sim
        await pilot.press("right", "right")
        assert sim.shown_layer == 2
        assert "layer 3 of 3 (top)" in app.query_one("#chain-box").border_title
        for want in (1, 0):
            await pilot.press("left_square_bracket")
            assert sim.shown_layer == want
            caption = f"layer {want + 1} of 3"
            for box in ("#chain-box", "#cell-box", "#heat-box"):
                assert (
                    app.query_one(box).border_title.endswith(caption)
                    or caption + "," in app.query_one(box).border_title
                ), box
        await pilot.press("left_square_bracket")  # already at the bottom: a notice, nothing moves
        await pilot.pause()
        assert sim.shown_layer == 0 and sim.cursor == 2
        assert any("already at the bottom layer" in n.message for n in app._notifications)
        await pilot.press("right_square_bracket")
        assert sim.shown_layer == 1
        # the heatmap's state line reads the shown layer's h
        assert f"{sim.trace.layers[1]['forward'].h[1][0]:+.2f}" in app.screen_text()


async def test_layer_keys_show_in_the_footer_help_and_palette_only_for_stacked_models():
    app = stacked_app()
    async with app.run_test(size=(120, 36)) as pilot:
        # the Footer fills in its keys after the first frame; on a busy machine, later
        await until(pilot, lambda: footer(app).strip() != "", "the footer's keys")
        assert "[ Layer↓" in footer(app) and "] Layer↑" in footer(app)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Layer↓  ([)" in titles and "Layer↑  (])" in titles and "Label  (a)" not in titles
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "stacked model: show the layer below" in app.screen_text()
    flat = stacked_app(layers=1)
    async with flat.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "Layer" not in footer(flat)
        assert not any("Layer" in c.title for c in flat.get_system_commands(flat.screen))
        for box in ("#chain-box", "#cell-box", "#heat-box"):
            assert "layer" not in flat.query_one(box).border_title
        await pilot.press("right_square_bracket")  # does nothing, says nothing
        await pilot.pause()
        assert flat.sim.shown_layer == 0 and not flat._notifications


async def test_the_palette_stacks_a_random_model_and_the_keys_appear():
    app = stacked_app(layers=1)
    async with app.run_test(size=(120, 36)) as pilot:
        (stack,) = [c for c in app.get_system_commands(app.screen) if c.title == STACK_COMMAND]
        stack.callback()
        await settle(pilot)  # (the Footer rebuilds a few message rounds later: one pause saw it empty under load)
        assert app.sim.num_layers == 2 and app.sim.shown_layer == 1
        assert "] Layer↑" in footer(app)
        assert "layer 2 of 2 (top)" in app.query_one("#chain-box").border_title


async def test_a_classifier_shows_its_classes_after_the_last_token_and_a_chooses_the_label():
    app = classifier_app()
    async with app.run_test(size=(120, 36)) as pilot:
        sim = app.sim
        await pilot.press("right")
        assert "The classifier decides once," in app.screen_text()
        assert "7 tokens still to read" in app.screen_text() and "(End reads to the last)." in app.screen_text()
        assert app.query_one("#pred-box").border_title == "decision after the last token"
        await pilot.press("end")
        shown = app.screen_text()
        for name, p in sim.class_probs():
            assert name in shown and f"{p:5.1%}".strip() in shown
        assert "Next word" not in shown
        assert "a Label" in footer(app)
        predicted = sim.top_label()[0]
        assert predicted == "positive"
        await pilot.press("a")  # the label after the predicted one (round to the first)
        assert sim.label == "negative" and sim.target_label() == "negative"
        loss = -np.log(dict(sim.class_probs())["negative"])
        assert f"loss at “negative”: {loss:.2f}" in app.screen_text()
        assert "= −log p, the chosen label;" in app.screen_text()
        await pilot.press("a")  # the predicted one again
        assert sim.label is None and sim.target_label() == predicted
        await pilot.press("b")
        assert f"loss at “{predicted}”" in app.screen_text()
        assert "|∂L/∂x|" in app.screen_text()


async def test_the_gradient_view_goes_down_the_stack():
    app = stacked_app()
    async with app.run_test(size=(120, 36)) as pilot:
        sim = app.sim
        await pilot.press("b", "right", "left_square_bracket")
        totals = sim.stack_grad_totals()
        shown = app.screen_text()
        assert "into layer 3:" in shown
        for total in totals:
            assert f"{total:.1e}" in shown
        t = sim.grad_cursor
        assert "|∂L/∂in2|" in shown and f"{sim.layer_input_grad_norms(1)[t]:7.1e}".strip() in shown
        await pilot.press("left_square_bracket")  # the bottom layer's input is the words
        assert "|∂L/∂x|" in app.screen_text()


# ------------------------------------------------------------------ nothing computed on screen


async def test_choosing_a_layer_recomputes_nothing_and_the_panels_compute_nothing(monkeypatch):
    runs, products = [], []
    real_run, real_input = Model.run, sim_layers._input_grad
    monkeypatch.setattr(Model, "run", lambda self, *a, **k: runs.append(1) or real_run(self, *a, **k))
    monkeypatch.setattr(sim_layers, "_input_grad", lambda *a: products.append(a[2]) or real_input(*a))
    app = stacked_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("b", "right")
        assert len(runs) == 1
        for key in ["left_square_bracket", "left_square_bracket", "right_square_bracket", "right_square_bracket"] * 3:
            await pilot.press(key)
        await pilot.pause()
        assert len(runs) == 1  # one forward + BPTT for the whole session: a layer is a view of it
        # each layer's input gradient is one product per trace, cached by the Simulation
        assert len(products) == len(set(products)) and set(products) <= {1, 2}, products


def test_no_widget_reaches_into_the_core():
    from pathlib import Path

    import rnnsim.ui.widgets as widgets

    for path in Path(widgets.__file__).parent.glob("*.py"):
        src = path.read_text(encoding="utf-8")
        assert "core" not in src.replace("score", ""), path.name
        for call in (".run(", "layer_params", "softmax", "@ "):
            assert call not in src, (path.name, call)
