"""The Simulation: the one mutable state of a session, and the commands on it.

Keys, mouse clicks, scene steps and tests all change a session only through the
commands here. Nothing in this module knows a screen.

Where the model comes from (`source`):
  trained  a shipped trained model of the chosen cell ("lstm", "gru", "rnn"; "bilstm"
           when bidirectional); where none is shipped, a seeded random one is used
           and `notice` says so.
  random   a seeded random model, PyTorch's initialisation, vocabulary = the text's words.
  file     a model file the user gave. Changing its cell, direction or size leaves the
           file behind (the session switches to a trained or random model and says so).

The cursor counts the steps read: after k steps the forward direction has read
tokens 0..k-1 and (bidirectional) the reverse direction tokens T-1..T-k.
In the gradient phase, `grad_steps` s counts the steps taken backward in time
from the loss: the forward direction's gradient is shown for positions >= the loss's
last position - s (`grad_cursor`); a reverse direction runs backward in time the
other way, so its gradient is shown from the loss's first position up to + s
(`reverse_grad_pos`). Both walks mirror how the directions read.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field, replace

import numpy as np

from .core import Model, ModelError, Trace, Vocab, random_model, tokenize
from .core.cells import CELLS
from .core.shipped import load_shipped, shipped_names

PHASES = ("forward", "backward")
LOSS_MODES = ("all", "last")


def default_loss(model: Model) -> str:
    """The loss the gradient view starts with. One direction: the last word's loss alone, so
    what survives each step back (the vanishing gradient) shows at once. Bidirectional
    (cloze): the last position's blank reads only the forward state, so "last" would leave the
    reverse direction without gradient; the sum over every blank reaches both."""
    return "all" if model.bidirectional else "last"


_STAMPS = itertools.count(1)
MAX_TOKENS = 20_000


def command(method):
    """Mark a Simulation command: a successful outermost call is appended to
    `sim.history` as (name, args), which is what `record` saves as a scene."""

    @functools.wraps(method)
    def wrapper(self, *args):
        self._depth += 1
        try:
            result = method(self, *args)
        finally:
            self._depth -= 1
        if self._depth == 0:
            self.history.append((method.__name__, args))
        return result

    return wrapper


class SimError(ValueError):
    """A command that cannot be carried out; the message is one line for the user."""


@dataclass(frozen=True)
class Settings:
    source: str = "trained"  # trained | random | file
    cell: str = "lstm"
    bidirectional: bool = False
    hidden: int = 16
    embed: int = 8
    seed: int = 0
    # The LSTM forget-gate bias, two ways: `init_forget_bias` is *added* to the forget rows
    # of b_ih when a random model is made (0: PyTorch's exact initialisation); `forget_bias`,
    # when set, makes the mean of b_ih + b_hh over those rows exactly this (what the app
    # shows, f/F change, and a scene's forget_bias sets), on any LSTM.
    init_forget_bias: float = 1.0
    forget_bias: float | None = None
    path: str | None = None  # for source "file"


def shipped_name(cell: str, bidirectional: bool) -> str:
    return f"bi{cell}" if bidirectional else cell


def set_forget_bias(model: Model, value: float) -> Model:
    """A copy whose mean LSTM forget-gate bias (b_ih + b_hh) is `value` in every direction."""
    m = model.copy()
    H = m.hidden
    for sfx in ("", "_reverse")[: len(m.directions)]:
        b_ih, b_hh = m.params[f"rnn.bias_ih_l0{sfx}"], m.params[f"rnn.bias_hh_l0{sfx}"]
        b_ih[H : 2 * H] += value - float(np.mean(b_ih[H : 2 * H] + b_hh[H : 2 * H]))
    return m


@dataclass
class Simulation:
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
    notice: str = ""  # what the last command wants the user to know
    # Stamps drawn from one counter shared by every Simulation, so that a view or cache
    # keyed on them never mistakes a new session (a scene replayed from its start) for
    # the one it drew before.
    version: int = 0  # new on every change: views redraw
    data_version: int = 0  # new when the trace (numbers) change: caches drop

    def __post_init__(self):
        self.tokens = self._check_text(self.text)
        self._trace: Trace | None = None
        self.loss_chosen = self.loss_mode is not None
        if self.loss_mode is None:
            self.loss_mode = default_loss(self.model)
        self.history: list[tuple[str, tuple]] = []  # successful commands, for `record`
        self.start = (self.text, self.settings)  # where the history starts from
        self._depth = 0
        self._derived: dict = {}  # per-trace summaries the views ask for every frame
        self.version = self.data_version = next(_STAMPS)

    # ------------------------------------------------------------ construction

    @classmethod
    def from_settings(cls, text: str, settings: Settings | None = None) -> Simulation:
        settings = settings or Settings()
        model, origin, notice = build_model(settings, text)
        settings = replace(settings, cell=model.cell, bidirectional=model.bidirectional)
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
                self._trace = self.model.run(self.tokens, loss=self.loss_mode)
        return self._trace

    @property
    def forward_pos(self) -> int | None:
        """The position the forward direction read last (None before the first step)."""
        return self.cursor - 1 if self.cursor > 0 else None

    @property
    def reverse_pos(self) -> int | None:
        if not self.model.bidirectional or self.cursor == 0:
            return None
        return self.T - self.cursor

    @property
    def unknown(self) -> np.ndarray:
        """Per position: is this token missing from the model's vocabulary (shown as <unk>)?"""
        return self.trace.ids == self.model.vocab.unk_id

    def combined_count(self) -> int:
        """How many positions both directions have read (their combined state exists)."""
        if not self.model.bidirectional:
            return self.cursor
        return max(0, 2 * self.cursor - self.T)

    def read_by(self, direction: str, t: int) -> bool:
        """Has this direction read position t yet?"""
        if direction == "forward":
            return t < self.cursor
        return t >= self.T - self.cursor

    def combined_ready(self, t: int) -> bool:
        """cat(h_fwd[t], h_rev[t]) exists once both directions have read position t."""
        return self.read_by("forward", t) and (not self.model.bidirectional or self.read_by("reverse", t))

    def prediction_ready(self, t: int) -> bool:
        """Can the head's output at t be computed from what has been read?"""
        if self.model.task == "next":
            return self.read_by("forward", t)
        left = t == 0 or self.read_by("forward", t - 1)
        right = t == self.T - 1 or self.read_by("reverse", t + 1)
        return left and right

    @property
    def grad_cursor(self) -> int:
        """The forward direction's position in the gradient walk."""
        return max(0, self.loss_start() - self.grad_steps)

    @property
    def reverse_grad_pos(self) -> int | None:
        """The reverse direction's position in the gradient walk (None if one direction)."""
        if not self.model.bidirectional:
            return None
        return min(self.T - 1, self.loss_first() + self.grad_steps)

    def grad_max_steps(self) -> int:
        """Steps until every direction's walk has reached its end of the text."""
        if self.model.bidirectional:
            return max(self.loss_start(), self.T - 1 - self.loss_first())
        return self.loss_start()

    def grad_revealed(self, direction: str, t: int) -> bool:
        """Has the gradient walk reached position t in this direction yet?"""
        if direction == "forward":
            return t >= self.grad_cursor
        return t <= self.reverse_grad_pos

    def focus_position(self) -> int | None:
        """The position whose prediction and inside the panels show."""
        if self.phase == "backward":
            return self.grad_cursor
        return self.forward_pos

    def top_predictions(self, t: int, k: int = 5) -> list[tuple[str, float]]:
        p = self.trace.probs[t]
        idx = np.argsort(-p, kind="stable")[:k]
        return [(self.model.vocab.tokens[i], float(p[i])) for i in idx]

    def target_token(self, t: int) -> str | None:
        y = self.trace.targets[t]
        return None if y is None else self.model.vocab.tokens[y]

    def loss_start(self) -> int:
        """Where the gradient walk starts: the last position the loss scores."""
        return self._cached("loss_start", lambda: max(self.trace.loss_positions or [self.T - 1]))

    def loss_first(self) -> int:
        """The first position the loss scores (where a reverse direction's walk starts)."""
        return self._cached("loss_first", lambda: min(self.trace.loss_positions or [0]))

    def grad_factors(self, direction: str = "forward") -> np.ndarray:
        """Per position t: ||dL/dh_{t-1}|| / ||dL/dh_t|| in the direction's reading
        order (how much of the gradient survives one step back). NaN where undefined."""
        return self._cached(("factors", direction), lambda: self._grad_factors(direction))

    def _grad_factors(self, direction: str) -> np.ndarray:
        norms = self.grad_norms(direction)
        f = np.full(self.T, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            if direction == "forward":
                f[1:] = norms[:-1] / norms[1:]
            else:
                f[:-1] = norms[1:] / norms[:-1]
        f[~np.isfinite(f)] = np.nan
        return f

    def compare(self) -> dict[str, tuple[str, np.ndarray]]:
        """For rnn, lstm and gru on this text, one direction, loss at the last scored
        word: (model description, ||dL/dh_t|| per position). Same source as the session
        (trained models where shipped, else random with the same seed)."""
        key = (self.text, self.settings)
        if getattr(self, "_compare_key", None) != key:
            out = {}
            for cell in CELLS:
                s = replace(
                    self.settings, cell=cell, bidirectional=False, source=self._portable_source(), forget_bias=None
                )
                model, _, _ = build_model(s, self.text)
                norms = model.run(self.tokens, loss="last").forward.grad_norms()
                out[cell] = (model.describe(), norms)
            self._compare_key, self._compare = key, out
        return self._compare

    # ------------------------------------------------------------ commands

    def _changed(self, data: bool = False) -> None:
        self.version = next(_STAMPS)
        if data:
            self._trace = None
            self._derived = {}
            self.data_version = next(_STAMPS)

    def _cached(self, key, compute):
        """A summary of the current trace, computed once per trace (not once per frame)."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def grad_norms(self, direction: str = "forward") -> np.ndarray:
        """||dL/dh_t|| per position."""
        return self._cached(("dh", direction), lambda: self.trace.directions[direction].grad_norms())

    def cell_grad_norms(self, direction: str = "forward") -> np.ndarray | None:
        """||dL/dc_t|| per position (LSTM), else None."""
        return self._cached(("dc", direction), lambda: self.trace.directions[direction].cell_grad_norms())

    def input_grad_norms(self) -> np.ndarray:
        """||dL/dx_t|| per position: the gradient at each word's embedding row."""
        return self._cached("dx", self.trace.input_grad_norms)

    def state_norms(self, direction: str = "forward") -> np.ndarray:
        """||h_t|| per position."""
        return self._cached(("h", direction), lambda: np.linalg.norm(self.trace.directions[direction].h, axis=1))

    def grad_peak(self, direction: str = "forward") -> float:
        """The largest |dL/dh| entry of the run: the top of the gates' log scale."""
        return self._cached(("peak", direction), lambda: float(np.abs(self.trace.directions[direction].dh).max()))

    def state_scale(self) -> float:
        """The largest |h| anywhere in the run: one colour scale for the whole heatmap."""
        return self._cached(
            "scale", lambda: max(float(np.abs(d.h).max()) for d in self.trace.directions.values()) or 1.0
        )

    @command
    def step(self, n: int = 1) -> None:
        """Read n more tokens (forward phase) or trace the gradient n steps further back."""
        if self.phase == "backward":
            self.grad_step(n)
            return
        self.goto(self.cursor + n)

    @command
    def back(self, n: int = 1) -> None:
        if self.phase == "backward":
            self.grad_back(n)
            return
        self.goto(self.cursor - n)

    @command
    def goto(self, k: int) -> None:
        """Go to the state after k steps (clamped to 0..T); leaves the gradient view."""
        k = max(0, min(int(k), self.T))
        if self.phase != "forward" or k != self.cursor:
            self.phase = "forward"
            self.cursor = k
            if k >= self.T:
                self.playing = False
            self._changed()

    @command
    def goto_position(self, t: int) -> None:
        """Make position t the current one: in the gradient view, trace back to t;
        otherwise read up to and including t."""
        t = max(0, min(int(t), self.T - 1))
        if self.phase == "backward":
            self.grad_steps = max(0, min(self.grad_max_steps(), self.loss_start() - t))
            self._changed()
        else:
            self.goto(t + 1)

    @command
    def to_start(self) -> None:
        if self.phase == "backward":
            self.grad_steps = 0
            self._changed()
        else:
            self.goto(0)

    @command
    def to_end(self) -> None:
        if self.phase == "backward":
            self.grad_steps = self.grad_max_steps()
            self._changed()
        else:
            self.goto(self.T)

    def set_playing(self, playing: bool) -> None:
        at_end = self._at_end()
        if playing and at_end:
            self.to_start()
        self.playing = playing
        self._changed()

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def _at_end(self) -> bool:
        if self.phase == "backward":
            return self.grad_steps >= self.grad_max_steps()
        return self.cursor >= self.T

    def tick(self) -> None:
        """One beat of playback: advance, and stop at the end."""
        if not self.playing:
            return
        self.step()
        if self._at_end():
            self.playing = False
            self._changed()

    @command
    def backward(self) -> None:
        """Run BPTT over the whole text and enter the gradient view at the loss."""
        self.cursor = self.T
        self.phase = "backward"
        self.grad_steps = 0
        self.playing = False
        self._changed()

    @command
    def leave_backward(self) -> None:
        if self.phase == "backward":
            self.phase = "forward"
            self._changed()

    @command
    def grad_step(self, n: int = 1) -> None:
        if self.phase != "backward":
            self.backward()
            n -= 1
        new = min(self.grad_max_steps(), self.grad_steps + n)
        if new != self.grad_steps:
            self.grad_steps = new
            self._changed()

    @command
    def grad_back(self, n: int = 1) -> None:
        if self.phase != "backward":
            raise SimError("not in the gradient view: press b to run backpropagation first")
        new = max(0, self.grad_steps - n)
        if new != self.grad_steps:
            self.grad_steps = new
            self._changed()

    @command
    def set_loss_mode(self, mode) -> None:
        """'all', 'last', or a position number (the loss at that one step only)."""
        if isinstance(mode, str) and mode not in LOSS_MODES:
            try:
                mode = int(mode)
            except ValueError:
                raise SimError(f"unknown loss mode {mode!r}: use all, last or a position") from None
        if not isinstance(mode, str):
            scored = [t for t, y in enumerate(self.trace.targets) if y is not None]
            if int(mode) not in scored:
                lo_hi = f"{scored[0]}..{scored[-1]}" if scored else "none"
                raise SimError(f"position {mode} has no word to predict: choose one of {lo_hi}")
            mode = int(mode)
        self.loss_mode, self.loss_chosen = mode, True
        self._changed(data=True)
        self.grad_steps = 0

    @command
    def cycle_loss_mode(self) -> None:
        self.set_loss_mode("last" if self.loss_mode == "all" else "all")

    @command
    def set_text(self, text: str) -> None:
        tokens = self._check_text(text)
        self.text, self.tokens = text, tokens
        self.cursor = min(self.cursor, self.T)
        if self.settings.source == "random":
            self._rebuild(self.settings)  # a random model's vocabulary is its text's words
        else:
            self._reset_view()

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

    def set_model(self, model: Model, origin: str, settings: Settings | None = None) -> None:
        """Use this model (e.g. one just trained, or loaded from a file)."""
        self.model, self.origin = model, origin
        if settings is not None:
            self.settings = settings
        self.cursor = min(self.cursor, self.T)
        self._reset_view()

    # ------------------------------------------------------------ internals

    def _portable_source(self) -> str:
        return "trained" if self.settings.source == "file" else self.settings.source

    def _rebuild(self, settings: Settings) -> None:
        try:
            model, origin, notice = build_model(settings, self.text)
        except ModelError as e:
            raise SimError(str(e)) from None
        self.model, self.settings, self.origin, self.notice = model, settings, origin, notice
        self._reset_view()

    def _reset_view(self) -> None:
        """After a new model or text: read forward again, new numbers."""
        self.phase = "forward"
        self.playing = False
        if not self.loss_chosen or not isinstance(self.loss_mode, str):
            # follow the new model's default; a chosen position may not exist in a new text
            self.loss_mode, self.loss_chosen = default_loss(self.model), False
        self._changed(data=True)

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


def build_model(settings: Settings, text: str) -> tuple[Model, str, str]:
    """The model these settings describe, where it came from (for the screen), and a
    notice if it is not quite what was asked."""
    notice = ""
    name = shipped_name(settings.cell, settings.bidirectional)
    if settings.source == "file":
        from .core import load_model

        model = load_model(settings.path)
        origin = f"file {settings.path}"
    elif settings.source == "trained" and name in shipped_names():
        model = load_shipped(name)
        origin = f"trained: {name}"
    else:
        if settings.source == "trained":
            notice = f"no trained {shipped_name(settings.cell, settings.bidirectional)} is shipped: using a random one"
        model = random_model(
            settings.cell,
            vocab=Vocab.from_texts([text]),
            hidden=settings.hidden,
            embed=settings.embed,
            bidirectional=settings.bidirectional,
            seed=settings.seed,
            forget_bias=settings.init_forget_bias,
        )
        origin = f"random, seed {settings.seed}"
    if settings.forget_bias is not None and model.cell == "lstm":
        model = set_forget_bias(model, settings.forget_bias)
    return model, origin, notice
