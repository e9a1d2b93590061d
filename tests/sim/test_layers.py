"""Stacked and classifier models in the Simulation: the layer selector, the gradient that
reaches each layer's input, the class probabilities and the chosen label."""

import numpy as np
import pytest

import rnnsim
from rnnsim.core import Model
from rnnsim.explain import explain
from rnnsim.sim import DEFAULTS, Settings, SimError, Simulation

WORDS = ["one", "two", "three", "four", "five", "six"]
TEXT = " ".join(WORDS)  # every word once: a word's embedding row is one position's input


def file_sim(tmp_path, text=TEXT, **shape) -> Simulation:
    path = tmp_path / "m.safetensors"
    rnnsim.save_model(rnnsim.random_model(vocab=WORDS, hidden=5, embed=3, seed=2, **shape), path)
    return Simulation.from_settings(text, Settings(source="file", path=str(path)))


def without_layers_below(model: Model, k: int, below: np.ndarray) -> Model:
    """The same network from layer k up, reading layer k-1's output as its embeddings
    (row of word t = that output at position t: each word occurs once)."""
    params = {"embedding.weight": np.zeros((len(model.vocab), below.shape[1]))}
    params["embedding.weight"][model.vocab.encode(WORDS)] = below
    for name, v in model.params.items():
        if name.startswith("rnn."):
            stem, _, rest = name.partition("_l")
            layer, _, sfx = rest.partition("_")
            if int(layer) >= k:
                params[f"{stem}_l{int(layer) - k}" + (f"_{sfx}" if sfx else "")] = v
        elif name.startswith("head."):
            params[name] = v
    return Model(model.cell, model.vocab, params, model.bidirectional, model.task, labels=model.labels)


