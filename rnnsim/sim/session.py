"""The Simulation: the one mutable state of a session, and the commands on it.

Keys, mouse clicks, scene steps and tests all change a session only through the
commands of this one object. Nothing in this package knows a screen. The commands are
written beside the job they belong to; `Simulation` gathers them:

  build.py     where the model comes from (Settings and THE defaults, build_model) and
               the commands that change it (cell, direction, size, seed, forget bias)
  cursor.py    where a step is taken: step, back, goto, play
  gradient.py  the gradient view: BPTT walked one step at a time, the loss it starts from
  compare.py   RNN vs LSTM vs GRU gradients on this text
  recording.py the command decorator that keeps `history` (what `record` saves)
  training.py  live training a screen can watch (its own object, started from the app)
  saturation.py how far tanh pins the state, one step's Jacobian, two texts' states apart
  learning.py  the recorded training history and the epoch shown of it

This file holds the state itself, the text, and the numbers the views ask for.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..core import Model, Trace, tokenize
from ..core.surgery import NO_SURGERY, Surgery
from .build import ModelCommands, Settings, build_model, default_loss
from .classify import ClassifyView
from .compare import Comparison
from .cursor import Cursor
from .errors import SimError
from .generation import GenerationView
from .gradient import GradientView
from .layers import LayerView
from .learning import LearningReplay
from .measures import per_step
from .recording import command
from .saturation import SaturationView
from .surgery import SurgeryCommands

PHASES = ("forward", "backward")
MAX_TOKENS = 20_000
_STAMPS = itertools.count(1)


@dataclass
class Simulation(
    Cursor,
    GradientView,
    LayerView,
    ClassifyView,
    ModelCommands,
    Comparison,
    GenerationView,
    SaturationView,
    LearningReplay,
    SurgeryCommands,
):
    model: Model
    text: str
    settings: Settings = field(default_factory=Settings)
    origin: str = ""  # where the model came from, in words ("trained: lstm", "random, seed 0")
    # set in __post_init__: tokens, history (commands since), start (text, settings at creation)
    cursor: int = 0
    phase: str = "forward"
    grad_steps: int = 0
    # None: the model's default_loss, which it follows across model changes until the user
    # chooses one (set_loss_mode); "all" sums every position's loss, "last" takes one.
    loss_mode: str | int | None = None
    playing: bool = False
    surgery: Surgery = NO_SURGERY  # pinned gates, knocked-out units, W_hh scaled, clip (sim/surgery.py)
    watched_unit: int | None = None  # a unit whose value is painted over the text
    notice: str = ""  # what the last command wants the user to know
    # Stamps drawn from one counter shared by every Simulation, so that a view or cache
    # keyed on them never mistakes a new session (a scene replayed from its start) for
    # the one it drew before.
    version: int = 0  # new on every change: views redraw
    data_version: int = 0  # new when the trace (numbers) change: caches drop

    def __post_init__(self):
        self.tokens = self._tokens_for(self.text)
        self._trace: Trace | None = None
        self.loss_chosen = self.loss_mode is not None
        if self.loss_mode is None:
            self.loss_mode = default_loss(self.model, self.tokens)
        self.history: list[tuple[str, tuple]] = []  # successful commands, for `record`
        self.start = (self.text, self.settings)  # where the history starts from
        self._depth = 0
        self._derived: dict = {}  # per-trace summaries the views ask for every frame
        self.version = self.data_version = next(_STAMPS)
        self._clamp_layer()

    @classmethod
    def from_settings(cls, text: str, settings: Settings | None = None) -> Simulation:
        settings = settings or Settings()
        model, origin, notice = build_model(settings, text)
        settings = replace(settings, cell=model.cell, bidirectional=model.bidirectional, layers=model.num_layers)
        if settings.path is not None:  # the file that was read, whatever folder the session moves to
            settings = replace(settings, path=str(Path(settings.path).absolute()))
        sim = cls(model=model, text=text, settings=settings, origin=origin)
        sim.notice = notice
        return sim

    # ------------------------------------------------------------ derived state

    @property
    def T(self) -> int:
        return len(self.tokens)

    @property
    def trace(self) -> Trace:
        """Forward + BPTT over the whole text for the current loss mode (cached)."""
        if self._trace is None:
            with np.errstate(over="ignore", invalid="ignore"):  # an overflowing model shows inf, quietly
                label = self.label if self.model.task == "classify" else None
                self._trace = self.model.run(self.tokens, loss=self.loss_mode, label=label, surgery=self.surgery)
        return self._trace

    @property
    def unknown(self) -> np.ndarray:
        """Per position: is this token missing from the model's vocabulary (shown as <unk>)?"""
        return self.trace.ids == self.model.vocab.unk_id

    def top_predictions(self, t: int, k: int = 5) -> list[tuple[str, float]]:
        if self.model.task == "classify":  # one decision over the labels, after the last token
            p, names = (self.trace.probs, self.model.labels) if t == self.T - 1 else ((), ())
        else:
            p, names = self.trace.probs[t], self.model.vocab.tokens
        idx = np.argsort(-np.asarray(p), kind="stable")[:k]
        return [(names[i], float(p[i])) for i in idx]

    def target_token(self, t: int) -> str | None:
        y = self.trace.targets[t]
        return None if y is None else self.model.vocab.tokens[y]

    def state_norms(self, direction: str = "forward") -> np.ndarray:
        """||h_t|| per position."""
        return self._cached(("h", direction), lambda: np.linalg.norm(self.layer_directions()[direction].h, axis=1))

    def step_measure(self, name: str, direction: str = "forward") -> np.ndarray:
        """A measure of sim/measures.py (kept, carried, ...) per position of the shown
        layer, computed once per trace: the explain line reads one position every frame."""
        return self._cached(
            ("measure", name, direction), lambda: per_step(self.layer_directions()[direction], self.model.cell, name)
        )

    def state_scale(self) -> float:
        """The largest |h| anywhere in the shown layer: one colour scale for the whole heatmap."""
        return self._cached(
            "scale", lambda: max(float(np.abs(d.h).max()) for d in self.layer_directions().values()) or 1.0
        )

    def _changed(self, data: bool = False) -> None:
        self.version = next(_STAMPS)
        if data:
            self._trace = None
            self._derived = {}
            self.data_version = next(_STAMPS)

    def _view_changed(self) -> None:
        """Same numbers, another part of them shown (a layer): the views draw again; the
        trace and every summary computed from it are kept."""
        self.version = self.data_version = next(_STAMPS)

    def _cached(self, key, compute, per_layer: bool = True):
        """A summary of the current trace, computed once per trace (and per shown layer,
        for a summary of the shown layer): not once per frame, nor again when the user
        comes back to a layer."""
        key = (key, self.shown_layer if per_layer else None)
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    # ------------------------------------------------------------ the text

    @command
    def set_text(self, text: str) -> None:
        tokens = self._tokens_for(text)
        self.text, self.tokens = text, tokens
        self.cursor = min(self.cursor, self.T)
        if self.settings.source == "random":
            self._rebuild(self.settings)  # a random model's vocabulary is its text's words
        else:
            self._reset_view()

    def _reset_view(self) -> None:
        """After a new model or text: read forward again, new numbers."""
        self.tokens = self._tokens_for(self.text)  # a character model reads characters
        self.cursor = min(self.cursor, self.T)
        self.phase = "forward"
        self.playing = False
        if not self.loss_chosen or not isinstance(self.loss_mode, str):
            # follow the new model's default; a chosen position may not exist in a new text
            self.loss_mode, self.loss_chosen = default_loss(self.model, self.tokens), False
        labels = self.model.labels or ()
        if self.label is not None and self.label not in labels:
            self.label = None  # the new model has no such class: score at its prediction
        self._clamp_layer()
        dropped = self._fit_surgery()
        if dropped:
            self.notice = f"{self.notice}; {dropped}" if self.notice else dropped
        self._changed(data=True)

    def _tokens_for(self, text: str) -> list[str]:
        """The text as the model reads it: words, or characters for a character model."""
        tokens = self._check_text(text)
        if self.model.tokenizer == "char":
            tokens = self.model.tokenize(text)
            if len(tokens) > MAX_TOKENS:
                raise SimError(f"the text has {len(tokens)} characters; the limit is {MAX_TOKENS}")
        return tokens

    @staticmethod
    def _check_text(text: str) -> list[str]:
        if not isinstance(text, str):
            raise SimError("the text must be a string")
        tokens = tokenize(text)
        if not tokens:
            raise SimError("the text is empty: type at least one word")
        if len(tokens) > MAX_TOKENS:
            raise SimError(f"the text has {len(tokens)} tokens; the limit is {MAX_TOKENS}")
        return tokens
