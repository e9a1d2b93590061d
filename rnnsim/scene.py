"""Scene files: scripted lessons that drive a Simulation through the same commands as the keys.

A scene is a TOML file (read with tomllib): one `[scene]` table (the start: title, text,
model, terminal size, ...) and an array of `[[step]]` tables, each with at most one action,
an optional caption, pause, snapshot name and `expect` checks on the live numbers. The
commented example `rnnsim/scenes/example.toml` and the README document the format;
ACTIONS and CHECKS below are the vocabulary.

Everything is validated before anything plays (`load_scene`): first the file's shape and
types (each mistake one line: file, line, what is wrong, a suggestion), then a dry run of
every action and check on a Simulation without a screen, which catches what depends on
the state (a position past the end of the text, a forget gate asked of a GRU, ...).

The player logic lives here too (`ScenePlayer`), and `session_scene` turns a session's
`sim.history` back into a scene file (`rnnsim record`, the `w` key). No screen library is
imported by this module.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tempfile
import textwrap
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .core import ModelError, tokenize
from .core.cells import CELLS, GATES
from .sim import DEFAULT_LOSS, LOSS_MODES, MAX_TOKENS, Settings, SimError, Simulation

SHIPPED_DIR = Path(__file__).resolve().parent / "scenes"
DEFAULT_TEXT = "The cat sat on the mat."
DEFAULT_SIZE = (120, 40)
SIZE_RANGE = ((60, 400), (20, 200))
CAPTION_LINES = 3  # lines the caption area shows under its status line
MAX_N = 100_000  # largest step count an action accepts
SHIPPED_MODELS = tuple(c for c in CELLS) + tuple(f"bi{c}" for c in CELLS)
SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class SceneError(Exception):
    """A mistake in a scene file, or a scene that cannot play: one line for the user."""

    def __init__(self, message: str, file: str | os.PathLike | None = None, line: int | None = None):
        self.message = " ".join(str(message).split())  # one line, always
        self.file = None if file is None else str(file)
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file or "<scene>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}"


def _show(v: Any, limit: int = 40) -> str:
    """A value as the user wrote it, on one short line."""
    if isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, dict):
        s = "a table"
    else:
        s = repr(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _suggest(word: str, choices, what: str = "") -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    if near:
        return f"; did you mean '{near[0]}'?"
    return f"; {what or 'choose one of'}: {', '.join(choices)}" if choices else ""


# ------------------------------------------------------------------ value checkers
# Each takes a TOML value and returns the cleaned value or raises _Bad(message).


class _Bad(Exception):
    pass


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _int(lo: int, hi: int, what: str = "a whole number"):
    def check(v):
        if not _is_int(v):
            raise _Bad(f"must be {what} from {lo} to {hi}, not {_show(v)}")
        if not lo <= v <= hi:
            raise _Bad(f"must be from {lo} to {hi}, not {v}")
        return v

    return check


def _position(v):
    """A position in the text: 0 is the first token, -1 the last (checked against the text
    when the step runs)."""
    if not _is_int(v) or abs(v) > MAX_TOKENS:
        raise _Bad(f"must be a position (a whole number; -1 is the last token), not {_show(v)}")
    return v


def _num(lo: float, hi: float):
    def check(v):
        if not _is_num(v):
            raise _Bad(f"must be a number from {lo:g} to {hi:g}, not {_show(v)}")
        if not lo <= v <= hi:
            raise _Bad(f"must be from {lo:g} to {hi:g}, not {v:g}")
        return float(v)

    return check


def _positive(v):
    if not _is_num(v) or v <= 0:
        raise _Bad(f"must be a number above 0, not {_show(v)}")
    return float(v)


def _true(v):
    if v is not True:
        raise _Bad(f"takes no value: write it as `= true`, not {_show(v)}")
    return v


def _bool(v):
    if not isinstance(v, bool):
        raise _Bad(f"must be true or false, not {_show(v)}")
    return v


def _str(v):
    if not isinstance(v, str):
        raise _Bad(f"must be a string in quotes, not {_show(v)}")
    return v


def _choice(*options):
    def check(v):
        if not isinstance(v, str) or v not in options:
            tail = _suggest(v, options) if isinstance(v, str) else f"; choose one of: {', '.join(options)}"
            raise _Bad(f"must be one of {', '.join(options)}, not {_show(v)}{tail}")
        return v

    return check


def _text(v):
    _str(v)
    n = len(tokenize(v))
    if n == 0:
        raise _Bad("is empty: give at least one word")
    if n > MAX_TOKENS:
        raise _Bad(f"has {n} tokens; the limit is {MAX_TOKENS}")
    return v


def _loss(v):
    if isinstance(v, str):
        return _choice(*LOSS_MODES)(v)
    if _is_int(v) and 0 <= v <= MAX_TOKENS:
        return v
    raise _Bad(f"must be \"all\", \"last\" or a position number, not {_show(v)}")


def _size(v):
    (wlo, whi), (hlo, hhi) = SIZE_RANGE
    if not (isinstance(v, list) and len(v) == 2 and all(_is_int(x) for x in v)):
        raise _Bad(f"must be [columns, rows], e.g. [120, 40], not {_show(v)}")
    w, h = v
    if not (wlo <= w <= whi and hlo <= h <= hhi):
        raise _Bad(f"must be from {wlo}x{hlo} to {whi}x{hhi}, not {w}x{h}")
    return (w, h)


def _snapshot_name(v):
    if not isinstance(v, str) or not SNAPSHOT_NAME.fullmatch(v):
        raise _Bad(
            f"must be a short file name (letters, digits, _ . -, at most 64), not {_show(v)}"
        )
    return v


def _tuple(*parts, form: str):
    """A fixed-length list, each element checked by its own checker."""

    def check(v):
        if not isinstance(v, list) or len(v) != len(parts):
            raise _Bad(f"must be a list {form}, not {_show(v)}")
        out = []
        for x, p in zip(v, parts, strict=True):
            try:
                out.append(p(x))
            except _Bad as e:
                raise _Bad(f"must be a list {form}: {_show(x)} {e}") from None
        return tuple(out)

    return check


# ------------------------------------------------------------------ the [scene] table

SCENE_KEYS: dict[str, Callable] = {
    "title": _str,
    "description": _str,
    "size": _size,
    "pause": _num(0, 600),
    "text": _text,
    "loss": _loss,
    "model": _str,
    "cell": _choice(*CELLS),
    "bidirectional": _bool,
    "hidden": _int(1, 256),
    "embed": _int(1, 256),
    "seed": _int(0, 2**32 - 1),
    "forget_bias": _num(-20, 20),
}
RANDOM_ONLY = ("cell", "bidirectional", "hidden", "embed", "seed")

# ------------------------------------------------------------------ actions


@dataclass(frozen=True)
class Action:
    name: str
    check: Callable  # validates the TOML value
    run: Callable | None  # run(sim, value); None: a view action the player handles
    help: str
    sim_change: bool = True  # changes the Simulation (closes the compare view)


def _a(name, check, run, help, sim_change=True):
    return name, Action(name, check, run, help, sim_change)


ACTIONS: dict[str, Action] = dict([
    _a("step", _int(1, MAX_N), lambda s, n: s.step(n),
       "read n more tokens (in the gradient view: trace n steps further back)"),
    _a("back", _int(1, MAX_N), lambda s, n: s.back(n), "undo n steps"),
    _a("goto", _int(0, MAX_N), lambda s, k: s.goto(k), "the state after k steps (0 = nothing read)"),
    _a("position", _position, lambda s, t: s.goto_position(_pos(s, t)),
       "make position t current (as clicking its token)"),
    _a("start", _true, lambda s, v: s.to_start(), "back to the start (Home)"),
    _a("end", _true, lambda s, v: s.to_end(), "to the end (End)"),
    _a("backward", _true, lambda s, v: s.backward(), "run BPTT and enter the gradient view at the loss"),
    _a("forward", _true, lambda s, v: s.leave_backward(), "leave the gradient view"),
    _a("grad_step", _int(1, MAX_N), lambda s, n: s.grad_step(n), "trace the gradient n steps further back"),
    _a("grad_back", _int(1, MAX_N), lambda s, n: s.grad_back(n), "undo n gradient steps"),
    _a("loss", _loss, lambda s, m: s.set_loss_mode(m), "the loss: \"all\", \"last\" or a position"),
    _a("cycle_loss", _true, lambda s, v: s.cycle_loss_mode(), "switch the loss between all and last"),
    _a("text", _text, lambda s, t: s.set_text(t), "replace the text"),
    _a("cell", _choice(*CELLS), lambda s, c: s.set_cell(c), "switch the cell: rnn, lstm or gru"),
    _a("cycle_cell", _true, lambda s, v: s.cycle_cell(), "the next cell: rnn -> lstm -> gru"),
    _a("bidirectional", _bool, lambda s, b: s.set_bidirectional(b), "one direction or two"),
    _a("toggle_bidirectional", _true, lambda s, v: s.toggle_bidirectional(), "flip one/two directions"),
    _a("hidden", _int(1, 256), lambda s, n: s.set_hidden(n), "a random model with n hidden units"),
    _a("seed", _int(0, 2**32 - 1), lambda s, n: s.reseed(n), "a random model with this seed"),
    _a("reseed", _true, lambda s, v: s.reseed(), "a random model with the next seed"),
    _a("forget_bias", _num(-20, 20), lambda s, b: s.set_forget_bias(b), "LSTM: set the mean forget-gate bias"),
    _a("compare", _bool, None, "show (true) or close (false) RNN vs LSTM vs GRU", sim_change=False),
])  # fmt: skip

STEP_KEYS: dict[str, Callable] = {
    "caption": _str,
    "pause": _num(0, 600),
    "snapshot": _snapshot_name,
}

# ------------------------------------------------------------------ expect checks


class _Invalid(Exception):
    """A check that cannot be evaluated in this state (a scene mistake, not a failure)."""


def _pos(sim: Simulation, t: int) -> int:
    T = sim.T
    if not -T <= t < T:
        raise _Invalid(f"position {t} is outside the text (positions 0..{T - 1}, or -1 for the last)")
    return t % T


@dataclass(frozen=True)
class Ctx:
    """What a check reads: the Simulation, the position (`at`), the direction."""

    sim: Simulation
    at: int | None
    direction: str

    def position(self) -> int:
        if self.at is not None:
            return _pos(self.sim, self.at)
        t = self.sim.focus_position()
        if t is None:
            raise _Invalid("nothing is read yet, so there is no current position: add at = <position>")
        return t

    def dtrace(self):
        d = self.sim.trace.directions.get(self.direction)
        if d is None:
            raise _Invalid("direction \"reverse\" needs a bidirectional model")
        return d

    def word(self, w: str) -> int:
        vocab = self.sim.model.vocab
        i = vocab.lookup(w)
        if i == vocab.unk_id and w != vocab.tokens[vocab.unk_id]:
            raise _Invalid(f"{w!r} is not in the model's vocabulary")
        return i


def _fmt(x: float) -> str:
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 or x == 0 else f"{x:.2e}"


def _cmp(name: str, value: float, limit: float, what: str) -> str | None:
    above = name.endswith("_above")
    ok = value > limit if above else value < limit
    if ok:
        return None
    return f"{what} = {_fmt(value)}, not {'above' if above else 'below'} {_fmt(limit)}"


def _top(ctx: Ctx, word: str):
    t = ctx.position()
    (top, p), = ctx.sim.top_predictions(t, 1)
    if top.lower() == word.lower():
        return None
    return f"the top prediction at t={t} is {top!r} ({p:.1%}), not {word!r}"


def _in_top(ctx: Ctx, v):
    word, k = v
    t = ctx.position()
    top = ctx.sim.top_predictions(t, k)
    if any(w.lower() == word.lower() for w, _ in top):
        return None
    return f"{word!r} is not among the top {k} at t={t}: " + ", ".join(f"{w} {p:.1%}" for w, p in top)


def _prob(name):
    def check(ctx: Ctx, v):
        word, limit = v
        t = ctx.position()
        p = float(ctx.sim.trace.probs[t, ctx.word(word)])
        return _cmp(name, p, limit, f"p({word!r}) at t={t}")

    return check


def _h_norm(name):
    def check(ctx: Ctx, limit):
        t = ctx.position()
        return _cmp(name, float(np.linalg.norm(ctx.dtrace().h[t])), limit, f"|h| at t={t}")

    return check


def _gate_mean(name):
    def check(ctx: Ctx, v):
        gate, limit = v
        cell = ctx.sim.model.cell
        if gate not in GATES[cell]:
            have = ", ".join(GATES[cell]) or "none"
            raise _Invalid(f"the {cell} cell has no gate {gate!r} (its gates: {have})")
        t = ctx.position()
        return _cmp(name, float(ctx.dtrace().gates[gate][t].mean()), limit, f"mean {gate} gate at t={t}")

    return check


def _gate_held(ctx: Ctx, v):
    gate, a, b, limit = v
    cell = ctx.sim.model.cell
    if gate not in GATES[cell]:
        have = ", ".join(GATES[cell]) or "none"
        raise _Invalid(f"the {cell} cell has no gate {gate!r} (its gates: {have})")
    a, b = sorted((_pos(ctx.sim, a), _pos(ctx.sim, b)))
    g = ctx.dtrace().gates[gate][a : b + 1]  # [positions, units]
    held = g.min(axis=0)
    best = int(np.argmax(held))
    if held[best] > limit:
        return None
    return (f"no unit's {gate} gate stays above {_fmt(limit)} from t={a} to t={b} "
            f"(best: unit {best}, lowest {_fmt(float(held[best]))})")


def _norms(ctx: Ctx, cell_path: bool = False) -> np.ndarray:
    d = ctx.dtrace()
    if cell_path:
        if d.dc is None:
            raise _Invalid("only an LSTM has a memory cell (dL/dc)")
        return d.cell_grad_norms()
    return d.grad_norms()


def _grad(name):
    def check(ctx: Ctx, v):
        t, limit = v
        t = _pos(ctx.sim, t)
        return _cmp(name, float(_norms(ctx)[t]), limit, f"||dL/dh_{t}||")

    return check


def _ratio(name, cell_path=False, per_step=False):
    sym = "c" if cell_path else "h"

    def check(ctx: Ctx, v):
        a, b, limit = v
        a, b = _pos(ctx.sim, a), _pos(ctx.sim, b)
        if a == b:
            raise _Invalid("the two positions must differ")
        n = _norms(ctx, cell_path)
        if n[b] == 0:
            raise _Invalid(f"||dL/d{sym}_{b}|| is 0 (no loss reaches it): compare with a scored position")
        r = float(n[a] / n[b])
        what = f"||dL/d{sym}_{a}|| / ||dL/d{sym}_{b}||"
        if per_step:
            r = r ** (1 / abs(b - a))
            what = f"({what}) per step"
        return _cmp(name, r, limit, what)

    return check


def _compare_figures(sim: Simulation, cell: str) -> tuple[float, float]:
    """(first/last, per step) of the compare view's row for `cell`: as the screen shows them."""
    _, norms = sim.compare()[cell]
    nz = [(t, float(x)) for t, x in enumerate(norms) if x > 0]
    if len(nz) < 2:
        raise _Invalid("the text is too short to compare gradients: give it at least 3 tokens")
    (t0, a), (t1, b) = nz[0], nz[-1]
    return a / b, (a / b) ** (1 / (t1 - t0))


