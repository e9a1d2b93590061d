"""The Simulation, driven without a screen: every command and its promises."""

import numpy as np
import pytest

from rnnsim.explain import explain
from rnnsim.sim import Settings, SimError, Simulation

TEXT = "The cat sat on the mat."


def random_sim(text=TEXT, **kw) -> Simulation:
    return Simulation.from_settings(text, Settings(source="random", **kw))


def state(sim):
    """Everything a screen shows that a command can change."""
    return (
        sim.cursor,
        sim.phase,
        sim.grad_cursor,
        sim.loss_mode,
        sim.text,
        sim.model.cell,
        sim.model.bidirectional,
        explain(sim),
    )


def test_starts_before_the_first_token():
    sim = random_sim()
    assert sim.T == 7 and sim.cursor == 0 and sim.phase == "forward"
    assert sim.forward_pos is None and sim.focus_position() is None
    assert "starts at zero" in explain(sim)


def test_step_and_back_restore_exactly_the_earlier_state():
    sim = random_sim()
    seen = [state(sim)]
    for _ in range(sim.T):
        sim.step()
        seen.append(state(sim))
    assert sim.cursor == sim.T
    for k in range(sim.T, 0, -1):
        assert state(sim) == seen[k]
        sim.back()
    assert state(sim) == seen[0]


def test_goto_clamps_and_home_end():
    sim = random_sim()
    sim.goto(99)
    assert sim.cursor == sim.T
    sim.goto(-5)
    assert sim.cursor == 0
    sim.to_end()
    assert sim.cursor == sim.T
    sim.to_start()
    assert sim.cursor == 0
    sim.goto_position(3)
    assert sim.forward_pos == 3


def test_backward_enters_the_gradient_view_at_the_loss_and_walks_back():
    sim = random_sim()
    sim.backward()
    assert sim.phase == "backward" and sim.cursor == sim.T
    # the default loss is the prediction of "mat" at t=4 (T-3), not of the full stop
    assert sim.grad_cursor == sim.T - 3 == sim.loss_start()
    sim.step()
    assert sim.grad_cursor == sim.T - 4
    sim.back()
    assert sim.grad_cursor == sim.T - 3
    sim.back()  # cannot go past the loss
    assert sim.grad_cursor == sim.T - 3
    sim.to_end()
    assert sim.grad_cursor == 0
    sim.step()
    assert sim.grad_cursor == 0
    sim.leave_backward()
    assert sim.phase == "forward" and sim.cursor == sim.T


def test_grad_back_outside_the_gradient_view_is_a_clear_error():
    sim = random_sim()
    with pytest.raises(SimError, match="press b"):
        sim.grad_back()


def test_the_default_loss_is_the_last_word_so_the_vanishing_shows():
    """One word's loss, so what survives each step back shows; the last prediction of a
    word ("mat" at t=4), not of the closing full stop, which is nearly certain."""
    sim = random_sim(cell="rnn")
    assert sim.loss_mode == 4 and sim.target_token(4) == "mat"
    sim.backward()
    norms = sim.trace.forward.grad_norms()
    assert norms[0] < 0.1 * norms[4]
    sim.set_text("The cat sat on the mat")  # no full stop: the last prediction is the word
    assert sim.loss_mode == "last"


def test_the_trained_default_loss_is_not_the_trivial_full_stop():
    """The opening screen (the trained LSTM on the default text): the loss the first
    gradient traces is "mat" after "the", not the full stop after "mat"."""
    sim = Simulation.from_settings("The cat sat on the mat.")
    trace = sim.trace
    assert sim.loss_mode == 4 and trace.loss > 0.1
    assert sim.tokens[5] == "mat" and sim.tokens[6] == "."  # the loss at 4 is the guess of "mat"


def test_a_bidirectional_model_starts_with_every_blank_so_both_directions_get_gradient():
    sim = random_sim(bidirectional=True)
    assert sim.loss_mode == "all"
    sim.backward()
    assert sim.grad_norms("reverse").max() > 0 and sim.grad_norms("forward").max() > 0
    sim.set_loss_mode("last")  # the last blank reads only the forward state
    assert sim.grad_norms("reverse").max() == 0


