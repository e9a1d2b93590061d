"""Pilot tests for surgery in the app: the keys and the palette change the one Simulation,
the bar says what is in force (with its values) at every size from 80x24, a mistake is a
notice or an inline line, and the painted unit shows over the text."""

from __future__ import annotations

import re

import pytest

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.screens.surgery import SurgeryScreen
from rnnsim.ui.widgets.tokens import _short

TEXT = "The cat sat on the mat."


def app_for(text=TEXT, **kw) -> RnnsimApp:
    return RnnsimApp(Simulation.from_settings(text, Settings(source="trained", **kw)))


def rows(app) -> list[str]:
    return app.screen_text().splitlines()


async def test_p_pins_the_memory_gate_and_the_bar_says_so():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        assert not any("surgery" in r for r in rows(app))
        await pilot.press("p")
        assert app.sim.surgery.pins == (("f", 1.0),)
        assert any("✂ surgery: pin f=1" in r for r in rows(app))
        await pilot.press("p")
        assert not app.sim.surgery.active
        assert not any("✂ surgery" in r for r in rows(app))


async def test_scale_and_clip_keys_show_their_values():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("b", "right_curly_bracket", "right_curly_bracket", "C")
        await pilot.pause()
        s = app.sim.surgery
        assert s.scale_recurrent == pytest.approx(1.5625) and s.clip == 1.0
        text = app.screen_text()
        assert "W_hh ×1.5625" in text and "clip 1" in text
        scale = app.sim.trace.clip_scale()
        assert f"clip_scale {scale:.3g}" in text
        await pilot.press("left_curly_bracket")
        assert app.sim.surgery.scale_recurrent == pytest.approx(1.25)
        await pilot.press("X")
        assert not app.sim.surgery.active


async def test_typed_surgery_and_an_inline_mistake():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("k")
        assert isinstance(app.screen, SurgeryScreen)
        await pilot.press("3", ",", "7", "enter")
        await pilot.pause()
        assert app.sim.surgery.knockout == (3, 7)
        assert not isinstance(app.screen, SurgeryScreen)
        await pilot.press("x", *"pin f=3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SurgeryScreen)  # stays open with the one-line reason
        assert "f is a sigmoid, so it lies in [0, 1]" in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        assert app.sim.surgery.pins == ()


async def test_a_plain_rnn_refuses_a_pin_in_one_notice():
    app = app_for(cell="rnn")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert any("a plain RNN has no gates to pin" in n.message for n in app._notifications)
        assert not app.sim.surgery.active


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 36), (160, 50)])
async def test_the_bar_shows_every_surgery_at_every_size(size):
    app = app_for()
    async with app.run_test(size=size) as pilot:
        app.run_command(app.sim.apply_surgery_words, "pin f=1")
        app.run_command(app.sim.apply_surgery_words, "knockout 3,7")
        app.run_command(app.sim.apply_surgery_words, "scale 1.5")
        app.run_command(app.sim.apply_surgery_words, "clip 1")
        await pilot.pause()
        text = " ".join(r.strip() for r in rows(app))
        for part in ("pin f=1", "knockout u3,u7", "W_hh ×1.5", "clip 1", "clip_scale"):
            assert part in text, (size, part)


async def test_u_paints_a_unit_over_the_text():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right", "right", "right")
        await pilot.press("u", "1", "3", "enter")
        await pilot.pause()
        assert app.sim.watched_unit == 13
        h = app.sim.trace.forward.h[:, 13]
        lines = rows(app)
        assert any("painting u13" in r for r in lines)
        tokens = next(i for i, r in enumerate(lines) if "The cat sat on" in r)
        marks = lines[tokens + 1].split()
        # under The and cat as their width allows; under sat, the word read last, whole
        assert marks == [_short(h[0], 3), _short(h[1], 3), f"{h[2]:+.2f}"]


async def test_painted_values_under_short_words_never_run_together():
    """One- and two-letter words have no room for an honest value: a dot (the colour and
    the bar say the rest), and the word read last shows its value whole; every value
    starts under its own word and a blank separates any two (they read "0 0 00" before)."""
    app = app_for("I saw a cat on it , a dog .")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*["right"] * 5, "u", "2", "enter")  # read up to "on"
        await pilot.pause()
        lines = rows(app)
        assert any("painting u2" in r and "· : step onto it" in r for r in lines)
        i = next(i for i, r in enumerate(lines) if "I saw a cat on it" in r)
        words, marks = lines[i], lines[i + 1]
        h = app.sim.trace.forward.h[:, 2]
        starts = [m.start() for m in re.finditer(r"\S+", marks)]
        tags = marks.split()
        assert len(tags) == 5  # I saw a cat on: the five words read
        for t, (x, tag) in enumerate(zip(starts, tags, strict=True)):
            word = app.sim.tokens[t]
            assert words[x : x + len(word)] == word  # under its own word
            if t == 4:
                assert tag == f"{h[4]:+.2f}"  # the word read last: whole, past its width
            elif len(word) < 3:
                assert tag == "·", (word, tag)
            else:
                assert tag == _short(h[t], len(word)) and len(tag) <= len(word)
        assert _short(0.0, 1) == "0" and _short(-0.97, 2) == "-1" and _short(0.42, 2) == "·"


async def test_palette_lists_surgery_with_keys():
    app = app_for()
    async with app.run_test(size=(120, 36)):
        names = [c.title for c in app.get_system_commands(app.screen)]
    for want in ("Pin f/z  (p)", "Surgery…  (x)", "Knock out  (k)", "Clip  (C)", "Undo surgery  (X)"):
        assert any(n.startswith(want) for n in names), want


def test_snapshot_surgery_at_80x24(snap_compare):
    """The smallest terminal: the bar names every surgery and clip_scale above the panels."""
    keys = ["right", "right", "right", "p", "right_curly_bracket", "right_curly_bracket", "b", "C"]
    assert snap_compare(app_for(), press=keys, terminal_size=(80, 24))


def test_snapshot_knockout_and_painted_unit(snap_compare):
    keys = ["right"] * 5 + ["k", "1", "3", "enter", "u", "7", "enter"]
    assert snap_compare(app_for(), press=keys, terminal_size=(120, 36))