def _compare(name, per_step=False):
    def check(ctx: Ctx, v):
        cell, limit = v
        ratio, factor = _compare_figures(ctx.sim, cell)
        x = factor if per_step else ratio
        what = f"compare {cell}: " + ("×per step back" if per_step else "first/last")
        return _cmp(name, x, limit, what)

    return check


def _equal(what: str, get: Callable):
    def check(ctx: Ctx, v):
        have = get(ctx.sim)
        return None if have == v else f"{what} is {_show(have)}, not {_show(v)}"

    return check


def _loss_value(name):
    def check(ctx: Ctx, limit):
        loss = ctx.sim.trace.loss
        if loss is None:
            raise _Invalid("no loss in this state")
        return _cmp(name, float(loss), limit, "the loss")

    return check


def _explain_contains(ctx: Ctx, v: str):
    from .explain import explain

    line = explain(ctx.sim)
    return None if v in line else f"the explanation does not contain {v!r}: {line!r}"


def _both_read(ctx: Ctx, n: int):
    sim = ctx.sim
    have = sum(sim.combined_ready(t) for t in range(sim.T))
    return None if have == n else f"{have} positions have both directions read, not {n}"


def _forget_bias(ctx: Ctx, v: float):
    fb = ctx.sim.model.forget_bias()
    if fb is None:
        raise _Invalid("only an LSTM has a forget gate")
    return None if abs(fb - v) <= 1e-6 else f"the mean forget-gate bias is {fb:.4g}, not {v:g}"