SHAPES = {
    "rnn-3": dict(cell="rnn", num_layers=3),
    "lstm-2": dict(cell="lstm", num_layers=2),
    "gru-3": dict(cell="gru", num_layers=3),
    "bigru-2-classify": dict(cell="gru", num_layers=2, bidirectional=True, labels=["no", "yes"]),
    "bilstm-3-classify": dict(cell="lstm", num_layers=3, bidirectional=True, labels=["a", "b", "c"]),
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_the_gradient_at_each_layers_input_is_the_dx_of_the_stack_above(tmp_path, shape):
    sim = file_sim(tmp_path, **shape)
    sim.backward()
    tr = sim.trace
    assert np.array_equal(sim.layer_input_grads(0), tr.dx)  # the bottom: the embeddings
    for k in range(1, sim.num_layers):
        below = np.concatenate([tr.layers[k - 1][d].h for d in sim.model.directions], axis=1)
        upper = without_layers_below(sim.model, k, below)
        want = upper.run(WORDS, loss=sim.loss_mode, label=tr.label).dx
        np.testing.assert_allclose(sim.layer_input_grads(k), want, rtol=1e-10, atol=1e-14)
        assert sim.layer_input_grad_norms(k) == pytest.approx(np.linalg.norm(want, axis=1), rel=1e-10)
    totals = sim.stack_grad_totals()
    assert totals == pytest.approx([np.linalg.norm(sim.layer_input_grads(k)) for k in range(sim.num_layers)])


def test_a_stacked_model_shows_its_top_layer_first_and_the_selector_moves(tmp_path):
    sim = file_sim(tmp_path, cell="lstm", num_layers=3)
    assert sim.layer_caption() == "layer 3 of 3 (top)"
    assert sim.layer_directions() is sim.trace.layers[2]
    sim.goto(4)
    top = sim.state_norms().copy()
    sim.layer_down()
    assert sim.layer_caption() == "layer 2 of 3"
    np.testing.assert_array_equal(sim.state_norms(), np.linalg.norm(sim.trace.layers[1]["forward"].h, axis=1))
    assert not np.array_equal(sim.state_norms(), top)
    sim.set_layer(1)
    assert sim.layer_directions() is sim.trace.layers[0]
    with pytest.raises(SimError, match="already at the bottom layer"):
        sim.layer_down()
    sim.layer_up()
    sim.layer_up()
    with pytest.raises(SimError, match="already at the top layer"):
        sim.layer_up()
    assert sim.cursor == 4  # choosing a layer moves no cursor


def test_the_gradient_view_follows_the_chosen_layer(tmp_path):
    sim = file_sim(tmp_path, cell="rnn", num_layers=2)
    sim.backward()
    for k in (1, 2):
        sim.set_layer(k)
        d = sim.trace.layers[k - 1]["forward"]
        np.testing.assert_array_equal(sim.grad_norms(), np.linalg.norm(d.dh, axis=1))
        assert sim.grad_peak() == float(np.abs(d.dh).max())
        assert sim.state_scale() == float(np.abs(d.h).max())


@pytest.mark.parametrize("bad", [0, 4, -1, 1.5, "2", True])
def test_a_layer_that_does_not_exist_is_refused_and_the_shown_one_stays(tmp_path, bad):
    sim = file_sim(tmp_path, cell="gru", num_layers=3)
    sim.set_layer(2)
    with pytest.raises(SimError, match="choose 1 to 3"):
        sim.set_layer(bad)
    assert sim.shown_layer == 1


def test_a_one_layer_model_has_no_selector():
    sim = Simulation.from_settings("The cat sat on the mat.", Settings(source="random"))
    assert sim.num_layers == 1 and sim.layer_caption() == ""
    with pytest.raises(SimError, match="one layer"):
        sim.layer_up()
    with pytest.raises(SimError, match="there is no layer 2: this model has one layer"):
        sim.set_layer(2)


def test_layers_is_one_default_and_the_app_can_stack_a_random_model():
    assert DEFAULTS.layers == 1
    sim = Simulation.from_settings("The cat sat on the mat.", Settings())
    assert sim.model.num_layers == 1 and sim.origin.startswith("trained")
    sim.cycle_layers()
    assert sim.model.num_layers == 2 and sim.settings.layers == 2 and sim.origin.startswith("random")
    assert sim.layer_caption() == "layer 2 of 2 (top)"
    sim.set_layers(3)
    assert sim.model.num_layers == 3 and sim.shown_layer == 2
    with pytest.raises(SimError, match="from 1 to 8"):
        sim.set_layers(9)
    sim.set_cell("gru")  # a cell change keeps the depth
    assert sim.model.num_layers == 3
    with pytest.raises(SimError, match="cannot fill a blank"):
        sim.toggle_bidirectional()  # a stacked bidirectional next-word model would see the answer
    assert sim.model.num_layers == 3 and not sim.model.bidirectional


def test_a_trained_model_of_that_depth_is_not_shipped_so_a_random_one_says_so():
    sim = Simulation.from_settings("The cat sat on the mat.", Settings(layers=2))
    assert sim.model.num_layers == 2
    assert "no trained 2-layer lstm is shipped" in sim.notice


def test_a_classifier_gives_its_class_probabilities_after_the_last_token(tmp_path):
    sim = file_sim(tmp_path, cell="lstm", num_layers=2, labels=["neg", "pos", "meh"])
    assert sim.is_classifier and not sim.decision_ready()
    sim.to_end()
    assert sim.decision_ready()
    probs = sim.class_probs()
    assert [name for name, _ in probs] == ["neg", "pos", "meh"]
    assert [p for _, p in probs] == pytest.approx(sim.trace.probs.tolist())
    assert sum(p for _, p in probs) == pytest.approx(1.0)
    assert sim.top_label() == max(probs, key=lambda lp: lp[1])
    assert sim.target_label() == sim.top_label()[0]  # scored at the prediction by default


def test_choosing_a_label_moves_the_loss_and_the_gradient(tmp_path):
    sim = file_sim(tmp_path, cell="gru", labels=["neg", "pos"])
    sim.backward()
    predicted = sim.top_label()[0]
    other = "pos" if predicted == "neg" else "neg"
    before_loss, before_dx = sim.trace.loss, sim.input_grad_norms().copy()
    sim.set_label(other)
    assert sim.target_label() == other
    want = -np.log(dict(sim.class_probs())[other])
    assert sim.trace.loss == pytest.approx(want, rel=1e-12)
    assert sim.trace.loss > before_loss
    assert not np.allclose(sim.input_grad_norms(), before_dx)
    np.testing.assert_array_equal(sim.input_grad_norms(), np.linalg.norm(sim.trace.dx, axis=1))
    sim.set_label(None)
    assert sim.trace.loss == pytest.approx(before_loss, rel=1e-12)
    with pytest.raises(SimError, match="unknown label 'maybe': choose one of neg, pos"):
        sim.set_label("maybe")


def test_cycle_label_walks_from_the_prediction_through_every_label_back_to_it(tmp_path):
    sim = file_sim(tmp_path, cell="rnn", labels=["a", "b", "c"])
    labels = ["a", "b", "c"]
    at = labels.index(sim.top_label()[0])
    seen = []
    for _ in range(3):
        sim.cycle_label()
        seen.append(sim.label)
    # from the predicted label on: the next ones in order, wrapping, then the prediction again
    assert seen == [labels[(at + 1) % 3], labels[(at + 2) % 3], None]


def test_labels_are_for_classifiers_only():
    sim = Simulation.from_settings("The cat sat on the mat.", Settings(source="random"))
    with pytest.raises(SimError, match="only a classifier has labels; this model's task is next"):
        sim.set_label("pos")
    assert sim.class_probs() == [] and sim.top_label() is None


def test_the_explanation_speaks_of_the_shown_layer_and_the_decision(tmp_path):
    sim = file_sim(tmp_path, cell="lstm", num_layers=2, labels=["neg", "pos"])
    sim.goto(2)
    sim.set_layer(1)
    # how much of the old memory the shown (bottom) layer kept reading position 1: |f⊙c|/|c|
    d = sim.trace.layers[0]["forward"]
    kept = np.linalg.norm(d.gates["f"][1] * d.c[0]) / np.linalg.norm(d.c[0])
    assert f"f kept {kept:.0%}" in explain(sim) and explain(sim).startswith("Layer 1 of 2: ")
    sim.to_end()
    name, p = sim.top_label()
    assert f"decides {name!r}" in explain(sim).replace("“", "'").replace("”", "'")
    assert f"{p:.0%}" in explain(sim)


def test_the_app_trace_and_scenes_read_one_set_of_defaults():
    import rnnsim.cli as cli
    import rnnsim.cli_trace as cli_trace
    import rnnsim.scene as scene
    from rnnsim.sim import build

    assert cli.DEFAULT_TEXT is build.DEFAULT_TEXT is scene.DEFAULT_TEXT
    app = cli.random_settings(cli_trace.trace_parser().parse_args([]), "random")
    assert app == build.settings_from("random") == Settings(source="random")
    head = scene.parse_scene('[scene]\ncell = "lstm"\n[[step]]\nstep = 1\n', file="s.toml")
    assert head.settings == Settings(source="random") and head.text == build.DEFAULT_TEXT


def test_stack_grad_totals_are_kept_per_trace():
    """The gradient view shows the totals on every frame: computed once per trace, again
    when the numbers change."""
    sim = Simulation.from_settings("The cat sat on the mat.", Settings(source="random", cell="gru", layers=2))
    first = sim.stack_grad_totals()
    assert sim.stack_grad_totals() is first
    sim.set_loss_mode("all" if sim.loss_mode != "all" else "last")
    assert sim.stack_grad_totals() is not first
    want = [float(np.linalg.norm(sim.layer_input_grads(k))) for k in range(2)]
    assert sim.stack_grad_totals() == want
