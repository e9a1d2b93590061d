"""Pilot tests: every key and command of the app, bad input, resizing, random keys."""

import random
import re

import pytest
from textual import events

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.layout import MIN_SIZE
from rnnsim.ui.screens.compare import CompareScreen
from rnnsim.ui.screens.edit import EditScreen
from rnnsim.ui.screens.help import HelpScreen, key_names

from ..waiting import until

TEXT = "The cat sat on the mat."


def make_app(text=TEXT, **kw) -> RnnsimApp:
    kw.setdefault("source", "random")
    return RnnsimApp(Simulation.from_settings(text, Settings(**kw)))


def screen_text(app) -> str:
    return app.screen_text()


async def test_step_keys_move_the_cursor():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        sim = app.sim
        await pilot.press("right", "l")
        assert sim.cursor == 2
        await pilot.press("left")
        assert sim.cursor == 1
        await pilot.press("h")
        assert sim.cursor == 0
        await pilot.press("end")
        assert sim.cursor == sim.T
        await pilot.press("home")
        assert sim.cursor == 0


async def test_backward_key_and_loss_mode():
    app = make_app(cell="rnn")
    async with app.run_test(size=(120, 36)) as pilot:
        sim = app.sim
        await pilot.press("b")
        # the default loss: "mat" after "the" (t=4), not the full stop after "mat"
        assert sim.phase == "backward" and sim.grad_cursor == sim.T - 3 == 4
        await pilot.press("right", "right")
        assert sim.grad_cursor == sim.T - 5
        await pilot.press("left")
        assert sim.grad_cursor == sim.T - 4
        await pilot.press("L")
        assert sim.loss_mode == "all"
        assert "×step" not in screen_text(app)  # survival factors mean nothing when every word adds a loss
        await pilot.press("L")
        assert sim.loss_mode == 4 and "×step" in screen_text(app)  # back to the one-word default
        await pilot.press("escape")
        assert sim.phase == "forward"
        await pilot.pause()
        assert "Press b to run it" in screen_text(app)


async def test_cell_bidirectional_forget_and_reseed_keys():
    app = make_app(cell="lstm")
    async with app.run_test(size=(120, 36)) as pilot:
        sim = app.sim
        before = sim.model.forget_bias()
        await pilot.press("f")
        assert sim.model.forget_bias() == pytest.approx(before + 0.5)
        await pilot.press("F", "F")
        assert sim.model.forget_bias() == pytest.approx(before - 0.5)
        await pilot.press("c")
        assert sim.model.cell == "gru"
        await pilot.press("f")  # not an LSTM: a notice, no crash, nothing changes
        assert sim.model.cell == "gru"
        await pilot.press("d")
        assert sim.model.bidirectional
        await pilot.press("r")
        assert sim.settings.seed == 1


async def test_play_advances_on_its_own_and_pauses():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        sim = app.sim
        await pilot.press("space")
        assert sim.playing
        await until(pilot, lambda: sim.cursor >= 1, "play to read a token")
        await pilot.press("space")
        assert not sim.playing
        k = sim.cursor
        await pilot.pause(0.8)
        assert sim.cursor == k


async def test_edit_text_and_empty_text_keeps_the_last_good_one():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        sim = app.sim
        await pilot.press("e")
        assert isinstance(app.screen, EditScreen)
        inp = app.screen.query_one("Input")
        inp.value = ""
        await pilot.press("enter")
        assert isinstance(app.screen, EditScreen), "an empty text must keep the editor open"
        assert "empty" in str(app.screen.query_one("#error").render())
        assert sim.text == TEXT
        inp.value = "A dog ran home"
        await pilot.press("enter")
        assert not isinstance(app.screen, EditScreen)
        assert sim.tokens == ["A", "dog", "ran", "home"]
        await pilot.press("e", "escape")
        assert sim.tokens == ["A", "dog", "ran", "home"]


async def test_help_and_compare_screens_open_and_close():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for b in app.BINDINGS:  # (the layer and label keys only where they act: see test_layers_keys)
            assert ((b.tooltip or b.description) in text) == app._applies(b.action), b.id
        await pilot.press("right")  # main-screen keys do nothing under the help
        assert app.sim.cursor == 0
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("m")
        assert isinstance(app.screen, CompareScreen)
        text = screen_text(app)
        assert "rnn" in text and "lstm" in text and "gru" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)