def _cell_params(sim: Simulation) -> int:
    return int(sum(v.size for k, v in sim.model.params.items() if k.startswith("rnn.")))


_word = _str
_prob_v = _num(0, 1)
_ratio_v = _tuple(_position, _position, _positive, form="[position, position, number > 0]")


@dataclass(frozen=True)
class Check:
    name: str
    check: Callable  # validates the TOML value
    run: Callable  # run(ctx, value) -> failure message or None; may raise _Invalid
    help: str


def _c(name, check, run, help):
    return name, Check(name, check, run, help)


CHECKS: dict[str, Check] = dict([
    _c("top", _word, _top, "the top prediction at the position is this word"),
    _c("in_top", _tuple(_word, _int(1, 100), form="[word, k]"), _in_top, "the word is among the top k"),
    _c("prob_above", _tuple(_word, _prob_v, form="[word, p]"), _prob("prob_above"), "p(word) > p"),
    _c("prob_below", _tuple(_word, _prob_v, form="[word, p]"), _prob("prob_below"), "p(word) < p"),
    _c("h_norm_above", _positive, _h_norm("h_norm_above"), "|h| at the position > x"),
    _c("h_norm_below", _positive, _h_norm("h_norm_below"), "|h| at the position < x"),
    _c("gate_mean_above", _tuple(_word, _num(0, 1), form="[gate, x]"), _gate_mean("gate_mean_above"),
       "mean activation of the gate (i f g o / r z n) at the position > x"),
    _c("gate_mean_below", _tuple(_word, _num(-1, 1), form="[gate, x]"), _gate_mean("gate_mean_below"),
       "mean activation of the gate at the position < x"),
    _c("gate_held_above", _tuple(_word, _position, _position, _num(0, 1), form="[gate, from, to, x]"),
       _gate_held, "some unit's gate stays above x at every position from..to"),
    _c("grad_above", _tuple(_position, _positive, form="[position, x]"), _grad("grad_above"), "||dL/dh_t|| > x"),
    _c("grad_below", _tuple(_position, _positive, form="[position, x]"), _grad("grad_below"), "||dL/dh_t|| < x"),
    _c("grad_ratio_above", _ratio_v, _ratio("grad_ratio_above"), "||dL/dh_a|| / ||dL/dh_b|| > x"),
    _c("grad_ratio_below", _ratio_v, _ratio("grad_ratio_below"), "||dL/dh_a|| / ||dL/dh_b|| < x"),
    _c("step_factor_above", _ratio_v, _ratio("step_factor_above", per_step=True),
       "(||dL/dh_a|| / ||dL/dh_b||)^(1/|b-a|), the factor per step back, > x"),
    _c("step_factor_below", _ratio_v, _ratio("step_factor_below", per_step=True), "the factor per step back < x"),
    _c("cell_grad_ratio_above", _ratio_v, _ratio("cell_grad_ratio_above", cell_path=True),
       "LSTM: ||dL/dc_a|| / ||dL/dc_b|| > x"),
    _c("cell_grad_ratio_below", _ratio_v, _ratio("cell_grad_ratio_below", cell_path=True),
       "LSTM: ||dL/dc_a|| / ||dL/dc_b|| < x"),
    _c("compare_ratio_above", _tuple(_choice(*CELLS), _positive, form="[cell, x]"),
       _compare("compare_ratio_above"), "compare view: the cell's first/last gradient ratio > x"),
    _c("compare_ratio_below", _tuple(_choice(*CELLS), _positive, form="[cell, x]"),
       _compare("compare_ratio_below"), "compare view: the cell's first/last gradient ratio < x"),
    _c("compare_factor_above", _tuple(_choice(*CELLS), _positive, form="[cell, x]"),
       _compare("compare_factor_above", per_step=True), "compare view: the cell's factor per step back > x"),
    _c("compare_factor_below", _tuple(_choice(*CELLS), _positive, form="[cell, x]"),
       _compare("compare_factor_below", per_step=True), "compare view: the cell's factor per step back < x"),
    _c("loss_above", _positive, _loss_value("loss_above"), "the loss > x"),
    _c("loss_below", _positive, _loss_value("loss_below"), "the loss < x"),
    _c("cursor", _int(0, MAX_TOKENS), _equal("the step", lambda s: s.cursor), "the number of steps read"),
    _c("phase", _choice("forward", "backward"), _equal("the phase", lambda s: s.phase),
       "forward or backward (the gradient view)"),
    _c("grad_at", _int(0, MAX_TOKENS), _equal("the gradient position", lambda s: s.grad_cursor),
       "the gradient view's position"),
    _c("cell", _choice(*CELLS), _equal("the cell", lambda s: s.model.cell), "the model's cell"),
    _c("bidirectional", _bool, _equal("bidirectional", lambda s: s.model.bidirectional), "two directions?"),
    _c("both_read", _int(0, MAX_TOKENS), _both_read, "positions that both directions have read"),
    _c("hidden", _int(1, 100_000), _equal("the hidden size", lambda s: s.model.hidden), "units per direction"),
    _c("forget_bias", _num(-20, 20), _forget_bias, "LSTM: the mean forget-gate bias (b_ih + b_hh), to 1e-6"),
    _c("cell_params", _int(1, 10**9), _equal("the cell's parameter count", _cell_params),
       "weights + biases of the recurrent cell (every direction)"),
    _c("explain_contains", _str, _explain_contains, "the explanation line contains this text"),
])  # fmt: skip

