"""Generation in a session: writing on with the model's own picks, the temperature, and
the teacher-forcing / free-running rows."""

import pytest

from rnnsim.core.shipped import load_shipped
from rnnsim.sim import Settings, SimError, Simulation
from rnnsim.sim.generation import TEMPERATURES


def trained(text="The cat", cell="lstm", bidirectional=False):
    return Simulation.from_settings(text, Settings(source="trained", cell=cell, bidirectional=bidirectional))


def test_greedy_writing_on_is_the_models_greedy_generation():
    sim = trained()
    sim.set_temperature(0)
    for _ in range(4):
        sim.sample_next()
        assert sim.cursor == sim.T  # the new token is read at once
    want = load_shipped("lstm").generate("The cat", tokens=4, temperature=0, stop=()).text
    assert sim.text == want == "The cat sat on the mat"
    sim.sample_next()
    assert sim.text == "The cat sat on the mat."  # punctuation joins the word before it
    assert ("sample_next", ()) in sim.history and ("set_temperature", (0,)) in sim.history


def test_sampling_replays_the_same_text_in_a_new_session():
    def write(n):
        sim = trained("The dog")
        sim.set_temperature(1.5)
        for _ in range(n):
            sim.sample_next()
        return sim.text

    assert write(8) == write(8)
    assert write(8).startswith(write(4))


def test_temperature_steps_and_bounds():
    sim = trained()
    assert sim.temperature == 1.0 and not sim.show_generation
    sim.temperature_up()
    assert sim.temperature == 1.5 and sim.show_generation
    for _ in range(20):
        sim.temperature_down()
    assert sim.temperature == TEMPERATURES[0] == 0.0
    for _ in range(20):
        sim.temperature_up()
    assert sim.temperature == TEMPERATURES[-1]
    for bad in (-1, 101, "hot", float("nan"), True):
        with pytest.raises(SimError, match="temperature"):
            sim.set_temperature(bad)
    assert sim.temperature == TEMPERATURES[-1]


def test_a_bidirectional_model_cannot_write_on_and_says_why():
    sim = trained("The cat sat", bidirectional=True)
    text = sim.text
    for command in (sim.sample_next, sim.toggle_free_run):
        with pytest.raises(SimError, match="bidirectional"):
            command()
    assert sim.text == text and not sim.show_free_run
    assert "bidirectional" in sim.can_generate()


def test_free_running_reads_the_real_words_up_to_the_cursor():
    sim = trained("The cat sat on the mat .")
    sim.set_temperature(0)
    sim.toggle_free_run()
    assert sim.show_free_run
    assert sim.free_run_prompt() == 1  # cursor at the start: from the first word
    sim.goto(3)
    assert sim.free_run_prompt() == 3
    rows = sim.forced_and_free()
    assert rows.prompt_len == 3 and rows.free[:3] == rows.teacher[:3]
    probs = sim.trace.probs
    vocab = sim.model.vocab.tokens
    # teacher forcing at T = 0: the top guess of the prediction panel (never <unk>)
    for t, i in enumerate(rows.teacher):
        assert vocab[i] == max((p, w) for w, p in zip(vocab, probs[t], strict=True) if w != "<unk>")[1]
    sim.to_end()
    assert sim.free_run_prompt() == 1


def test_a_character_model_reads_characters_and_writes_them_on():
    sim = Simulation.from_settings("Hi there", Settings(source="trained", cell="char"))
    assert sim.model.tokenizer == "char"
    assert sim.tokens == list("Hi there") and not sim.unknown.any()
    sim.set_temperature(0)
    sim.sample_next()
    want = load_shipped("char").generate("Hi there", tokens=1, temperature=0).text
    assert sim.text == want and sim.tokens == list(want)
    sim.set_cell("lstm")  # to the word model: the same text read as words again
    assert sim.tokens == sim.model.tokenize(sim.text) and sim.cursor <= sim.T


def test_a_recorded_session_replays_what_was_written():
    from rnnsim.scene import parse_scene
    from rnnsim.scene.record import history_steps, session_scene
    from rnnsim.scene.steps import apply_step

    sim = trained("The dog")
    sim.set_temperature(1.5)
    sim.sample(3)
    sim.toggle_free_run()
    assert history_steps(sim.history, "The dog") == [("temperature", 1.5), ("sample", 3), ("free_run", True)]
    scene = parse_scene(session_scene(sim), file="recorded.toml")
    replay = scene.new_sim()
    for step in scene.steps:
        apply_step(scene, replay, step)
    assert replay.text == sim.text and replay.show_free_run