async def test_every_binding_has_an_id_and_is_in_the_palette():
    app = make_app()
    async with app.run_test(size=(120, 36)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for b in app.BINDINGS:
            assert b.id, b.key
            entry = f"{b.description}  ({key_names(b)})"
            if b.action != "quit" and app._applies(b.action):  # each command with its key, as help names it
                assert entry in titles, b.description
            else:  # the layer and label keys of a one-layer next-word model: not offered
                assert entry not in titles, b.description


async def test_clicking_a_token_goes_there():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        strip = app.query_one("#tokens")
        x0, _, t = strip._spans[3]
        await pilot.click("#tokens", offset=(x0, 0))
        assert app.sim.forward_pos == t == 3


async def test_bad_text_displays_literally():
    text = "[bold]cat[/] sat \x1b[31m 🐱 猫 on the mat"
    app = make_app(text=text)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("end")
        out = screen_text(app)
        assert "[" in out and "bold" in out and "/" in out
        assert "␛" in out
        assert "🐱" in out and "猫" in out


async def test_unknown_words_are_visible(tmp_path):
    from rnnsim import save_model

    path = tmp_path / "m.safetensors"
    save_model(Simulation.from_settings(TEXT, Settings(source="random")).model, path)
    app = RnnsimApp(Simulation.from_settings("The zebra sat", Settings(source="file", path=str(path))))
    async with app.run_test(size=(120, 36)):
        assert "<unk>" in screen_text(app)


async def test_small_terminal_shows_a_notice_and_recovers():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.resize_terminal(MIN_SIZE[0] - 1, 15)
        await pilot.pause()
        assert "Make the terminal larger" in screen_text(app)
        await pilot.resize_terminal(20, 6)
        await pilot.pause()
        await pilot.resize_terminal(120, 36)
        await pilot.pause()
        assert "Make the terminal larger" not in screen_text(app)
        assert "prediction" in screen_text(app)


async def test_works_at_80x24():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "right")
        out = screen_text(app)
        assert "Make the terminal larger" not in out
        for title in ("the chain", "hidden state", "inside the cell", "prediction"):
            assert title in out, title


async def test_two_thousand_random_keys_raise_nothing():
    keys = [
        "right",
        "left",
        "l",
        "h",
        "home",
        "end",
        "b",
        "L",
        "c",
        "d",
        "f",
        "F",
        "r",
        "escape",
        "m",
        "question_mark",
        "e",
        "x",
        "enter",
        "space",
        "tab",
        "up",
        "down",
    ]
    chars = {"space": " ", "question_mark": "?", "enter": "\r", "tab": "\t"}
    rng = random.Random(0)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        # Keys go in as the terminal driver sends them, 50 at a time without waiting for
        # each frame (a fast typist; Pilot.press would wait for every frame to settle).
        for _ in range(40):
            for key in rng.choices(keys, k=50):
                char = chars.get(key, key if len(key) == 1 else None)
                app.post_message(events.Key(key, char))
            await pilot.pause()
        assert app.is_running
        assert 0 <= app.sim.cursor <= app.sim.T


async def test_other_themes_draw_every_panel():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        for theme in ("textual-light", "nord", "gruvbox"):
            app.theme = theme
            await pilot.press("right")
            await pilot.pause()
            out = screen_text(app)
            for title in ("the chain", "hidden state", "inside the cell", "prediction", "gradient"):
                assert title in out, (theme, title)