CHECK_MODIFIERS: dict[str, Callable] = {
    "at": _position,  # the position of top, in_top, prob_*, h_norm_*, gate_mean_* (default: current)
    "direction": _choice("forward", "reverse"),  # of h_norm, gate_mean, grad*, cell_grad*
}


# ------------------------------------------------------------------ the parsed scene


@dataclass(frozen=True)
class Step:
    index: int  # 0-based
    line: int | None  # of its [[step]] header
    action: str | None
    value: Any
    caption: str = ""
    pause: float | None = None
    snapshot: str | None = None
    expect: tuple[tuple[str, Any, int | None, str], ...] = ()  # (check, value, at, direction)
    expect_line: int | None = None
    action_line: int | None = None

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def label(self) -> str:
        what = "" if self.action is None else f" ({self.action} = {_show(self.value, 24)})"
        return f"step {self.number}{what}"


@dataclass
class Scene:
    file: str
    title: str
    description: str
    size: tuple[int, int]
    text: str
    loss: str | int
    settings: Settings
    steps: list[Step]
    pause: float | None = None  # default pause per step (None: time to read the caption)
    line: int | None = None  # of [scene]
    loss_line: int | None = None
    notes: list[str] = field(default_factory=list)

    # -------------------------------------------------------------- building

    def new_sim(self) -> Simulation:
        """A fresh Simulation at the scene's start (no step applied)."""
        try:
            sim = Simulation.from_settings(self.text, self.settings)
        except (ModelError, SimError, ValueError) as e:
            raise SceneError(str(e), self.file, self.line) from None
        if self.loss != sim.loss_mode:
            try:
                sim.set_loss_mode(self.loss)
            except (SimError, ValueError) as e:
                raise SceneError(f"loss: {e}", self.file, self.loss_line or self.line) from None
        return sim

    def pause_of(self, step: Step) -> float:
        if step.pause is not None:
            return step.pause
        if self.pause is not None:
            return self.pause
        return reading_time(step.caption)

    def error(self, step: Step, message: str, line: int | None = None) -> SceneError:
        return SceneError(f"{step.label}: {message}", self.file, line or step.line)


