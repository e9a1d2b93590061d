"""An Elman RNN saved with nonlinearity relu is drawn with relu, not tanh: the cell panel's
equation and row name and the explain line are claims about the model on screen."""

from rnnsim import random_model
from rnnsim.core import Vocab
from rnnsim.explain import explain
from rnnsim.sim import Simulation
from rnnsim.ui.app import RnnsimApp

TEXT = "the cat sat on the mat ."


def _relu_sim() -> Simulation:
    model = random_model("rnn", vocab=Vocab.from_texts([TEXT]), hidden=8, embed=4, seed=0)
    model.nonlinearity = "relu"
    return Simulation(model=model, text=TEXT, origin="relu test")


async def test_the_cell_panel_of_a_relu_rnn_says_relu():
    app = RnnsimApp(_relu_sim())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("l", "l")
        await pilot.pause()
        text = app.screen_text()
        assert "h' = relu(W_ih x + b_ih + W_hh h + b_hh)" in text and "h' relu" in text
        assert "tanh" not in text
        await pilot.press("b")
        await pilot.pause()
        text = app.screen_text()
        assert "before relu" in text and "tanh" not in text


def test_the_explain_line_of_a_relu_rnn_says_relu_and_counts_units_at_zero():
    sim = _relu_sim()
    sim.step(2)
    line = explain(sim)
    h = sim.trace.forward.h[1]
    assert "h[1] = relu(W_ih x + b_ih + W_hh h + b_hh)" in line and "tanh" not in line
    assert f"{int((h == 0).sum())} of 8 units at 0" in line