async def test_a_new_session_is_drawn_anew_even_at_the_same_step():
    """A scene going back replays from a fresh Simulation: caches keyed on its version stamps
    must not serve the old session's pictures."""
    app = make_app(seed=0)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right", "right", "right", "b")
        before = screen_text(app)
        app_state_scale = app.sim.state_scale()
        fresh = Simulation.from_settings(TEXT, Settings(source="random", seed=1))
        fresh.step(3)
        fresh.backward()
        app.sim = fresh
        app.show_sim()
        await pilot.pause()
        after = screen_text(app)
        assert after != before
        grad = f"{fresh.grad_norms()[fresh.grad_cursor]:.1e}"
        assert grad in after
        # the heatmap's colours (invisible in text): its strips use the new session's scale
        from rnnsim.ui.widgets.heatmap import Heatmap

        heatmap = app.query_one(Heatmap)
        heatmap.render_line(1)
        assert heatmap._scale == fresh.state_scale() != app_state_scale


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_gradient_columns_line_up_under_their_headings(size):
    """Each gradient column (bar, number) starts under its heading, and a number never
    runs into the next column's bar."""
    app = make_app(cell="lstm", bidirectional=True)
    async with app.run_test(size=size) as pilot:
        await pilot.press("b", "end")
        lines = screen_text(app).splitlines()
        head = next(line for line in lines if "|∂L/∂h→|" in line)
        labels = [x for x in ("|∂L/∂h→|", "|∂L/∂c→|", "|∂L/∂h←|", "|∂L/∂c←|") if x in head]
        assert len(labels) >= 2  # (at 80 columns the panel cuts the last ones)
        starts = [head.index(label) for label in labels]
        rows = [line for line in lines if re.search(r"│\s+\d+ \S+\s+[█-▏·]", line)]
        assert len(rows) >= (5 if size[1] > 30 else 1)
        for row in rows:
            for start in starts:
                assert row[start] in "█▉▊▋▌▍▎▏· ", (row, start)
                assert row[start - 1] == " ", (row, start)  # the column before it ended in a space
            assert not re.search(r"e[+-]\d\d[^\s│]", row), row
        for line in lines:  # the inside of the cell too: two directions' gate gradients side by side
            assert not re.search(r"e[+-]\d\d[▁-█·]", line), line


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
async def test_gradient_view_shows_what_reaches_each_words_embedding_for_one_direction(bidirectional):
    app = make_app(cell="rnn", bidirectional=bidirectional)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("b", "end")
        text = screen_text(app)
        assert ("|∂L/∂x|" in text) != bidirectional  # two directions fill the panel already
        if not bidirectional:
            row = next(line for line in text.splitlines() if " 0 The " in line and "e-" in line)
            shown = [float(x) for x in re.findall(r"\d\.\de[+-]\d\d", row)]
            assert shown[-1] == pytest.approx(float(app.sim.input_grad_norms()[0]), rel=0.06)


async def test_keys_still_queued_when_the_app_shuts_down_are_dropped():
    """A fast typist's keys can outlive the screens (seen under load in the random-keys
    test: ScreenStackError from Textual's binding lookup)."""
    app = make_app()
    async with app.run_test(size=(100, 30)):
        pass
    assert not app.is_running and not app.screen_stack
    await app.on_event(events.Key("space", " "))  # raised ScreenStackError before the guard


async def test_f1_opens_and_closes_the_help():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpScreen)


async def test_plus_and_minus_change_the_play_speed_and_the_top_bar_shows_it():
    from rnnsim.ui.keys import PLAY_INTERVAL, SPEEDS

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("space", "plus", "plus")
        assert app.speed == SPEEDS[SPEEDS.index(1.0) + 2]
        assert app._timer._interval == pytest.approx(PLAY_INTERVAL / app.speed)
        assert f"▶ playing ×{app.speed:g}" in screen_text(app).splitlines()[0]
        await pilot.press(*["minus"] * 10)
        assert app.speed == SPEEDS[0]  # the slowest, not below
        assert app._timer._interval == pytest.approx(PLAY_INTERVAL / SPEEDS[0])
        await pilot.press("space")
        assert f"play speed ×{SPEEDS[0]:g}" in screen_text(app).splitlines()[0]


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_every_panel_draws_under_no_color(monkeypatch, size):
    """NO_COLOR's monochrome filter needs a style on every segment: a blank line without
    one stopped the whole screen from drawing."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(cell="lstm")
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "b")
        await pilot.pause()
        out = screen_text(app)
        for title in ("the chain", "hidden state", "inside the cell", "gradient"):
            assert title in out, title


async def test_shift_s_saves_the_model_in_use_and_it_loads_back(tmp_path, monkeypatch):
    import numpy as np

    from rnnsim import load_model

    monkeypatch.chdir(tmp_path)
    app = make_app(cell="gru", seed=3)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("S", "S")
        saved = sorted(tmp_path.glob("rnnsim-model-*.safetensors"))
        assert len(saved) == 2  # a second save in the same second gets its own name
        model = load_model(saved[0])
        assert model.cell == "gru" and model.vocab == app.sim.model.vocab
        for name, value in app.sim.model.params.items():
            np.testing.assert_allclose(model.params[name], value, rtol=1e-6, atol=1e-7)  # (float32 on disk)


async def test_a_model_that_cannot_be_saved_gives_one_line_and_the_app_runs_on(tmp_path, monkeypatch):
    import rnnsim.core.modelfile as modelfile

    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(modelfile, "atomic_write_bytes", full_disk)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("S")
        notes = [n.message for n in app._notifications]
        assert notes and notes[-1].startswith("could not save the model to rnnsim-model-"), notes
        assert notes[-1].endswith("No space left on device") and "\n" not in notes[-1]
        assert app.is_running