def reading_time(caption: str) -> float:
    """Seconds to read a caption: a pause to look, then about 3.5 words a second."""
    return round(max(2.0, 1.5 + len(caption.split()) / 3.5), 1)


# ------------------------------------------------------------------ running steps


def apply_step(scene: Scene, sim: Simulation, step: Step) -> None:
    """Carry out the step's action on the Simulation (view actions are the player's)."""
    if step.action is None:
        return
    act = ACTIONS[step.action]
    if act.run is None:
        if step.action == "compare":
            try:
                sim.compare()
            except (ModelError, SimError, ValueError) as e:
                raise scene.error(step, str(e), step.action_line) from None
        return
    try:
        act.run(sim, step.value)
    except _Invalid as e:
        raise scene.error(step, f"{step.action}: {e}", step.action_line) from None
    except (SimError, ModelError, ValueError) as e:
        raise scene.error(step, str(e), step.action_line) from None


def check_step(scene: Scene, sim: Simulation, step: Step) -> list[str]:
    """Evaluate the step's expect checks on the live numbers: the failures, one line each.
    A check that cannot be evaluated in this state is a SceneError."""
    failures = []
    for name, value, at, direction in step.expect:
        ctx = Ctx(sim, at, direction)
        try:
            msg = CHECKS[name].run(ctx, value)
        except _Invalid as e:
            raise scene.error(step, f"expect {name}: {e}", step.expect_line) from None
        except (SimError, ModelError, ValueError) as e:
            raise scene.error(step, f"expect {name}: {e}", step.expect_line) from None
        if msg is not None:
            failures.append(f"expect {name} = {_show(list(value) if isinstance(value, tuple) else value)}: {msg}")
    return failures


@dataclass(frozen=True)
class Failure:
    step: Step
    message: str
    file: str

    def __str__(self) -> str:
        where = self.file + (f":{self.step.expect_line or self.step.line}" if self.step.line else "")
        return f"{where}: {self.step.label}: {self.message}"


def dry_run(scene: Scene) -> list[Failure]:
    """Play the scene without a screen: every action and check runs on a Simulation.
    Returns the expect failures; raises SceneError for a step that cannot run."""
    sim = scene.new_sim()
    failures = []
    for step in scene.steps:
        apply_step(scene, sim, step)
        failures += [Failure(step, m, scene.file) for m in check_step(scene, sim, step)]
    return failures


# ------------------------------------------------------------------ the player (no screen)


class ScenePlayer:
    """Where a scene is: `done` steps applied to `sim`. Stepping back replays the scene
    from its start (commands are not invertible; replaying a few steps takes milliseconds).

    The screen reads `sim`, `caption`, `failures`, `compare_open`; the user may change `sim`
    with any command between scene steps (`user_changed` says so), and the next scene
    step then starts from the scene's own state again."""

    def __init__(self, scene: Scene):
        self.scene = scene
        self.sim = scene.new_sim()
        self.done = 0
        self.failures: list[str] = []
        self.compare_open = False
        # what the Simulation said along the way (e.g. a random model standing in for a
        # trained one that is not shipped): (step number or 0 for the start, notice)
        self.notices: list[tuple[int, str]] = [(0, self.sim.notice)] if self.sim.notice else []
        self._version = self.sim.version

    @property
    def total(self) -> int:
        return len(self.scene.steps)

    @property
    def at_end(self) -> bool:
        return self.done >= self.total

    @property
    def current(self) -> Step | None:
        return self.scene.steps[self.done - 1] if self.done else None

    @property
    def caption(self) -> str:
        step = self.current
        if step is None:
            return self.scene.description or self.scene.title
        return step.caption

    @property
    def user_changed(self) -> bool:
        return self.sim.version != self._version

    def pause(self) -> float:
        step = self.current
        if step is None:
            return reading_time(self.caption) if self.scene.pause is None else self.scene.pause
        return self.scene.pause_of(step)

    def next(self) -> Step | None:
        """Apply the next step (after resyncing if the user changed things); None at the end."""
        if self.at_end:
            return None
        if self.user_changed:
            self.goto(self.done)
        step = self.scene.steps[self.done]
        self._apply(step)
        self.done += 1
        self._version = self.sim.version
        return step

    def previous(self) -> None:
        self.goto(max(0, self.done - 1))

    def goto(self, k: int) -> None:
        """The scene's state after its first k steps, on a fresh Simulation."""
        k = max(0, min(k, self.total))
        old = self.sim
        sim = self.scene.new_sim()
        # Views cache by version: keep counting up so nothing stale is ever reused.
        sim.version += old.version + 1
        sim.data_version += old.data_version + 1
        self.sim, self.done, self.failures, self.compare_open = sim, 0, [], False
        for step in self.scene.steps[:k]:
            self._apply(step)
            self.done += 1
        self._version = self.sim.version

    def _apply(self, step: Step) -> None:
        before = self.sim.notice
        apply_step(self.scene, self.sim, step)
        if self.sim.notice and self.sim.notice != before:
            self.notices.append((step.number, self.sim.notice))
        if step.action == "compare":
            self.compare_open = bool(step.value)
        elif step.action is not None and ACTIONS[step.action].sim_change:
            self.compare_open = False
        self.failures = check_step(self.scene, self.sim, step)


# ------------------------------------------------------------------ parsing + validation


