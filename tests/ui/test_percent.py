"""One rounding for every percentage on screen: a probability of 0.9997 is "99.9%" in the
decision panel and in the explanation line alike (it was "100.0%" beside "99.9%"), and a
share reads 100% or 0% only when it is exactly that."""

from __future__ import annotations

import re

import pytest

from rnnsim.explain import percent
from rnnsim.scene import parse_scene
from rnnsim.ui.scene_app import frames


@pytest.mark.parametrize(
    ("x", "whole", "tenths"),
    [
        (1.0, "100%", "100.0%"),
        (0.99996, "99.9%", "99.9%"),
        (0.995, "99.5%", "99.5%"),
        (0.528, "53%", "52.8%"),
        (0.004, "0.4%", "0.4%"),
        (0.0004, "<0.1%", "<0.1%"),
        (0.0, "0%", "0.0%"),
    ],
)
def test_percent_reaches_the_ends_only_when_exact(x, whole, tenths):
    assert (percent(x), percent(x, 1)) == (whole, tenths)


def test_the_decision_panel_and_the_explanation_round_alike():
    scene = parse_scene(
        '[scene]\nmodel = "sentiment"\ntext = "The film was good."\nsize = [120, 40]\n\n'
        '[[step]]\nend = true\nsnapshot = "good"\n'
    )
    out, _ = frames(scene, "txt")
    text = out["good"]
    panel = re.search(r"positive\s+[█▉▊▋▌▍▎▏ ]+\s(\S+%)", text).group(1)
    said = re.search(r"decides “positive” \((\S+%)\)", text.replace("\n", " ")).group(1)
    assert panel == said == "99.9%"
