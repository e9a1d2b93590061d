"""Every shipped scene validates, plays headless, passes its expect checks, and draws the
frames it names exactly as accepted.

The lessons use the shipped trained models (rnnsim/data): retraining them changes the
pictures (the checks have margins and should still pass). After an intended change, look at
the new frames (convert to PNG: `rnnsim play NAME --headless --out DIR --format png`), then
`pytest tests/scenes --snapshot-update`.
"""

from __future__ import annotations

import functools
import re

import pytest
from pytest_textual_snapshot import SVGImageExtension

from rnnsim.core.shipped import shipped_names
from rnnsim.scene import LESSONS, dry_run, load_scene, shipped_scenes
from rnnsim.ui.scene_app import render_scene

SCENES = shipped_scenes()

# Words that state a quantity: a caption using one must have checks behind it.
NUMBER_WORDS = re.compile(
    r"\d|%|\b(half|third|quarter|tenth|hundredth|thousandth|millionth|twice|double|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|sixteen|twenty|"
    r"hundred|thousand|million|most|all|none|every|nearly|almost|larger|smaller|more|less)\b",
    re.IGNORECASE,
)


@functools.cache
def played(name: str):
    """Play a scene headless once per test session: (scene, {snapshot: svg}, failures)."""
    scene = load_scene(name)
    frames: dict[str, str] = {}

    def grab(step, app):
        frames[step.snapshot] = app.export_screenshot(title=scene.title)

    failures = render_scene(scene, grab)
    return scene, frames, failures


def test_the_lessons_and_the_example_are_shipped():
    assert SCENES == [*LESSONS, "example"]


def test_the_trained_models_the_lessons_use_are_shipped():
    assert {"rnn", "lstm", "gru", "bilstm"} <= set(shipped_names())


@pytest.mark.parametrize("name", SCENES)
def test_validates_and_its_checks_pass_without_a_screen(name):
    scene = load_scene(name)
    assert [str(f) for f in dry_run(scene)] == []
    assert any(step.snapshot for step in scene.steps)


@pytest.mark.parametrize("name", SCENES)
def test_plays_headless_and_its_checks_pass(name):
    scene, frames, failures = played(name)
    assert [str(f) for f in failures] == []
    assert list(frames) == [s.snapshot for s in scene.steps if s.snapshot]


@pytest.mark.parametrize("name", SCENES)
def test_frames_match_the_accepted_pictures(name, snapshot):
    _, frames, _ = played(name)
    svg = snapshot.use_extension(SVGImageExtension)
    for frame, picture in frames.items():
        assert picture == svg(name=frame), f"{name}: frame {frame!r} changed"


@pytest.mark.parametrize("name", SCENES)
def test_every_caption_that_states_a_quantity_is_checked(name):
    """A caption that claims a number (or a comparison) has `expect` checks on its step."""
    for step in load_scene(name).steps:
        if NUMBER_WORDS.search(step.caption):
            assert step.expect, f"{name} step {step.number}: {step.caption!r} has no expect"


# Lessons that open on a seeded random network on purpose (their figures belong to PyTorch's
# initialisation, and they say so before the first step).
RANDOM_START = {"exploding", "surgery"}


@pytest.mark.parametrize("name", LESSONS)
def test_lessons_are_written_for_the_trained_models(name):
    """A lesson about trained behaviour must not silently run on a random fallback."""
    scene = load_scene(name)
    sim = scene.new_sim()
    if name in RANDOM_START:
        assert scene.settings.source == "random" and sim.origin == f"random, seed {scene.settings.seed}"
        assert "PyTorch's initialisation" in scene.description
        return
    assert scene.settings.source == "trained"
    assert sim.origin.startswith("trained"), sim.origin