class _Lines:
    """Where keys are in the source: TOML itself only reports lines of syntax errors, so
    scan the text for table headers and `key =` lines (good enough for the usual layout)."""

    HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    KEY = re.compile(r"\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*[.=]")

    def __init__(self, source: str):
        self.tables: dict[tuple, int] = {}  # (table, index) -> header line
        self.keys: dict[tuple, int] = {}  # (table, index, key) -> line
        self.top_keys: dict[str, int] = {}
        table: tuple = ("", 0)
        steps = 0
        in_multi = None
        for n, raw in enumerate(source.splitlines(), 1):
            if in_multi:
                if raw.count(in_multi) % 2 == 1:
                    in_multi = None
                continue
            m = self.HEADER.match(raw)
            if m and not raw.lstrip().startswith(("#",)):
                name = m.group(2).strip().strip("\"'")
                if m.group(1) == "[[" and name == "step":
                    table = ("step", steps)
                    steps += 1
                elif name.split(".")[0].strip() == "step" and m.group(1) == "[":
                    table = ("step", max(steps - 1, 0)) if "." in name else ("step", steps)
                else:
                    table = (name.split(".")[0].strip(), 0)
                self.tables.setdefault(table, n)
                if table[0] not in ("scene", "step"):
                    self.top_keys.setdefault(table[0], n)
                continue
            k = self.KEY.match(raw)
            if k:
                key = k.group(1).strip("\"'")
                self.keys.setdefault((*table, key), n)
                if table == ("", 0):
                    self.top_keys.setdefault(key, n)
            for q in ('"""', "'''"):
                if raw.count(q) % 2 == 1:
                    in_multi = q
                    break

    def table(self, name: str, index: int = 0) -> int | None:
        return self.tables.get((name, index))

    def key(self, name: str, index: int, key: str) -> int | None:
        return self.keys.get((name, index, key)) or self.tables.get((name, index))


def _syntax_error(e: tomllib.TOMLDecodeError, source: str) -> tuple[int | None, str]:
    msg = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    line = int(m.group(1)) if m else None
    if "(at end of document)" in msg:
        line = max(1, source.count("\n") + (0 if source.endswith("\n") else 1))
    msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
    col = f" (column {m.group(2)})" if m else ""
    hint = "check the quotes, brackets and `key = value` form on that line"
    if "overwrite" in msg or "twice" in msg:
        hint = "a key or table is written twice: remove one (each step is its own [[step]])"
    return line, f"TOML syntax error{col}: {msg}; {hint}"


