"""`rnnsim play` and `rnnsim record` from the command line: frames, exit status, one-line errors."""

from __future__ import annotations

import pytest

from rnnsim.cli import main

SCENE = """[scene]
title = "CLI test"
cell = "gru"
size = [80, 30]

[[step]]
step = 2
caption = "Two words."
snapshot = "two"
expect = { cursor = 2 }

[[step]]
backward = true
snapshot = "grad"
"""


@pytest.fixture
def scene_file(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(SCENE, encoding="utf-8")
    return p


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["svg", "txt", "png"])
def test_headless_writes_one_frame_per_snapshot(capsys, scene_file, tmp_path, fmt):
    out = tmp_path / "frames"  # cairosvg (the png extra) is in the test extra, so png is tested too
    code, _, err = run(capsys, "play", scene_file, "--headless", "--out", out, "--format", fmt)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [f"grad.{fmt}", f"two.{fmt}"]
    assert "2 frames" in err and "all checks passed" in err
    if fmt == "png":
        assert (out / "two.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    if fmt == "txt":
        text = (out / "two.txt").read_text()
        assert "CLI test" in text and "Two words." in text and "scene step 1/2" in text
    if fmt == "png":
        assert (out / "two.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if fmt == "svg":
        svg = (out / "two.svg").read_text()
        assert svg.startswith("<svg") and "CLI" in svg


def test_headless_without_out_only_checks(capsys, scene_file):
    code, _, err = run(capsys, "play", scene_file, "--headless")
    assert code == 0 and "no frames" in err


def test_a_failed_check_exits_1_naming_the_step(capsys, scene_file):
    scene_file.write_text(SCENE.replace("cursor = 2", "cursor = 5"), encoding="utf-8")
    code, _, err = run(capsys, "play", scene_file, "--headless")
    assert code == 1
    assert f"rnnsim: check failed: {scene_file}:10: step 1 (step = 2): expect cursor = 5: the step is 2, not 5" in err
    assert "1 check failed" in err


def test_a_mistake_in_the_scene_is_one_line_and_exit_2(capsys, scene_file):
    scene_file.write_text(SCENE.replace("backward = true", "backwrd = true"), encoding="utf-8")
    code, out, err = run(capsys, "play", scene_file, "--headless")
    assert code == 2 and out == ""
    assert err == f"rnnsim: error: {scene_file}:13: step 2: unknown action 'backwrd'; did you mean 'backward'?\n"


def test_goto_past_the_end_of_the_text_is_a_mistake_not_the_end(capsys, scene_file):
    # It was clamped to the end: a check on the step then read the last word without a word
    # said, where the author had meant another position or a longer text.
    scene_file.write_text(SCENE.replace("step = 2", "goto = 99"), encoding="utf-8")
    code, out, err = run(capsys, "play", scene_file, "--headless")
    assert code == 2 and out == ""
    assert err == (
        f"rnnsim: error: {scene_file}:7: step 1 (goto = 99): goto: 99 is past the end of the text "
        "(7 tokens, so 0..7; end = true goes to the end)\n"
    )


def test_a_loss_on_a_word_the_model_lacks_says_so(capsys, tmp_path):
    # The gradient view's line named such a loss "the loss on “<unk>”": not the word of the text.
    scene = tmp_path / "unk.toml"
    scene.write_text(
        '[scene]\ntitle = "t"\nmodel = "lstm"\ntext = "My dog Rex loves bones"\nloss = 3\n\n[[step]]\nbackward = true\n'
        'expect = { explain_contains = "The loss on “bones” (predicted at t=3, as <unk>: not in the vocabulary)" }\n',
        encoding="utf-8",
    )
    code, _, err = run(capsys, "play", scene, "--headless")
    assert code == 0, err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["play"], "give a scene file"),
        (["play", "nosuchscene"], "no such scene file"),
        (["play", "chain", "--out", "x"], "add --headless"),
        (["play", "chain", "--format", "png"], "--format png is the format of the frames written with --out"),
    ],
)
def test_command_line_mistakes(capsys, argv, words):
    code, _, err = run(capsys, *argv)
    assert code == 2 and words in err and err.count("\n") == 1


def test_out_must_be_a_folder(capsys, scene_file, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = run(capsys, "play", scene_file, "--headless", "--out", f)
    assert code == 2 and "not a folder" in err


def test_png_without_cairosvg_says_which_extra(capsys, scene_file, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_cairo(name, *a, **kw):
        if name == "cairosvg":
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_cairo)
    code, _, err = run(capsys, "play", scene_file, "--headless", "--out", tmp_path / "f", "--format", "png")
    assert code == 2 and "pip install 'rnnsim-tui[png]'" in err


def test_list_shows_the_lessons_in_order(capsys):
    code, out, _ = run(capsys, "play", "--list")
    names = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and names[:3] == ["chain", "memory", "vanishing"] and "example" in names


def test_list_numbers_every_lesson(capsys):
    # A teacher reads the list as the course: the last two lessons (exploding, surgery) had
    # no number and looked like something other than lessons 13 and 14.
    from rnnsim.scene.parse import LESSONS

    code, out, _ = run(capsys, "play", "--list")
    titles = {line.split()[0]: line.split(maxsplit=1)[1] for line in out.splitlines()}
    for number, name in enumerate(LESSONS, start=1):
        assert titles[name].startswith(f"{number} · "), (name, titles[name])
    assert code == 0 and not titles["example"][0].isdigit()  # the format's example is not a lesson


def test_record_refuses_to_overwrite(capsys, scene_file):
    code, _, err = run(capsys, "record", scene_file)
    assert code == 2 and "exists" in err and "--force" in err


def test_record_refuses_a_missing_folder(capsys, tmp_path):
    code, _, err = run(capsys, "record", tmp_path / "no" / "s.toml")
    assert code == 2 and "does not exist" in err


def test_record_saves_what_was_done_on_quit(capsys, tmp_path, monkeypatch):
    """The app is replaced by one that presses keys: right, right, b, then quits."""
    from rnnsim.ui import app as app_module

    def fake_run(self):
        self.sim.step()
        self.sim.step()
        self.sim.backward()

    monkeypatch.setattr(app_module.RnnsimApp, "run", fake_run)
    monkeypatch.setattr("rnnsim.cli_terminal.terminal_problem", lambda: None)  # (pytest is no terminal)
    out = tmp_path / "rec.toml"
    code, _, err = run(capsys, "record", out, "--cell", "rnn", "--seed", "4", "A b c d.")
    assert code == 0 and "saved 2 steps" in err
    code, _, err = run(capsys, "play", out, "--headless")
    assert code == 0, err
    text = out.read_text()
    assert 'text = "A b c d."' in text and "seed = 4" in text and "step = 2" in text


def test_headless_says_when_a_model_stands_in_for_another(capsys, tmp_path, monkeypatch):
    """A scene asking for a trained model that is not shipped plays on a random one, and says so."""
    from rnnsim.sim import build

    monkeypatch.setattr(build, "shipped_names", lambda: [])
    p = tmp_path / "s.toml"
    p.write_text('[scene]\nmodel = "gru"\n[[step]]\nstep = 1\n[[step]]\ncell = "rnn"\n', encoding="utf-8")
    code, _, err = run(capsys, "play", p, "--headless")
    assert code == 0
    assert f"rnnsim: note: {p}: start: no trained gru is shipped: using a random one" in err
    assert f"rnnsim: note: {p}: step 2: no trained rnn is shipped: using a random one" in err
