"""Model files named by scenes: written relative to the scene's folder, found from that
folder whatever the working directory, absolute paths as they are, a missing file one line.
"""

import numpy as np
import pytest

from rnnsim import random_model, save_model
from rnnsim.core import Vocab
from rnnsim.scene import SceneError, ScenePlayer, load_scene, save_session, session_scene
from rnnsim.sim import Settings, Simulation

TEXT = "The cat sat on the mat."


@pytest.fixture
def model_file(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    path = folder / "mine.safetensors"
    save_model(random_model("gru", vocab=Vocab.from_texts([TEXT]), hidden=6, embed=4, seed=2), path)
    return path


def _replayed(scene_path) -> Simulation:
    player = ScenePlayer(load_scene(scene_path))
    player.goto(player.total)
    return player.sim


def test_a_session_on_a_model_file_names_it_relative_to_the_scene(tmp_path, model_file, monkeypatch):
    monkeypatch.chdir(model_file.parent)  # the user opened `rnnsim --model mine.safetensors` here
    sim = Simulation.from_settings(TEXT, Settings(source="file", path="mine.safetensors"))
    sim.step(3)
    scenes = tmp_path / "lessons"
    scenes.mkdir()
    path = save_session(sim, scenes / "s.toml")
    assert 'model = "../models/mine.safetensors"' in path.read_text(encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    replay = _replayed(path)
    assert replay.cursor == 3 and replay.origin == sim.origin == "file mine.safetensors"
    assert np.array_equal(replay.trace.probs, sim.trace.probs)


def test_a_model_step_is_found_from_the_scene_folder_from_any_working_directory(tmp_path, model_file, monkeypatch):
    scene = tmp_path / "s.toml"
    scene.write_text('[scene]\ncell = "rnn"\n[[step]]\nmodel = "models/mine.safetensors"\n[[step]]\nstep = 2\n')
    monkeypatch.chdir(model_file.parent)  # a folder where "models/mine.safetensors" is not
    sim = _replayed(scene)
    assert sim.model.cell == "gru" and sim.cursor == 2 and sim.origin == "file mine.safetensors"
    assert sim.settings.cell == "rnn"  # a swap keeps the settings, as the training screen's model does


def test_an_absolute_model_path_still_works(tmp_path, model_file, monkeypatch):
    scene = tmp_path / "s.toml"
    scene.write_text(f'[scene]\nmodel = "{model_file}"\n[[step]]\nmodel = "{model_file}"\n')
    monkeypatch.chdir(tmp_path.parent)
    assert _replayed(scene).model.cell == "gru"


@pytest.mark.parametrize(
    "where, line", [('[scene]\nmodel = "{}"\n[[step]]\nstep = 1\n', 2), ('[scene]\n[[step]]\nmodel = "{}"\n', 3)]
)
def test_a_missing_model_file_is_one_line_with_its_line(tmp_path, where, line):
    scene = tmp_path / "s.toml"
    scene.write_text(where.format("gone.safetensors"))
    with pytest.raises(SceneError) as e:
        load_scene(scene)
    msg = str(e.value)
    assert "\n" not in msg and e.value.line == line
    assert "model file 'gone.safetensors' not found" in msg and str(tmp_path) in msg


def test_a_broken_model_file_in_a_step_is_one_line(tmp_path):
    (tmp_path / "bad.safetensors").write_bytes(b"not a model")
    scene = tmp_path / "s.toml"
    scene.write_text('[scene]\n[[step]]\nmodel = "bad.safetensors"\n')
    with pytest.raises(SceneError, match="model 'bad.safetensors' cannot be loaded") as e:
        load_scene(scene)
    assert "\n" not in str(e.value) and e.value.line == 3


def test_a_trained_model_is_never_written_as_a_scene_that_cannot_find_it(tmp_path):
    """session_scene alone cannot name a file it has not written: it refuses, not guesses."""
    sim = Simulation.from_settings(TEXT, Settings(source="random", cell="rnn"))
    other = random_model("rnn", vocab=Vocab.from_texts([TEXT]), hidden=4, embed=3, seed=9)
    sim.set_model(other, "trained here: 1 epoch")
    with pytest.raises(SceneError, match="save_session"):
        session_scene(sim)
    path = save_session(sim, tmp_path / "s.toml")
    assert (tmp_path / "s.model-1.safetensors").is_file()
    assert 'model = "s.model-1.safetensors"' in path.read_text(encoding="utf-8")
    replay = _replayed(path)
    assert replay.origin == "trained here: 1 epoch" and replay.model.hidden == 4


def test_the_models_written_are_the_same_bytes_when_saved_twice(tmp_path):
    sim = Simulation.from_settings(TEXT, Settings(source="random", cell="lstm"))
    sim.set_model(random_model("gru", vocab=Vocab.from_texts([TEXT]), hidden=4, embed=3, seed=1), "trained here")
    sim.step(1)
    save_session(sim, tmp_path / "s.toml")
    first = (tmp_path / "s.model-1.safetensors").read_bytes()
    save_session(sim, tmp_path / "s.toml")
    assert (tmp_path / "s.model-1.safetensors").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.model-1.safetensors", "s.toml"]  # no temp left


def test_a_replayed_scene_saved_again_names_its_model_file_from_the_new_folder(tmp_path, model_file):
    scene = tmp_path / "s.toml"
    scene.write_text('[scene]\ncell = "rnn"\n[[step]]\nmodel = "models/mine.safetensors"\n')
    sim = _replayed(scene)
    sub = tmp_path / "again"
    sub.mkdir()
    text = save_session(sim, sub / "t.toml").read_text(encoding="utf-8")
    assert 'model = "../models/mine.safetensors"' in text
    assert _replayed(sub / "t.toml").model.cell == "gru"


def test_record_says_which_model_files_it_wrote_beside_the_scene(tmp_path, monkeypatch, capsys):
    """`rnnsim record` after live training: the closing line names the model file too,
    since the scene does not play without it."""
    from rnnsim.cli import main
    from rnnsim.ui import app as app_module

    def fake_run(self):  # the user trains, uses the model, reads a word, quits
        self.sim.set_model(random_model("gru", vocab=Vocab.from_texts([TEXT]), hidden=4, embed=3), "trained here")
        self.sim.step()

    monkeypatch.setattr(app_module.RnnsimApp, "run", fake_run)
    monkeypatch.setattr("rnnsim.cli_terminal.terminal_problem", lambda: None)  # (pytest is no terminal)
    out = tmp_path / "rec.toml"
    code = main(["record", str(out), "--cell", "rnn"])
    err = capsys.readouterr().err
    assert code == 0
    assert f"saved 2 steps to {out} and the model trained here to rec.model-1.safetensors beside it" in err
    assert _replayed(out).model.cell == "gru"


def test_a_relative_model_path_is_kept_from_where_it_was_read(tmp_path, model_file, monkeypatch):
    """`rnnsim serve --model mine.safetensors`: the visitor's app reads the file in the
    server's folder, then works in a folder of its own; `w` there must still name the file
    that was read, not one of that name in the new working directory."""
    monkeypatch.chdir(model_file.parent)
    sim = Simulation.from_settings(TEXT, Settings(source="file", path="mine.safetensors"))
    visitor = tmp_path / "visitor"
    visitor.mkdir()
    monkeypatch.chdir(visitor)
    text = save_session(sim, visitor / "s.toml").read_text(encoding="utf-8")
    assert 'model = "../models/mine.safetensors"' in text
    assert _replayed(visitor / "s.toml").model.cell == "gru"
