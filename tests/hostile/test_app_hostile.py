"""The app under an unlucky user: a second Enter in the command palette, resizing while
help is open, and a soak of 2,000 random keys and resizes on a hostile model."""

from __future__ import annotations

import random

import numpy as np
import pytest
from textual import events
from textual.command import CommandInput, CommandList
from textual.geometry import Size
from textual.widgets import Input

from rnnsim.core import Vocab, random_model, save_model
from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from tests.waiting import until

TEXT = "The cat sat on the mat."


def make_app(text=TEXT, **kw):
    kw.setdefault("source", "random")
    return RnnsimApp(Simulation.from_settings(text, Settings(**kw)))


async def test_palette_enter_enter_runs_the_command_once():
    """ctrl+p, "Backp", Enter, Enter: both Enters queued before the palette handles the
    first. The palette selected twice, dismissed itself twice and so popped the main screen
    (ScreenStackError)."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p", *"Backp")
        palette = app.screen
        # the palette searches in a worker: the Enters count only once it has found the command
        await until(pilot, lambda: palette.query_one(CommandList).option_count > 0, "the palette's search")
        field = palette.query_one(CommandInput)
        for _ in range(2):  # what two Enters in the input post
            field.post_message(Input.Submitted(field, field.value))
        for _ in range(5):
            await pilot.pause()
        assert app.is_running and len(app.screen_stack) == 1
        assert app.sim.phase == "backward"
        assert [name for name, _ in app.sim.history] == ["backward"]  # once, not twice


@pytest.mark.parametrize("order", ["small-then-help", "help-then-small"])
async def test_resizing_while_help_is_open(order):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        if order == "small-then-help":
            await pilot.resize_terminal(50, 15)
            await pilot.press("question_mark")
            await pilot.resize_terminal(120, 36)
            await pilot.press("escape")
            await until(pilot, lambda: "the chain" in app.screen_text(), "the panels after help closed")
            assert "Make the terminal larger" not in app.screen_text()
        else:
            await pilot.press("question_mark")
            await pilot.resize_terminal(50, 15)
            await pilot.press("escape")
            await until(pilot, lambda: len(app.screen_stack) == 1, "help to close")
            # (the main screen was small before: without the fix it drew its panels squeezed)
            await until(pilot, lambda: "50×15." in app.screen_text(), "the too-small message")
            assert "Make the terminal larger: rnnsim needs" in app.screen_text()
            assert "the chain" not in app.screen_text()


@pytest.fixture
def hostile_model(tmp_path):
    """Escape sequences for words and a relu network that overflows."""
    vocab = Vocab(["<unk>", "a", "b", "\x1b[2J", "\x9b31m", "\x1b]0;x\x07"])
    m = random_model("rnn", vocab=vocab, hidden=4, embed=3, seed=0)
    m.nonlinearity = "relu"
    for name in ("rnn.weight_hh_l0", "rnn.weight_ih_l0", "embedding.weight"):
        m.params[name][:] = 1e4
    path = tmp_path / "hostile.safetensors"
    save_model(m, path)
    return path


KEYS = ["right", "left", "l", "h", "home", "end", "b", "L", "c", "d", "f", "F", "r", "escape", "m",
        "question_mark", "e", "x", "enter", "space", "tab", "up", "down", "ctrl+p", "w"]  # fmt: skip
CHARS = {"space": " ", "question_mark": "?", "enter": "\r", "tab": "\t"}
SIZES = [(120, 36), (80, 24), (59, 19), (40, 10), (200, 60), (60, 20)]


async def test_two_thousand_random_keys_and_resizes(tmp_path, monkeypatch, hostile_model):
    """About 1,800 keys and 200 resizes on a model whose words are escape sequences and
    whose state overflows, posted as the terminal driver posts them (no waiting for each
    frame), 50 events between pauses; nothing may raise."""
    monkeypatch.chdir(tmp_path)  # (w saves a session here)
    app = make_app(" ".join(["a b \x1b[2J"] * 25), source="file", path=str(hostile_model))
    rng = random.Random(1)
    with np.errstate(all="ignore"):
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(40):
                for _ in range(50):
                    if rng.random() < 0.1:
                        w, h = rng.choice(SIZES)
                        app.post_message(events.Resize(Size(w, h), Size(w, h)))
                    else:
                        key = rng.choice(KEYS)
                        app.post_message(events.Key(key, CHARS.get(key, key if len(key) == 1 else None)))
                await pilot.pause()
            assert app.is_running
            assert 0 <= app.sim.cursor <= app.sim.T


async def test_a_queued_enter_under_the_palette_does_not_close_the_wrong_screen():
    """The soak found it: e, then ctrl+p over the edit screen, then an Enter the edit box
    had queued. Screen.is_current is true under a palette, so the edit screen dismissed
    itself while the palette was on top: it popped the palette, and the next Enter set
    its result twice (InvalidStateError)."""
    from rnnsim.ui.screens.edit import EditScreen

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("e")
        edit = app.screen
        assert isinstance(edit, EditScreen)
        field = edit.query_one(Input)
        await pilot.press("ctrl+p")
        await pilot.pause()
        for _ in range(2):  # Enters the edit box had queued
            field.post_message(Input.Submitted(field, "The dog sat."))
        for _ in range(5):
            await pilot.pause()
        assert app.is_running
        assert type(app.screen).__name__ == "GuardedCommandPalette"  # the palette stays open
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is edit  # and the edit screen is still there under it
