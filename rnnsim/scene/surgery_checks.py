"""The checks about surgery (pin, knockout, scale_recurrent, clip, watch_unit), kept apart
from the lesson checks in checks.py (which registers them): what is applied, the gradient
norm before and after clipping, one unit's value, and the long-range accuracy of the
session's own network with its surgery."""

from __future__ import annotations

import functools
import hashlib

import numpy as np

from ..core.probes import load_probes
from .check_context import Check, Ctx, _c, _cmp, _equal, _extreme
from .errors import _Invalid
from .value_checkers import _int, _num, _pos, _position, _positive, _str, _tuple

MAX_UNIT = 4096
_unit_cell_v = _tuple(_int(0, MAX_UNIT), _position, _position, _num(-1e6, 1e6), form="[unit, from, to, x]")


def _grad_norm(ctx: Ctx) -> float:
    g = ctx.sim.trace.grad_norm()
    if g is None:
        raise _Invalid("this run has no loss, so no gradient: set loss first")
    return g


def _clip_scale(ctx: Ctx) -> float:
    s = ctx.sim.trace.clip_scale()
    if s is None:
        raise _Invalid("no clip norm is set: add a step with clip = <norm> first")
    return s


def _number(name: str, what: str, get):
    def check(ctx: Ctx, limit: float):
        return _cmp(name, get(ctx), limit, what)

    return check


def _unit_value(name: str):
    def check(ctx: Ctx, v):
        unit, limit = v
        H = ctx.sim.model.hidden
        if unit >= H:
            raise _Invalid(f"unit {unit} is out of range: this model's units are 0..{H - 1}")
        t = ctx.position()
        value = float(ctx.dtrace().h[t, unit])
        return _cmp(name, value, limit, f"h[{t}] of unit {unit}")

    return check


def _unit_cell(name: str):
    """The smallest (or largest) memory cell c of one unit over the positions from a to b:
    what an LSTM unit holds where its output gate hides it from h (the painting shows h)."""

    def check(ctx: Ctx, v):
        unit, a, b, limit = v
        H = ctx.sim.model.hidden
        if unit >= H:
            raise _Invalid(f"unit {unit} is out of range: this model's units are 0..{H - 1}")
        c = ctx.dtrace().c
        if c is None:
            raise _Invalid("only an LSTM has a memory cell c: use unit_value_* for h")
        a, b = sorted((_pos(ctx.sim, a), _pos(ctx.sim, b)))
        values = {t: c[t, unit] for t in range(a, b + 1)}
        return _extreme(name, values, limit, f"c of unit {unit} from t={a} to t={b}")

    return check


@functools.cache
def _probes():
    return tuple(load_probes())


def accuracy_now(sim) -> float:
    """The fraction of the held-out long-range probes (rnnsim/data/longrange.txt) whose last
    word the session's network, with its surgery, predicts right (cached per trace)."""
    if sim.model.task != "next" or sim.model.tokenizer != "word":
        raise _Invalid("the long-range probes need a next-word model (rnn, lstm or gru)")
    return sim._cached("accuracy_now", lambda: _accuracy(sim.model, sim.surgery), per_layer=False)


_scored: dict[tuple, float] = {}  # (the weights' digest, vocabulary, surgery) -> accuracy


def _accuracy(model, surgery) -> float:
    """64 forward passes: kept for the same weights and surgery, which a scene's dry run
    and its play (and a lesson played again) meet in Simulations of their own."""
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(model.params):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(model.params[name]).tobytes())
    key = (model.cell, digest.digest(), tuple(model.vocab.tokens), repr(surgery.to_dict()))  # (exact values)
    if key not in _scored:
        hits = 0
        for p in _probes():
            tr = model.run(list(p.tokens[: p.target]), loss=None, surgery=surgery)
            hits += int(np.argmax(tr.probs[p.target - 1])) == model.vocab.lookup(p.tokens[p.target])
        if len(_scored) >= 64:
            _scored.clear()
        _scored[key] = hits / len(_probes())
    return _scored[key]


SURGERY_CHECKS: dict[str, Check] = dict([
    _c("surgery", _str, _equal("the surgery", lambda s: s.surgery.describe()),
       'what surgery is applied, as the screen says it ("pin f=1, knockout u7", or "none")'),
    _c("grad_norm_above", _positive, _number("grad_norm_above", "|∂L/∂θ| (every parameter)", _grad_norm),
       "the norm of every parameter gradient together, before clipping, > x"),
    _c("grad_norm_below", _positive, _number("grad_norm_below", "|∂L/∂θ| (every parameter)", _grad_norm),
       "the same < x"),
    _c("clip_scale_above", _positive, _number("clip_scale_above", "clip_scale", _clip_scale),
       "the factor clipping multiplies every parameter gradient by, min(1, norm / (|∂L/∂θ| + 1e-6)), > x"),
    _c("clip_scale_below", _positive, _number("clip_scale_below", "clip_scale", _clip_scale), "the same < x"),
    _c("clipped_grad_norm_above", _positive, _number("clipped_grad_norm_above", "|∂L/∂θ| after clipping",
       lambda ctx: _clip_scale(ctx) * _grad_norm(ctx)), "the parameter gradient's norm after clipping > x"),
    _c("clipped_grad_norm_below", _positive, _number("clipped_grad_norm_below", "|∂L/∂θ| after clipping",
       lambda ctx: _clip_scale(ctx) * _grad_norm(ctx)), "the same < x"),
    _c("unit_value_above", _tuple(_int(0, MAX_UNIT), _num(-1e6, 1e6), form="[unit, x]"),
       _unit_value("unit_value_above"), "h of one unit at the position (shown layer) > x"),
    _c("unit_value_below", _tuple(_int(0, MAX_UNIT), _num(-1e6, 1e6), form="[unit, x]"),
       _unit_value("unit_value_below"), "the same < x"),
    _c("unit_cell_min_above", _unit_cell_v, _unit_cell("unit_cell_min_above"),
       "an LSTM unit's memory cell c: its smallest value from one position to another > x"),
    _c("unit_cell_max_below", _unit_cell_v, _unit_cell("unit_cell_max_below"),
       "the same, its largest value < x"),
    _c("accuracy_now_above", _num(0, 1), _number("accuracy_now_above", "long-range accuracy (this network)",
       lambda ctx: accuracy_now(ctx.sim)),
       "this session's network, with its surgery: accuracy on the 64 held-out long-range probes > x"),
    _c("accuracy_now_below", _num(0, 1), _number("accuracy_now_below", "long-range accuracy (this network)",
       lambda ctx: accuracy_now(ctx.sim)), "the same < x"),
])  # fmt: skip
