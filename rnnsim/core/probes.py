"""Numbers for the lessons: what a trained model predicts, and the long-range lesson.

    from rnnsim.core.probes import long_range_report, predict_next, fill_blank
    predict_next(model, "The cat sat on the")        # [("mat", 0.83), ("sofa", 0.12), ...]
    fill_blank(model, "The cat ___ on the mat.")     # [("sat", 0.78), ...]
    long_range_report(model).accuracy                # the word that depends on a far cue

Long-range probes (rnnsim/data/longrange.txt, one per line) mark two words in
[brackets]: the cue, and the target that depends on it, e.g.
    the [cat] that the farmer fed ... near the old house went back to the [mat] .
The filler between says nothing about the cue, so a model names the target only if it
carried the cue across the gap. For each probe the report measures:
  * hit: the model's top prediction for the target word is right (task next: the
    prediction at the word before the target; task cloze: at the target itself);
  * the gradient that reaches the cue: ||dL/dh|| at the cue's position (forward
    direction) for the loss at the target alone (`model.run(text, loss=position)`),
    and that norm divided by ||dL/dh|| at the scored position itself, the fraction of the
    error signal that survives the trip back. The ratio does not depend on how large the
    error was, so a model that is nearly right is not penalised for a small loss.
Aggregates over probes: accuracy, and geometric means of the gradient figures
(they span orders of magnitude).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model import Model
from .tokenizer import tokenize

PROBES_FILE = Path(__file__).resolve().parent.parent / "data" / "longrange.txt"
BLANK = re.compile(r"_+")


@dataclass(frozen=True)
class Probe:
    text: str  # without the brackets
    tokens: tuple[str, ...]
    cue: int  # position of the cue word
    target: int  # position of the word that depends on it

    @property
    def gap(self) -> int:
        return self.target - self.cue


def parse_probe(line: str) -> Probe:
    """A sentence with exactly two [bracketed] words: the cue, then the target."""
    tokens: list[str] = []
    marked: list[int] = []
    for part in re.split(r"(\[[^\]]*\])", line):
        if part.startswith("[") and part.endswith("]"):
            toks = tokenize(part[1:-1])
            if len(toks) != 1:
                raise ValueError(f"bracket one word, not {part!r}: {line!r}")
            marked.append(len(tokens))
            tokens += toks
        else:
            tokens += tokenize(part)
    if len(marked) != 2 or marked[0] >= marked[1]:
        raise ValueError(f"a probe marks a cue and a later target in [brackets]: {line!r}")
    return Probe(" ".join(tokens), tuple(tokens), marked[0], marked[1])


def load_probes(path: str | Path | None = None) -> list[Probe]:
    path = PROBES_FILE if path is None else Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_probe(line) for line in lines if line.strip()]


def _ranked(model: Model, probs: np.ndarray, k: int) -> list[tuple[str, float]]:
    top = np.argsort(-probs, kind="stable")[:k]
    return [(model.vocab.tokens[i], float(probs[i])) for i in top]


def predict_next(model: Model, text, k: int = 5) -> list[tuple[str, float]]:
    """The k likeliest next words after `text` (the probabilities at its last position)."""
    if model.task != "next":
        raise ValueError("this model fills blanks (task cloze): use fill_blank")
    tr = model.run(text, loss=None)
    return _ranked(model, tr.probs[-1], k)


def fill_blank(model: Model, text, k: int = 5, position: int | None = None) -> list[tuple[str, float]]:
    """The k likeliest words for the blank in `text` ("The cat ___ on the mat."): a run
    of underscores is the blank (or give `position`). A cloze model never reads the word
    at the position it predicts, so whatever stands there does not matter."""
    if model.task != "cloze":
        raise ValueError("this model predicts the next word (task next): use predict_next")
    tokens = tokenize(text) if isinstance(text, str) else list(text)
    if position is None:
        blanks = [t for t, tok in enumerate(tokens) if BLANK.fullmatch(tok)]
        if len(blanks) != 1:
            raise ValueError("write exactly one blank as ___ (or give the position)")
        position = blanks[0]
    tr = model.run(tokens, loss=None)
    return _ranked(model, tr.probs[position], k)


@dataclass(frozen=True)
class LongRangeReport:
    cell: str
    task: str
    n: int
    accuracy: float  # fraction of probes whose target is the top prediction
    chance: float  # 1 / number of distinct targets
    cue_grad: float  # geometric mean ||dL/dh_cue||
    ratio: float  # geometric mean ||dL/dh_cue|| / ||dL/dh_scored||
    gaps: tuple[int, ...]
    hits: tuple[bool, ...]
    cue_grads: tuple[float, ...]
    ratios: tuple[float, ...]

    def by_gap(self, edges=(15, 20, 25, 30, 36)) -> list[tuple[int, int, int, float, float]]:
        """(lo, hi, probes, accuracy, geometric-mean ratio) for gaps lo <= gap < hi."""
        rows = []
        for lo, hi in zip(edges[:-1], edges[1:], strict=False):
            idx = [k for k, g in enumerate(self.gaps) if lo <= g < hi]
            if idx:
                acc = sum(self.hits[k] for k in idx) / len(idx)
                rows.append((lo, hi, len(idx), acc, _geomean([self.ratios[k] for k in idx])))
        return rows

    def line(self) -> str:
        return (
            f"{self.cell:5s} target right {self.accuracy:6.1%} (chance {self.chance:.1%}); "
            f"|∂L/∂h| at the cue {self.cue_grad:.2e}, {self.ratio:.2e} of the signal at the target"
        )


def _geomean(xs) -> float:
    xs = [max(x, 1e-300) for x in xs]
    return float(math.exp(sum(math.log(x) for x in xs) / len(xs))) if xs else math.nan


def long_range_report(model: Model, probes: list[Probe] | None = None) -> LongRangeReport:
    """How well `model` carries the cue to the target, and how much gradient gets back."""
    probes = load_probes() if probes is None else probes
    if not probes:
        raise ValueError("no probes")
    hits, grads, ratios = [], [], []
    vocab = model.vocab
    for p in probes:
        scored = p.target - 1 if model.task == "next" else p.target
        tr = model.run(list(p.tokens), loss=scored)
        want = vocab.lookup(p.tokens[p.target])
        hits.append(int(np.argmax(tr.probs[scored])) == want)
        norms = tr.forward.grad_norms()
        scored_h = scored if model.task == "next" else scored - 1  # cloze reads h_fwd[t-1]
        grads.append(float(norms[p.cue]))
        ratios.append(float(norms[p.cue] / norms[scored_h]) if norms[scored_h] > 0 else 0.0)
    n_targets = len({vocab.lookup(p.tokens[p.target]) for p in probes})
    return LongRangeReport(
        cell=("bi" if model.bidirectional else "") + model.cell,
        task=model.task,
        n=len(probes),
        accuracy=sum(hits) / len(hits),
        chance=1.0 / n_targets,
        cue_grad=_geomean(grads),
        ratio=_geomean(ratios),
        gaps=tuple(p.gap for p in probes),
        hits=tuple(hits),
        cue_grads=tuple(grads),
        ratios=tuple(ratios),
    )
