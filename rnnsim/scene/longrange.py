"""Accuracy against distance for the long-range lesson: the held-out probes
(rnnsim/data/longrange.txt, the cue 15-35 words before the word that depends on it) and
the same probes with the filler between removed ("the [cat] went back to the [mat] .",
5 or 6 words apart). Scored with the shipped trained model of each cell, so a caption
that states these figures is about those weights, whatever model the lesson shows."""

from __future__ import annotations

import functools

import numpy as np

from ..core.probes import Probe, load_probes  # the one import of the probes
from ..core.shipped import load_shipped

__all__ = ["accuracy", "load_probes", "probes_at_every_distance", "without_filler"]

TAIL = ("went", "back", "to", "the")  # every probe ends "... went back to the [target] ."


def without_filler(p: Probe) -> Probe:
    """The probe with every word between the cue and "went back to the" removed."""
    if tuple(p.tokens[p.target - len(TAIL) : p.target]) != TAIL:
        raise ValueError(f"a long-range probe ends with 'went back to the [word]': {p.text!r}")
    tokens = p.tokens[: p.cue + 1] + p.tokens[p.target - len(TAIL) :]
    return Probe(" ".join(tokens), tokens, p.cue, p.cue + 1 + len(TAIL))


@functools.cache
def probes_at_every_distance() -> tuple[Probe, ...]:
    held_out = load_probes()
    return tuple(held_out) + tuple(without_filler(p) for p in held_out)


@functools.cache
def _hits(cell: str) -> tuple[tuple[int, bool], ...]:
    """(gap, right?) per probe: the top prediction for the target, as long_range_report
    scores it, from a forward pass only (the accuracy needs no gradient; the backward pass
    over a large vocabulary was most of a lesson's time)."""
    model = load_shipped(cell)
    out = []
    for p in probes_at_every_distance():
        scored = p.target - 1 if model.task == "next" else p.target
        probs = model.run(list(p.tokens), loss=None).probs[scored]
        out.append((p.gap, int(np.argmax(probs)) == model.vocab.lookup(p.tokens[p.target])))
    return tuple(out)


def accuracy(cell: str, lo: int, hi: int) -> tuple[float, int]:
    """(fraction right, probes) of the trained `cell` on the probes with lo <= gap <= hi."""
    hits = [hit for gap, hit in _hits(cell) if lo <= gap <= hi]
    return (sum(hits) / len(hits) if hits else float("nan")), len(hits)