def test_the_loss_follows_the_model_default_until_the_user_chooses_one():
    sim = random_sim()
    sim.toggle_bidirectional()
    assert sim.loss_mode == "all"
    sim.toggle_bidirectional()
    assert sim.loss_mode == 4
    sim.set_loss_mode("all")
    sim.cycle_cell()
    sim.toggle_bidirectional()
    sim.toggle_bidirectional()
    assert sim.loss_mode == "all"  # chosen: kept across model changes


def test_loss_modes_change_the_gradient():
    sim = random_sim(cell="rnn")
    sim.backward()
    last_norms = sim.trace.forward.grad_norms()
    sim.set_loss_mode("all")
    all_norms = sim.trace.forward.grad_norms()
    assert sim.loss_mode == "all" and sim.phase == "backward"
    assert not np.allclose(all_norms, last_norms)
    sim.cycle_loss_mode()  # back to the default one-word loss
    assert sim.loss_mode == 4
    sim.set_loss_mode(2)
    assert sim.loss_start() == 2
    assert np.all(sim.trace.forward.grad_norms()[3:] == 0)


@pytest.mark.parametrize("bad", ["sometimes", 6, 99, -1])
def test_bad_loss_mode_is_refused_and_keeps_the_old_one(bad):
    sim = random_sim()
    with pytest.raises(SimError):
        sim.set_loss_mode(bad)
    assert sim.loss_mode == 4


def test_empty_text_is_refused_and_the_last_good_text_stays():
    sim = random_sim()
    sim.step(3)
    for bad in ["", "   ", "\n\t"]:
        with pytest.raises(SimError, match="empty"):
            sim.set_text(bad)
    assert sim.text == TEXT and sim.cursor == 3


def test_set_text_on_a_random_model_knows_every_word():
    sim = random_sim()
    sim.set_text("A zebra wanders north")
    assert sim.tokens == ["A", "zebra", "wanders", "north"]
    assert not any(sim.unknown)


def test_a_file_model_keeps_its_vocabulary_and_marks_unknown_words(tmp_path):
    from rnnsim import save_model

    path = tmp_path / "m.safetensors"
    save_model(random_sim().model, path)
    sim = Simulation.from_settings(TEXT, Settings(source="file", path=str(path)))
    assert sim.origin == "file m.safetensors"  # its name: a scene replayed from any folder shows the same
    sim.set_text("The zebra sat")
    assert sim.unknown.tolist() == [False, True, False]
    assert sim.top_predictions(0, 1)[0][0] in sim.model.vocab.tokens


def test_cells_cycle_and_bidirectional_toggles():
    sim = random_sim(cell="rnn")
    order = []
    for _ in range(3):
        sim.cycle_cell()
        order.append(sim.model.cell)
    assert order == ["lstm", "gru", "rnn"]
    sim.toggle_bidirectional()
    assert sim.model.bidirectional and sim.model.task == "cloze"
    sim.toggle_bidirectional()
    assert not sim.model.bidirectional and sim.model.task == "next"
    with pytest.raises(SimError, match="unknown cell"):
        sim.set_cell("transformer")


def test_forget_bias_sets_the_mean_bias_and_is_lstm_only():
    sim = random_sim(cell="lstm")
    sim.set_forget_bias(3.0)
    assert sim.model.forget_bias() == pytest.approx(3.0, abs=1e-12)
    assert sim.trace.forward.gates["f"].mean() > 0.9
    sim.set_cell("gru")
    with pytest.raises(SimError, match="forget gate"):
        sim.set_forget_bias(1.0)
    for bad in ["x", float("nan"), 100]:
        sim.set_cell("lstm")
        with pytest.raises(SimError):
            sim.set_forget_bias(bad)


def test_forget_bias_eases_the_vanishing_gradient():
    """The DESIGN note's measurement, as a promise: a larger forget bias keeps more gradient."""
    ratios = []
    for b in (0.0, 3.0):
        sim = random_sim(cell="lstm", hidden=32)
        sim.set_forget_bias(b)
        sim.set_loss_mode("last")
        n = sim.trace.forward.cell_grad_norms()
        ratios.append(n[0] / n[sim.loss_start()])
    assert ratios[1] > 10 * ratios[0]