def resolve_scene_path(spec: str | os.PathLike) -> Path:
    """A scene file, or the name of a shipped scene ("vanishing")."""
    p = Path(spec)
    if p.is_file():
        return p
    if p.is_dir():
        raise SceneError("is a folder, not a scene file", spec)
    s = str(spec)
    if "/" not in s and os.sep not in s:
        stem = s[:-5] if s.endswith(".toml") else s
        cand = SHIPPED_DIR / f"{stem}.toml"
        if cand.is_file():
            return cand
    names = shipped_scenes()
    near = difflib.get_close_matches(Path(s).stem, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{near[0]}'?" if near else "; rnnsim play --list shows the shipped lessons"
    raise SceneError("no such scene file" + hint, spec)


LESSONS = ("chain", "memory", "vanishing", "lstm", "gru", "compare", "bidirectional")


def shipped_scenes() -> list[str]:
    """Names of the scenes shipped in the package: the lessons in order, then the rest
    (example.toml documents the format)."""
    names = {p.stem for p in SHIPPED_DIR.glob("*.toml")}
    return [n for n in LESSONS if n in names] + sorted(names - set(LESSONS))


def load_scene(spec: str | os.PathLike, *, dry: bool = True) -> Scene:
    """Read, validate and dry-run a scene file. Raises SceneError (one line) on any mistake."""
    path = resolve_scene_path(spec)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SceneError(f"cannot read: {e.strerror or e}", spec) from None
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SceneError(f"not UTF-8 text (byte {e.start}); save the scene as UTF-8", spec) from None
    file = str(spec) if Path(spec).is_file() else str(path)  # a shipped scene by name: its path
    return parse_scene(source, file=file, base_dir=path.resolve().parent, dry=dry)


def parse_scene(source: str, file: str = "<scene>", base_dir: str | os.PathLike | None = None,
                *, dry: bool = True) -> Scene:
    """Parse and validate scene text; with `dry`, also dry-run it (see `dry_run`)."""
    if source.startswith("\ufeff"):
        source = source[1:]
    try:
        doc = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        line, msg = _syntax_error(e, source)
        raise SceneError(msg, file, line) from None
    lines = _Lines(source)
    scene = _Validator(doc, lines, file, Path(base_dir) if base_dir is not None else Path.cwd()).scene()
    if dry:
        dry_run(scene)
    return scene


class _Validator:
    def __init__(self, doc: dict, lines: _Lines, file: str, base_dir: Path):
        self.doc, self.lines, self.file, self.base_dir = doc, lines, file, base_dir

    def fail(self, message: str, line: int | None) -> SceneError:
        return SceneError(message, self.file, line)

    def value(self, checker, v, what: str, line: int | None):
        try:
            return checker(v)
        except _Bad as e:
            raise self.fail(f"{what} {e}", line) from None

    def scene(self) -> Scene:
        doc, L = self.doc, self.lines
        for key in doc:
            if key not in ("scene", "step"):
                line = L.top_keys.get(key)
                if key in SCENE_KEYS:
                    raise self.fail(f"'{key}' is outside any table: put it under [scene]", line)
                if key in ACTIONS or key in STEP_KEYS or key == "expect":
                    raise self.fail(f"'{key}' is outside any table: put it under a [[step]]", line)
                raise self.fail(f"unknown table [{_show(key, 30).strip(chr(39))}]"
                                + _suggest(key, ["scene", "step"]), line)
        if "scene" not in doc:
            raise self.fail("no [scene] table: a scene starts with [scene] (title, text, model...)", 1)
        head = doc["scene"]
        if not isinstance(head, dict):
            raise self.fail("write the start as one [scene] table, not [[scene]] or scene = ...",
                            L.table("scene") or L.top_keys.get("scene"))
        steps = doc.get("step")
        if steps is None:
            raise self.fail("no [[step]]: add at least one step", L.table("scene"))
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise self.fail("write each step as a [[step]] table (double brackets)",
                            L.table("step") or L.top_keys.get("step"))
        if not steps:
            raise self.fail("no [[step]]: add at least one step", L.table("scene"))
        scene = self._head(head)
        scene.steps = [self._step(i, s) for i, s in enumerate(steps)]
        width = scene.size[0]
        if scene.description and not caption_fits(scene.description, width):
            n = len(caption_lines(scene.description, width))
            raise self.fail(f"[scene] description: it needs {n} lines at {width} columns and the caption area "
                            f"shows {CAPTION_LINES}: shorten it, or widen size", L.key("scene", 0, "description"))
        for st in scene.steps:
            if st.caption and not caption_fits(st.caption, width):
                n = len(caption_lines(st.caption, width))
                raise self.fail(f"step {st.number}: the caption needs {n} lines at {width} columns and the "
                                f"caption area shows {CAPTION_LINES}: shorten it, split the step, or widen size",
                                L.key("step", st.index, "caption"))
        seen: dict[str, Step] = {}
        for st in scene.steps:
            if st.snapshot is not None:
                if st.snapshot in seen:
                    raise self.fail(
                        f"step {st.number}: snapshot name {st.snapshot!r} is used twice "
                        f"(also step {seen[st.snapshot].number}); give each frame its own name",
                        L.key("step", st.index, "snapshot"))
                seen[st.snapshot] = st
        return scene

    def _head(self, head: dict) -> Scene:
        L = self.lines
        vals = {}
        for key, v in head.items():
            line = L.key("scene", 0, key)
            if key not in SCENE_KEYS:
                hint = ""
                if key in ACTIONS or key in STEP_KEYS or key == "expect":
                    hint = " (it belongs in a [[step]])"
                raise self.fail(f"unknown key '{_show(key, 30).strip(chr(39))}' in [scene]{hint}"
                                + _suggest(key, SCENE_KEYS), line)
            vals[key] = self.value(SCENE_KEYS[key], v, f"[scene] {key}", line)
        text = vals.get("text", DEFAULT_TEXT)
        if "model" in vals:
            settings = self._model(vals)
        else:
            settings = Settings(
                source="random",
                cell=vals.get("cell", "lstm"),
                bidirectional=vals.get("bidirectional", False),
                hidden=vals.get("hidden", 16),
                embed=vals.get("embed", 8),
                seed=vals.get("seed", 0),
            )
        if "forget_bias" in vals:
            if settings.cell != "lstm":
                raise self.fail(f"[scene] forget_bias: only an LSTM has a forget gate (the cell is "
                                f"{settings.cell})", L.key("scene", 0, "forget_bias"))
            settings = replace(settings, forget_bias=vals["forget_bias"])
        loss = vals.get("loss", DEFAULT_LOSS)
        if isinstance(loss, int) and loss >= len(tokenize(text)):
            raise self.fail(f"[scene] loss: position {loss} is past the end of the text "
                            f"({len(tokenize(text))} tokens)", L.key("scene", 0, "loss"))
        return Scene(
            file=self.file,
            title=vals.get("title", Path(self.file).stem),
            description=vals.get("description", ""),
            size=vals.get("size", DEFAULT_SIZE),
            text=text,
            loss=loss,
            settings=settings,
            steps=[],
            pause=vals.get("pause"),
            line=L.table("scene"),
            loss_line=L.key("scene", 0, "loss") if "loss" in vals else None,
        )

    def _model(self, vals: dict) -> Settings:
        L = self.lines
        spec = vals["model"]
        line = L.key("scene", 0, "model")
        for k in RANDOM_ONLY:
            if k in vals:
                raise self.fail(f"[scene] {k} describes a random model; it cannot change model = "
                                f"{_show(spec)}: remove one of them", L.key("scene", 0, k))
        if spec in SHIPPED_MODELS:
            bi = spec.startswith("bi")
            return Settings(source="trained", cell=spec[2:] if bi else spec, bidirectional=bi)
        path = Path(spec).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        if not path.is_file():
            near = sorted(p.name for p in self.base_dir.glob("*") if p.suffix in (".safetensors", ".npz"))
            close = difflib.get_close_matches(spec, [*SHIPPED_MODELS, *near], n=1, cutoff=0.6)
            tail = (f"; did you mean '{close[0]}'?" if close
                    else f"; give a file, or a shipped model: {', '.join(SHIPPED_MODELS)}")
            raise self.fail(f"model file {_show(spec)} not found (relative paths start at the scene's "
                            f"folder){tail}", line)
        from .core import load_model

        try:
            model = load_model(path)
        except Exception as e:  # any file at all may be named here: never a traceback
            raise self.fail(f"model {_show(spec)} cannot be loaded: {e}", line) from None
        return Settings(source="file", path=str(path), cell=model.cell, bidirectional=model.bidirectional,
                        hidden=model.hidden, embed=model.embed)

    def _step(self, i: int, st: dict) -> Step:
        L = self.lines
        header = L.table("step", i)
        action = value = None
        action_line = None
        kw: dict[str, Any] = {}
        expect: tuple = ()
        expect_line = None
        for key, v in st.items():
            line = L.key("step", i, key)
            if key in ACTIONS:
                if action is not None:
                    raise self.fail(f"step {i + 1} has two actions ({action} and {key}): one action per "
                                    "[[step]]; split it into two steps", line)
                action, action_line = key, line
                value = self.value(ACTIONS[key].check, v, f"step {i + 1}: {key}", line)
            elif key in STEP_KEYS:
                kw[key] = self.value(STEP_KEYS[key], v, f"step {i + 1}: {key}", line)
            elif key == "expect":
                expect_line = line
                expect = self._expect(i, v, line)
            else:
                hint = ""
                if key in SCENE_KEYS:
                    hint = " (it belongs in [scene])"
                raise self.fail(f"step {i + 1}: unknown action '{_show(key, 30).strip(chr(39))}'{hint}"
                                + _suggest(key, [*ACTIONS, *STEP_KEYS, "expect"], "actions"), line)
        return Step(index=i, line=header, action=action, value=value, expect=expect,
                    expect_line=expect_line or header, action_line=action_line or header,
                    caption=kw.get("caption", ""), pause=kw.get("pause"), snapshot=kw.get("snapshot"))

    def _expect(self, i: int, v, line) -> tuple:
        """`expect = { ... }`, or a list of such tables (to check one thing twice, or at
        different positions: each table has its own `at` and `direction`)."""
        groups = v if isinstance(v, list) and v else [v]
        if not all(isinstance(g, dict) for g in groups):
            raise self.fail(f"step {i + 1}: expect must be a table of checks, e.g. "
                            f"expect = {{ top = \"mat\" }}, or a list of them, not {_show(v)}", line)
        out = []
        for g in groups:
            checks, at, direction = self._expect_group(i, g, line)
            out += [(name, value, at, direction) for name, value in checks]
        return tuple(out)

    def _expect_group(self, i: int, v: dict, line) -> tuple[tuple, int | None, str]:
        checks = []
        at, direction = None, "forward"
        for name, x in v.items():
            if name in CHECK_MODIFIERS:
                y = self.value(CHECK_MODIFIERS[name], x, f"step {i + 1}: expect {name}", line)
                if name == "at":
                    at = y
                else:
                    direction = y
                continue
            if name not in CHECKS:
                raise self.fail(f"step {i + 1}: unknown check '{_show(name, 30).strip(chr(39))}' in expect"
                                + _suggest(name, [*CHECKS, *CHECK_MODIFIERS], "checks"), line)
            checks.append((name, self.value(CHECKS[name].check, x, f"step {i + 1}: expect {name}", line)))
        if not checks:
            raise self.fail(f"step {i + 1}: expect has no checks (only at/direction)", line)
        return tuple(checks), at, direction


# ------------------------------------------------------------------ writing scenes



def toml_str(s: str) -> str:
    """A TOML basic string (escaping what TOML forbids raw: quotes, backslash, controls, DEL)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\ufffd")  # a lone surrogate cannot be written as UTF-8
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        r = repr(float(v))
        return r if any(c in r for c in ".en") else r + ".0"
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


# history command name -> scene action (value from the args; None = `= true`)
_HISTORY = {
    "step": "step", "back": "back", "goto": "goto", "goto_position": "position",
    "to_start": "start", "to_end": "end", "backward": "backward", "leave_backward": "forward",
    "grad_step": "grad_step", "grad_back": "grad_back", "set_loss_mode": "loss",
    "cycle_loss_mode": "cycle_loss", "set_text": "text", "set_cell": "cell", "cycle_cell": "cycle_cell",
    "set_bidirectional": "bidirectional", "toggle_bidirectional": "toggle_bidirectional",
    "set_hidden": "hidden", "reseed": "reseed", "set_forget_bias": "forget_bias",
}  # fmt: skip
_MERGE = {"step", "back", "grad_step", "grad_back"}


def history_steps(history, text: str | None = None) -> list[tuple[str, Any]]:
    """sim.history as scene actions; runs of step/back merge (step = 3). With the text the
    session started from, positions are clamped to the text as the Simulation clamps them
    (a scene refuses a position past the end)."""
    out: list[list] = []
    T = len(tokenize(text)) if text is not None else None
    for name, args in history:
        action = _HISTORY.get(name)
        if action is None:
            continue
        if name == "set_text" and args:
            T = len(tokenize(args[0]))
        if name == "goto_position" and args and T is not None:
            args = (max(0, min(int(args[0]), T - 1)),)
        if name == "reseed" and args and args[0] is not None:
            action, value = "seed", int(args[0])
        elif args:
            value = args[0]
        elif name in _MERGE:
            value = 1
        else:
            value = True
        if isinstance(value, (np.integer,)):
            value = int(value)
        if isinstance(value, np.floating):
            value = float(value)
        if name == "set_bidirectional":
            value = bool(value)
        if action in _MERGE and out and out[-1][0] == action and out[-1][1] + value <= MAX_N:
            out[-1][1] += value
        else:
            out.append([action, value])
    return [(a, v) for a, v in out]


def session_scene(sim: Simulation, *, size: tuple[int, int] | None = None,
                  title: str = "Recorded session") -> str:
    """The session as scene text: its start (`sim.start`) and every command since."""
    start = sim.start
    steps = history_steps(sim.history, start[0])
    text, settings = start
    lines = [
        "# A session recorded by rnnsim. Play it with: rnnsim play THIS_FILE",
        "# Add caption = \"...\", snapshot = \"name\" or expect = { ... } to any step;",
        "# the format is documented in rnnsim/scenes/example.toml.",
        "",
        "[scene]",
        f"title = {toml_str(title)}",
    ]
    if size is not None:
        w = min(max(size[0], SIZE_RANGE[0][0]), SIZE_RANGE[0][1])
        h = min(max(size[1], SIZE_RANGE[1][0]), SIZE_RANGE[1][1])
        lines.append(f"size = [{w}, {h}]")
    lines.append(f"text = {toml_str(text)}")
    if settings.source == "trained":
        name = ("bi" if settings.bidirectional else "") + settings.cell
        lines.append(f"model = {toml_str(name)}")
    elif settings.source == "file":
        lines.append(f"model = {toml_str(str(Path(settings.path).resolve()))}")
    else:
        lines += [
            f"cell = {toml_str(settings.cell)}",
            f"bidirectional = {toml_value(settings.bidirectional)}",
            f"hidden = {settings.hidden}",
            f"embed = {settings.embed}",
            f"seed = {settings.seed}",
        ]
    if settings.forget_bias is not None and settings.cell == "lstm":
        lines.append(f"forget_bias = {toml_value(settings.forget_bias)}")
    if not steps:
        steps = [("goto", 0)]
    for action, value in steps:
        lines += ["", "[[step]]", f"{action} = {toml_value(value)}"]
    return "\n".join(lines) + "\n"


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, then rename over it."""
    path = Path(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise SceneError("cannot save: the folder does not exist", path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise SceneError(f"cannot save: {e.strerror or e}", path) from None


def default_session_path() -> Path:
    import time

    return Path(f"rnnsim-session-{time.strftime('%Y%m%d-%H%M%S')}.toml")


def save_session(sim: Simulation, path: str | os.PathLike | None = None, *,
                 size: tuple[int, int] | None = None) -> Path:
    """Write the session as a scene file, atomically. Returns its path."""
    path = Path(path) if path is not None else default_session_path()
    write_atomic(path, session_scene(sim, size=size))
    return path


def caption_lines(caption: str, width: int) -> list[str]:
    """The caption as the caption area wraps it (with a column to spare)."""
    return textwrap.wrap(caption, max(10, width - 4), break_on_hyphens=False)


def caption_fits(caption: str, width: int) -> bool:
    return len(caption_lines(caption, width)) <= CAPTION_LINES
