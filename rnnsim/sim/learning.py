"""Training over time, replayed: the recorded history of the training runs that made the
shipped LSTM and RNN (rnnsim/data/learning.json, written by scripts/record_learning.py),
and the epoch a session shows of it.

Replaying a record instead of training keeps a lesson deterministic and fast: the same
numbers on every machine and every BLAS, in milliseconds. The record says which corpus
it was made on (its SHA-256) and with which options, so a test notices when the shipped
models are retrained without recording it again.

Per run (cell) and per epoch (0 = the untrained model, then after each epoch):
    train_loss           mean cross-entropy per token over the epoch's batches (nats;
                         none before training)
    heldout_loss         on the held-out lines (every 10th line of the corpus)
    heldout_accuracy     top-1 next-word accuracy on them
    long_range_accuracy  share of the 64 long-range probes (rnnsim/data/longrange.txt, the
                         animal 15-35 words before the word that depends on it) whose last
                         word the model gets right
    cue_gradient         how much of the gradient of that word's loss reaches the animal:
                         the geometric mean over the probes of ||∂L/∂h[cue]|| / ||∂L/∂h[scored]||
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.bounded_read import BadInput, read_limited
from ..core.shipped import DATA_DIR
from .errors import SimError
from .recording import command

HISTORY_FILE = DATA_DIR / "learning.json"
FORMAT = "rnnsim learning history 1"
RUNS = ("lstm", "rnn")
FIGURES = ("train_loss", "heldout_loss", "heldout_accuracy", "long_range_accuracy", "cue_gradient")
_MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class Run:
    cell: str
    options: dict  # of rnnsim.core.train.train
    best_epoch: int  # the epoch make_models.py ships: the lowest held-out loss of its first `shipped_epochs`
    shipped_epochs: int  # how many epochs make_models.py trains (the record may go on past them)
    figures: dict  # name -> float array [epochs + 1] (NaN: not measured, e.g. train_loss at 0)

    @property
    def epochs(self) -> int:
        return len(self.figures["heldout_loss"]) - 1


@dataclass(frozen=True)
class History:
    corpus_sha256: str
    runs: dict  # cell -> Run

    @property
    def epochs(self) -> int:
        return max(r.epochs for r in self.runs.values())

    def figure(self, cell: str, name: str) -> np.ndarray:
        if cell not in self.runs:
            raise SimError(f"the training history has no {cell} run (it has {', '.join(self.runs)})")
        if name not in FIGURES:
            raise SimError(f"unknown training figure {name!r}: one of {', '.join(FIGURES)}")
        return self.runs[cell].figures[name]


def _number(v, where: str) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SimError(f"the training history is damaged: {where} is not a number; reinstall rnnsim")
    return float(v)


def parse_history(doc) -> History:
    """A History from the JSON document; SimError (one line) if it is not one."""

    def bad(what: str) -> SimError:
        return SimError(f"the training history is damaged: {what}; reinstall rnnsim")

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad(f"it is not a {FORMAT!r} file")
    runs_doc = doc.get("runs")
    if not isinstance(runs_doc, dict) or set(runs_doc) != set(RUNS):
        raise bad(f"it must hold the runs {', '.join(RUNS)}")
    runs = {}
    for cell in RUNS:
        r = runs_doc[cell]
        epochs = r.get("epochs") if isinstance(r, dict) else None
        if not isinstance(epochs, list) or len(epochs) < 2:
            raise bad(f"the {cell} run has no epochs")
        figures = {}
        for name in FIGURES:
            try:
                figures[name] = np.array([_number(e[name], f"{cell} epoch {k} {name}") for k, e in enumerate(epochs)])
            except (KeyError, TypeError):
                raise bad(f"an epoch of the {cell} run lacks {name}") from None
        best, shipped = r.get("best_epoch"), r.get("shipped_epochs")
        if not isinstance(shipped, int) or not 1 <= shipped < len(epochs):
            raise bad(f"the {cell} run does not say how many epochs make_models.py trains")
        if not isinstance(best, int) or not 1 <= best <= shipped:
            raise bad(f"the {cell} run's best epoch is missing")
        runs[cell] = Run(cell, dict(r.get("options") or {}), best, shipped, figures)
    return History(str(doc.get("corpus_sha256", "")), runs)


def load_history(path: str | Path = HISTORY_FILE) -> History:
    try:
        data = read_limited(Path(path), _MAX_BYTES, "learning history")
        doc = json.loads(data.decode("utf-8"))
    except (BadInput, OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise SimError(f"cannot read the training history {Path(path).name}; reinstall rnnsim") from None
    return parse_history(doc)


@functools.cache
def shipped_history() -> History:
    return load_history()


class LearningReplay:
    """The epoch of the recorded training a session shows (part of Simulation)."""

    epoch: int = 0  # 0: before training

    def learning_history(self) -> History:
        return shipped_history()

    @command
    def set_epoch(self, n: int) -> None:
        """Show the training history up to epoch n (0: the untrained models)."""
        last = self.learning_history().epochs
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= last:
            raise SimError(f"the recorded training has epochs 0 to {last}, not {n!r}")
        self.epoch = int(n)
        self._changed()
