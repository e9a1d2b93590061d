"""Escape sequences from outside (a model file's vocabulary, a scene's caption or title, a
text) never reach the terminal raw, and every SVG frame stays valid XML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from rnnsim.core import Vocab, random_model, save_model
from rnnsim.core.safe_text import safe_json, safe_text, xml_safe

from ..cli_run import run_main

# Title hijack (OSC 0), screen wipe (CSI 2J), a link (OSC 8), a C1 CSI, a bidi override, BEL.
HOSTILE = ["\x1b]0;pwned\x07", "\x1b[2J", "\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\", "\x9b31m", "\u202eevil", "\x07"]
# Anything a terminal acts on: C0 controls but newline, DEL, C1 controls, bidi/format characters.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


@pytest.fixture
def hostile_model(tmp_path):
    """A model whose vocabulary is all escape sequences, biased to predict them."""
    vocab = Vocab(["<unk>", "a", "b", *HOSTILE])
    m = random_model("rnn", vocab=vocab, hidden=4, embed=3, seed=0)
    m.params["head.bias"][3:] += 20.0  # the hostile words are the top guesses everywhere
    path = tmp_path / "hostile.safetensors"
    save_model(m, path)
    return path


def test_safe_text_makes_every_control_visible():
    for word in HOSTILE:
        shown = safe_text(word)
        assert not RAW.search(shown), repr(shown)
    assert safe_text("\x1b[2J") == "␛[2J"
    assert safe_text("\x9b") == "\\u009b"
    assert safe_text("line\nbreak", keep="\n") == "line\nbreak"
    assert (
        safe_text("The cat sat on the mat. café 猫 🐱") == "The cat sat on the mat. café 猫 🐱"
    )  # ordinary text unchanged


def test_safe_json_is_the_same_json_without_raw_controls():
    obj = {"tokens": HOSTILE + ["café", "🐱"], "x": [1.5, None]}
    text = safe_json(obj)
    assert not RAW.search(text)
    assert json.loads(text) == obj
    assert "café" in text and "🐱" in text  # printable text stays readable


def test_xml_safe_gives_parsable_xml():
    svg = "<svg><text>a\x01b\x1b\ufffe</text></svg>"
    ET.fromstring(xml_safe(svg))


def test_trace_table_prints_no_escape(hostile_model, capsys):
    code, out, err = run_main(["trace", "--model", str(hostile_model), "a b a"], capsys)
    assert code == 0, err
    assert not RAW.search(out.replace("\n", "")), out
    assert "␛[2J" in out or "␛]0;pwned␇" in out  # the word is shown, made visible


def test_trace_json_to_a_terminal_prints_no_escape(hostile_model, capsys):
    text = "a \x9b b \u202e a"  # a C1 CSI and a bidi override, which JSON leaves raw
    code, out, _ = run_main(["trace", "--json", "--model", str(hostile_model), text], capsys)
    assert code == 0
    assert not RAW.search(out.rstrip("\n"))
    assert json.loads(out)["tokens"] == ["a", "\x9b", "b", "a"]  # the same strings back (U+202E separates)


def test_error_lines_quote_user_input_safely(capsys):
    code, _, err = run_main(["trace", "--file", "/nonexistent/\x1b]0;pwned\x07.txt"], capsys)
    assert code == 2
    assert not RAW.search(err.rstrip("\n")) and "␛]0;pwned␇" in err


def test_explain_line_is_safe(hostile_model):
    from rnnsim.explain import explain
    from rnnsim.sim import Settings, Simulation

    sim = Simulation.from_settings("a b a", Settings(source="file", path=str(hostile_model)))
    sim.step()
    line = explain(sim)
    assert "guess" in line and not RAW.search(line), line
    sim.backward()
    assert not RAW.search(explain(sim))


def test_app_screen_shows_no_escape(hostile_model, monkeypatch):
    import asyncio

    from rnnsim.sim import Settings, Simulation
    from rnnsim.ui.app import RnnsimApp

    named = hostile_model.with_name("\x1b[2Jnamed.safetensors")  # the file name shows in the top bar
    named.write_bytes(hostile_model.read_bytes())
    monkeypatch.chdir(named.parent)  # a short name, so the top bar has room for it

    async def go():
        sim = Simulation.from_settings("a \x1b[2J b\x9b", Settings(source="file", path=named.name))
        app = RnnsimApp(sim)
        async with app.run_test(size=(120, 36)) as pilot:
            for key in ("right", "right", "b", "right"):
                await pilot.press(key)
            await pilot.pause()
            text = app.screen_text()
            svg = app.export_screenshot()
        return text, svg

    text, svg = asyncio.run(go())
    assert not RAW.search(text.replace("\n", "")), text
    assert "␛[2Jnamed" in text.splitlines()[0]  # shown, made visible (not silently dropped)
    ET.fromstring(svg)


SCENE = """
[scene]
title = "Title \\u0007 with a bell \\u001b]0;pwned\\u0007"
cell = "rnn"
hidden = 4
text = "a b c"
[[step]]
step = 1
caption = "A caption \\u001b[2J that wipes \\u009b31m and \\u0001 \\u000b \\ufffe"
snapshot = "one"
"""


@pytest.mark.parametrize("fmt", ["svg", "txt", "png"])
def test_headless_frames_of_a_hostile_scene(tmp_path, capsys, fmt):
    if fmt == "png":
        pytest.importorskip("cairosvg")
    scene = tmp_path / "s.toml"
    scene.write_text(SCENE, encoding="utf-8")
    out = tmp_path / "frames"
    code, _, err = run_main(["play", str(scene), "--headless", "--out", str(out), "--format", fmt], capsys)
    assert code == 0, err
    data = (out / f"one.{fmt}").read_bytes()
    if fmt == "svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
    elif fmt == "txt":
        text = data.decode("utf-8")
        assert not RAW.search(text.replace("\n", "")) and "␛[2J" in text
    else:
        assert data.startswith(b"\x89PNG")
    assert not RAW.search(err.rstrip("\n"))


def test_caption_newlines_stay(tmp_path):
    """Ordinary captions are drawn as before: a newline is still a line break."""
    from rnnsim.scene import parse_scene
    from rnnsim.ui.scene_app import ScenePlayerApp

    scene = parse_scene('[scene]\ncell = "rnn"\ntext = "a b"\n[[step]]\nstep = 1\ncaption = "one\\ntwo"\n')
    app = ScenePlayerApp(scene, headless=True)
    app.player.next()
    assert app.caption_text().plain.endswith("one\ntwo")
    assert np.isfinite(app.player.sim.trace.forward.h).all()


def test_trace_table_prints_a_classifiers_hostile_labels_safely(tmp_path, capsys):
    # A classifier's label names come from its file, like its words: the table's first line
    # names them (the model's description) and must show them made visible too.
    labels = ["\x1b[2Jneg", "pos\x1b]0;pwned\x07"]
    m = random_model("gru", vocab=Vocab(["<unk>", "a", "b"]), hidden=4, embed=3, labels=labels, seed=0)
    path = tmp_path / "labels.safetensors"
    save_model(m, path)
    code, out, err = run_main(["trace", "--model", str(path), "a b"], capsys)
    assert code == 0, err
    assert not RAW.search(out.replace("\n", "")), out
    first = out.splitlines()[0]
    assert "classify (␛[2Jneg, pos␛]0;pwned␇)" in first, first
