"""The checks of the `saturation` and `learning` lessons, registered by checks.py beside
the others: the saturation view's figures (how far tanh pins the state, one step's
Jacobian, two texts' states apart; rnnsim.sim.saturation) and the recorded training
history at the epoch shown (rnnsim.sim.learning)."""

from __future__ import annotations

import numpy as np

from ..sim import SimError
from ..sim.learning import FIGURES as TRAINING_FIGURES
from ..sim.learning import RUNS
from ..sim.saturation import FIGURES as SATURATION_FIGURES
from .check_context import Check, Ctx, _c, _cmp, _equal, _extreme
from .errors import _Invalid
from .value_checkers import _choice, _int, _num, _pos, _position, _positive, _tuple


def _saturation(ctx: Ctx, figure: str) -> np.ndarray:
    try:
        return ctx.sim.saturation().figure(figure)
    except SimError as e:
        raise _Invalid(str(e)) from None


def _defined(ctx: Ctx, figure: str, series: np.ndarray, t: int) -> float:
    x = float(series[t])
    if not np.isfinite(x):
        why = 'set a second text with contrast = "..."' if "gap" in figure and not ctx.sim.contrast else ""
        raise _Invalid(
            f"{figure} is undefined at t={t}" + (f": {why}" if why else " (no step, or no difference, there)")
        )
    return x


def _at(name):
    def check(ctx: Ctx, v):
        figure, t, limit = v
        t = _pos(ctx.sim, t)
        x = _defined(ctx, figure, _saturation(ctx, figure), t)
        return _cmp(name, x, limit, f"{figure} at t={t}")

    return check


def _over(name):
    """The smallest or largest value of a figure at every position from a to b: "at every
    word" is a claim about each one, not about an average."""

    def check(ctx: Ctx, v):
        figure, a, b, limit = v
        a, b = sorted((_pos(ctx.sim, a), _pos(ctx.sim, b)))
        series = _saturation(ctx, figure)
        values = {t: _defined(ctx, figure, series, t) for t in range(a, b + 1)}
        return _extreme(name, values, limit, f"{figure} from t={a} to t={b}")

    return check


def _weights(name):
    def check(ctx: Ctx, limit):
        s = ctx.sim.saturation()
        if s.weights_stretch is None:
            raise _Invalid(s.why_no_jacobian)
        return _cmp(name, s.weights_stretch, limit, "the largest singular value of W_hh")

    return check


def _weights_stretched(ctx: Ctx, n: int):
    s = ctx.sim.saturation()
    if s.weights_stretched is None:
        raise _Invalid(s.why_no_jacobian)
    have = s.weights_stretched
    return None if have == n else f"{have} of W_hh's {s.hidden} singular values are above 1, not {n}"


def _history(ctx: Ctx, cell: str, figure: str) -> np.ndarray:
    try:
        return ctx.sim.learning_history().figure(cell, figure)[: ctx.sim.epoch + 1]
    except SimError as e:
        raise _Invalid(str(e)) from None


def _history_now(name):
    def check(ctx: Ctx, v):
        cell, figure, limit = v
        x = float(_history(ctx, cell, figure)[-1])
        if not np.isfinite(x):
            raise _Invalid(f"the {cell} run has no {figure} at epoch {ctx.sim.epoch}")
        return _cmp(name, x, limit, f"{cell} {figure} at epoch {ctx.sim.epoch}")

    return check


def _history_over(name):
    """The smallest or largest value of a training figure over the epochs replayed so far."""

    def check(ctx: Ctx, v):
        cell, figure, limit = v
        series = _history(ctx, cell, figure)
        values = {k: series[k] for k in range(len(series)) if np.isfinite(series[k])}
        if not values:
            raise _Invalid(f"the {cell} run has no {figure} up to epoch {ctx.sim.epoch}")
        return _extreme(name, values, limit, f"{cell} {figure} over epochs 0..{ctx.sim.epoch}", at="")

    return check


def _best_epoch(ctx: Ctx, v):
    cell, n = v
    runs = ctx.sim.learning_history().runs
    if cell not in runs:
        raise _Invalid(f"the training history has no {cell} run")
    have = runs[cell].best_epoch
    return None if have == n else f"the {cell} run's lowest held-out loss is at epoch {have}, not {n}"


_figure = _choice(*SATURATION_FIGURES)
_at_v = _tuple(_figure, _position, _num(0, 1e6), form="[figure, position, x]")
_over_v = _tuple(_figure, _position, _position, _num(0, 1e6), form="[figure, position, position, x]")
_history_v = _tuple(_choice(*RUNS), _choice(*TRAINING_FIGURES), _num(0, 1e6), form="[cell, figure, x]")

_SAT = "saturated stretch stretched slope gap gap_factor cell_gap"
LESSON_CHECKS: dict[str, Check] = dict([
    _c("saturation_above", _at_v, _at("saturation_above"),
       f"the saturation view's figure ({_SAT}) at the position > x"),
    _c("saturation_below", _at_v, _at("saturation_below"), "the same < x"),
    *(_c(f"saturation_{m}_{d}", _over_v, _over(f"saturation_{m}_{d}"),
         f"the {'largest' if m == 'max' else 'smallest'} value of a saturation figure at every position "
         f"from..to is {d} x")
      for m in ("min", "max") for d in ("above", "below")),
    _c("recurrent_stretch_above", _positive, _weights("recurrent_stretch_above"),
       "tanh RNN: W_hh's largest singular value (the most it can stretch a change) > x"),
    _c("recurrent_stretch_below", _positive, _weights("recurrent_stretch_below"), "the same < x"),
    _c("recurrent_stretched", _int(0, 100_000), _weights_stretched,
       "tanh RNN: how many singular values of W_hh are above 1"),
    _c("epoch", _int(0, 100_000), _equal("the epoch shown", lambda s: s.epoch), "the learning view's epoch"),
    _c("history_above", _history_v, _history_now("history_above"),
       "the recorded training: a run's figure (train_loss heldout_loss heldout_accuracy long_range_accuracy "
       "cue_gradient) at the epoch shown > x"),
    _c("history_below", _history_v, _history_now("history_below"), "the same < x"),
    _c("history_best_epoch", _tuple(_choice(*RUNS), _int(0, 100_000), form="[cell, epoch]"), _best_epoch,
       "the epoch of a run's lowest held-out loss: the one training keeps"),
    *(_c(f"history_{m}_{d}", _history_v, _history_over(f"history_{m}_{d}"),
         f"the {'largest' if m == 'max' else 'smallest'} value of a run's figure over epochs 0 to the one shown "
         f"is {d} x")
      for m in ("min", "max") for d in ("above", "below")),
])  # fmt: skip
