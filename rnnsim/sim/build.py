"""Where a session's model comes from: the settings, THE defaults, and building the model.

Every default a model is built with (cell, sizes, seed, forget-gate bias) is written
once, in `Settings`, and the default text once, in `DEFAULT_TEXT`; the app, `rnnsim
trace`, the command line and scene files all read them from here (`DEFAULTS`,
`settings_from`).

Where the model comes from (`source`):
  trained  a shipped trained model of the chosen cell ("lstm", "gru", "rnn"; "bilstm"
           when bidirectional); where none is shipped, a seeded random one is used
           and `notice` says so.
  random   a seeded random model, PyTorch's initialisation, vocabulary = the text's words.
  file     a model file the user gave. Changing its cell, direction or size leaves the
           file behind (the session switches to a trained or random model and says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..core import Model, ModelError, Vocab, random_model
from ..core.cells import CELLS
from ..core.naming import model_name
from ..core.shipped import load_shipped, shipped_names
from .errors import SimError
from .recording import command

DEFAULT_TEXT = "The cat sat on the mat."  # the app's, `rnnsim trace`'s and a scene's text


@dataclass(frozen=True)
class Settings:
    source: str = "trained"  # trained | random | file
    cell: str = "lstm"
    bidirectional: bool = False
    hidden: int = 16
    embed: int = 8
    layers: int = 1  # recurrent layers of a random model (rnnsim --layers N)
    seed: int = 0
    # The LSTM forget-gate bias, two ways: `init_forget_bias` is *added* to the forget rows
    # of b_ih when a random model is made (0: PyTorch's exact initialisation); `forget_bias`,
    # when set, makes the mean of b_ih + b_hh over those rows exactly this (what the app
    # shows, f/F change, and a scene's forget_bias sets), on any LSTM.
    init_forget_bias: float = 1.0
    forget_bias: float | None = None
    path: str | None = None  # for source "file"


DEFAULTS = Settings()
DEFAULT_TEXT = "The cat sat on the mat."  # the sentence a session reads when given none


_WORD = re.compile(r"\w")


def default_loss(model: Model, tokens: list[str]) -> str | int:
    """The loss the gradient view (and `rnnsim trace`) starts with.

    One direction: one word's loss alone, so what survives each step back (the vanishing
    gradient) shows at once: the last prediction whose target is a word, one the model
    knows where there is one. A closing full stop is nearly certain (on "The cat sat on the
    mat." its loss is 0.0002), so the first gradient a newcomer sees would trace a trivial
    prediction; "mat" after "the" is not. A word missing from the vocabulary is the target
    <unk>, which a trained model all but never predicts (ending a learner's own sentence
    with a name gave a loss of 24 whose gradient says nothing about that name).
    "last" when that is the last scored position anyway, else its position.
    Bidirectional (cloze): the last position's blank reads only the forward state, so one
    loss at the end would leave the reverse direction without gradient; the sum over every
    blank reaches both."""
    if model.bidirectional or model.task != "next":
        return "all"  # (a blank or a class: every scored position, as `trace` did before)
    worded = [t for t in range(len(tokens) - 1) if _WORD.search(tokens[t + 1])]
    known = [t for t in worded if tokens[t + 1] in model.vocab]
    worded = known or worded
    if not worded or worded[-1] == len(tokens) - 2:
        return "last"
    return worded[-1]


def single_loss(model: Model, tokens: list[str]) -> str | int:
    """The one-word loss `L` switches to from the summed one: the default, or the last."""
    mode = default_loss(model, tokens)
    return "last" if mode == "all" else mode


def settings_from(source: str, **given) -> Settings:
    """Settings for this source; an option given as None takes its default."""
    return Settings(source=source, **{k: v for k, v in given.items() if v is not None})


MAX_LAYERS = 8  # as the core loads (a random model in the app: 1..MAX_LAYERS)


def set_forget_bias(model: Model, value: float) -> Model:
    """A copy whose mean LSTM forget-gate bias (b_ih + b_hh) is `value` in every direction
    of every layer."""
    m = model.copy()
    if not m.bias:
        raise SimError("this model has no biases (saved with bias=False): its forget-gate bias is fixed at 0")
    H = m.hidden
    for k in range(m.num_layers):
        for d in m.directions:
            b_ih, b_hh = m.params[m.tensor_name("bias_ih", k, d)], m.params[m.tensor_name("bias_hh", k, d)]
            b_ih[H : 2 * H] += value - float(np.mean(b_ih[H : 2 * H] + b_hh[H : 2 * H]))
    return m


def file_origin(path, model: Model) -> str:
    """Where a model read from a file came from, in words: what the file says of itself
    (rnnsim.origin, written when a session saves a model it trained, "trained here: 3
    epochs"), else the file's name. The name, not the path: a scene names its model files
    relative to its own folder, and its replay from any folder must show what the
    recorded session showed."""
    return model.meta.get(ORIGIN_KEY) or f"file {Path(path).name}"


ORIGIN_KEY = "rnnsim.origin"  # model-file metadata: where the model came from, in words


def build_model(settings: Settings, text: str) -> tuple[Model, str, str]:
    """The model these settings describe, where it came from (for the screen), and a
    notice if it is not quite what was asked."""
    notice = ""
    name = model_name(settings.cell, settings.bidirectional)
    if settings.source == "file":
        from ..core import load_model

        model = load_model(settings.path)
        origin = file_origin(settings.path, model)
    elif settings.source == "trained" and settings.layers == 1 and name in shipped_names():
        model = load_shipped(name)
        origin = f"trained: {name}"
    else:
        if settings.source == "trained":
            stacked = f"{settings.layers}-layer " if settings.layers > 1 else ""
            notice = f"no trained {stacked}{name} is shipped: using a random one"
        model = random_model(
            settings.cell,
            vocab=Vocab.from_texts([text]),
            hidden=settings.hidden,
            embed=settings.embed,
            bidirectional=settings.bidirectional,
            seed=settings.seed,
            forget_bias=settings.init_forget_bias,
            num_layers=settings.layers,
        )
        origin = f"random, seed {settings.seed}"
    if settings.forget_bias is not None and model.cell == "lstm":
        model = set_forget_bias(model, settings.forget_bias)
    return model, origin, notice


class ModelCommands:
    """The commands that change the session's model (part of Simulation)."""

    @command
    def set_cell(self, cell: str) -> None:
        if cell not in CELLS:
            raise SimError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")
        self._rebuild(replace(self.settings, cell=cell, source=self._portable_source()))

    @command
    def cycle_cell(self) -> None:
        i = CELLS.index(self.model.cell)
        self.set_cell(CELLS[(i + 1) % len(CELLS)])

    @command
    def use_trained(self) -> None:
        """The shipped trained model of the current cell and direction (a random one, with a
        notice, where none is shipped): a lesson moves from an untrained network to a trained one."""
        self._rebuild(replace(self.settings, source="trained", layers=1, forget_bias=None))

    @command
    def set_bidirectional(self, on: bool) -> None:
        self._rebuild(replace(self.settings, bidirectional=bool(on), source=self._portable_source()))

    @command
    def toggle_bidirectional(self) -> None:
        self.set_bidirectional(not self.model.bidirectional)

    @command
    def set_hidden(self, n: int) -> None:
        if not isinstance(n, (int, np.integer)) or not 1 <= n <= 256:
            raise SimError(f"hidden size must be a whole number from 1 to 256, got {n!r}")
        self._rebuild(replace(self.settings, hidden=int(n), source="random"))

    @command
    def set_layers(self, n: int) -> None:
        """A random model with n recurrent layers (1 to MAX_LAYERS)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_LAYERS:
            raise SimError(f"the number of layers must be a whole number from 1 to {MAX_LAYERS}, got {n!r}")
        source = "random" if n > 1 else self._portable_source()
        self._rebuild(replace(self.settings, layers=int(n), source=source))

    def cycle_layers(self) -> None:  # (recorded as the set_layers it makes)
        """1 -> 2 -> 3 layers -> 1 (a random model when stacked)."""
        self.set_layers(self.num_layers % 3 + 1)

    @command
    def reseed(self, seed: int | None = None) -> None:
        seed = self.settings.seed + 1 if seed is None else seed
        if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
            raise SimError(f"seed must be a whole number from 0 to {2**32 - 1}, got {seed!r}")
        self._rebuild(replace(self.settings, seed=int(seed), source="random"))

    @command
    def set_forget_bias(self, value: float) -> None:
        if self.model.cell != "lstm":
            raise SimError("only an LSTM has a forget gate: switch the cell to lstm first")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise SimError(f"forget bias must be a number, got {value!r}") from None
        if not np.isfinite(value) or abs(value) > 20:
            raise SimError(f"forget bias must be between -20 and 20, got {value}")
        self.model = set_forget_bias(self.model, value)
        self.settings = replace(self.settings, forget_bias=value)
        self._changed(data=True)

    @command
    def set_model(self, model: Model, origin: str, settings: Settings | None = None) -> None:
        """Use this model (e.g. one just trained). Recorded with the model itself: saving
        the session as a scene writes the model to a file beside it (scene/record.py)."""
        self.model, self.origin = model, origin
        if settings is not None:
            self.settings = settings
        self.cursor = min(self.cursor, self.T)
        self._reset_view()

    @command
    def use_model_file(self, path: str) -> None:
        """Use the model in this file (a scene's `model = "file"` step), keeping the
        settings, as the training screen's model does."""
        from ..core import load_model

        try:
            model = load_model(path)
        except ModelError as e:
            raise SimError(str(e)) from None
        self.set_model(model, file_origin(path, model))

    def _portable_source(self) -> str:
        return "trained" if self.settings.source == "file" else self.settings.source

    def _rebuild(self, settings: Settings) -> None:
        try:
            model, origin, notice = build_model(settings, self.text)
        except ModelError as e:
            raise SimError(str(e)) from None
        self.model, self.settings, self.origin, self.notice = model, settings, origin, notice
        self._reset_view()