def test_hidden_and_reseed():
    sim = random_sim()
    w0 = sim.model.params["rnn.weight_hh_l0"].copy()
    sim.set_hidden(8)
    assert sim.model.hidden == 8
    sim.reseed(5)
    assert sim.settings.seed == 5
    again = random_sim(hidden=8, seed=5)
    np.testing.assert_array_equal(sim.model.params["rnn.weight_hh_l0"], again.model.params["rnn.weight_hh_l0"])
    assert w0.shape != sim.model.params["rnn.weight_hh_l0"].shape
    for bad in [0, 1000, 2.5, "8"]:
        with pytest.raises(SimError):
            sim.set_hidden(bad)
    with pytest.raises(SimError):
        sim.reseed(-1)


def test_play_ticks_to_the_end_and_stops():
    sim = random_sim()
    sim.toggle_play()
    assert sim.playing
    for _ in range(20):
        sim.tick()
    assert sim.cursor == sim.T and not sim.playing
    sim.toggle_play()  # playing again from the end starts over
    assert sim.playing and sim.cursor == 0


def test_bidirectional_reading_and_combined_state():
    sim = random_sim(bidirectional=True)
    T = sim.T
    sim.step(2)
    assert sim.forward_pos == 1 and sim.reverse_pos == T - 2
    assert [sim.combined_ready(t) for t in range(T)] == [False] * T
    sim.goto(4)  # forward read 0..3, reverse read 3..6
    assert [t for t in range(T) if sim.combined_ready(t)] == [3]
    # cloze at t needs h_fwd[t-1] and h_rev[t+1]
    assert sim.prediction_ready(3) and sim.prediction_ready(2) and sim.prediction_ready(4)
    assert not sim.prediction_ready(0)  # needs the reverse state at 1


def test_history_records_successful_commands_only():
    sim = random_sim()
    sim.step()
    sim.step(2)
    with pytest.raises(SimError):
        sim.set_text("")
    sim.backward()
    assert sim.history == [("step", ()), ("step", (2,)), ("backward", ())]


def test_versions_bump_so_views_redraw():
    sim = random_sim()
    v, dv = sim.version, sim.data_version
    sim.step()
    assert sim.version > v and sim.data_version == dv
    sim.set_loss_mode("all")
    assert sim.data_version > dv


def test_compare_gives_one_gradient_curve_per_cell():
    sim = random_sim()
    out = sim.compare()
    assert list(out) == ["rnn", "lstm", "gru"]
    for desc, norms in out.values():
        assert desc
        assert norms.shape == (sim.T,) and np.all(np.isfinite(norms))


def test_explanations_carry_the_live_numbers():
    sim = random_sim(cell="lstm")
    sim.step(2)
    d = sim.trace.forward
    kept = np.linalg.norm(d.gates["f"][1] * d.c[0]) / np.linalg.norm(d.c[0])  # of the memory, not mean f
    assert f"f kept {100 * kept:.0f}% of the old memory" in explain(sim)
    sim.backward()
    line = explain(sim)
    n = sim.trace.forward.grad_norms()[sim.grad_cursor]
    assert f"{n:.2e}" in line


def test_rich_markup_and_control_characters_are_tokens_not_markup():
    sim = random_sim(text="[bold]cat[/] \x1b[31m sat 🐱 猫")
    assert "[" in sim.tokens and "bold" in sim.tokens and "🐱" in sim.tokens and "猫" in sim.tokens
    assert "\x1b" in sim.tokens


def test_step_measure_is_the_measure_of_the_shown_layer_kept_per_trace():
    """The explain line reads one position of a per-step measure every frame: the
    Simulation computes it once per trace, for the layer on screen, and drops it when the
    numbers change."""
    from rnnsim.sim.measures import per_step

    sim = random_sim(cell="lstm", layers=2)
    sim.step()
    for layer in (2, 1):
        sim.set_layer(layer)
        d = sim.layer_directions()["forward"]
        for name in ("kept", "carried", "inflow"):
            np.testing.assert_array_equal(sim.step_measure(name), per_step(d, "lstm", name))
    first = sim.step_measure("kept")
    assert sim.step_measure("kept") is first  # kept, not computed again
    sim.set_forget_bias(2.0)
    assert sim.step_measure("kept") is not first  # new weights: measured again
    np.testing.assert_array_equal(sim.step_measure("kept"), per_step(sim.layer_directions()["forward"], "lstm", "kept"))
