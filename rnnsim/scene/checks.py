"""The expect checks: what a step may assert about the live numbers (top prediction,
probabilities, hidden-state norms, gate means, gradient ratios, the compare view, ...).
CHECKS, the one table of every check, maps each name to its value checker and its
run(ctx, value), which returns a failure message or None and raises _Invalid when the
check cannot be evaluated in this state. The runs written here read predictions, states
and the session; the gradient measures are in measure_checks.py, the layer and classifier
checks in layer_checks.py, and what they share (Ctx, Check, the wording) in
check_context.py. CHECK_MODIFIERS are the `at` and `direction` keys beside the checks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.cells import CELLS, GATES
from ..sim import MAX_TOKENS, PHASES, Simulation
from .check_context import Check, Ctx, _c, _cmp, _equal, _fmt
from .errors import _Invalid, _show
from .layer_checks import LAYER_CHECKS, _class_prob
from .lesson_checks import LESSON_CHECKS
from .measure_checks import (
    _compare,
    _compare_step,
    _compare_v,
    _grad,
    _long_range,
    _long_range_v,
    _per_step,
    _per_step_v,
    _ratio,
    _ratio_v,
)
from .surgery_checks import SURGERY_CHECKS
from .value_checkers import _bool, _choice, _int, _num, _pos, _position, _positive, _str, _tuple


def _top(ctx: Ctx, word: str):
    t = ctx.position()
    ((top, p),) = ctx.sim.top_predictions(t, 1)
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
    return (
        f"no unit's {gate} gate stays above {_fmt(limit)} from t={a} to t={b} "
        f"(best: unit {best}, lowest {_fmt(float(held[best]))})"
    )


def _loss_value(name):
    def check(ctx: Ctx, limit):
        loss = ctx.sim.trace.loss
        if loss is None:
            raise _Invalid("no loss in this state")
        return _cmp(name, float(loss), limit, "the loss")

    return check


def _explain_contains(ctx: Ctx, v: str):
    from ..explain import explain

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


def _text_is(ctx: Ctx, v: str):
    return None if ctx.sim.text == v else f"the text is {_show(ctx.sim.text)}, not {_show(v)}"


def _next_entropy(name):
    """Entropy (bits) of the distribution the next generated token is drawn from: after the
    whole text, at the session's temperature (T = 0: the plain softmax), <unk> left out."""

    def check(ctx: Ctx, limit):
        from ..core.generate import distribution

        sim = ctx.sim
        why = sim.can_generate()
        if why:
            raise _Invalid(why)
        p = distribution(sim.trace.logits[-1], sim.temperature, sim.model.vocab.unk_id)
        p = p[p > 0]
        bits = float(-(p * np.log2(p)).sum())
        return _cmp(name, bits, limit, f"the entropy of the next pick at T={sim.temperature:g} (bits)")

    return check


def _pick_prob(name):
    """p(word) in the distribution g draws the next token from (the generate row's odds):
    after the whole text, at the session's temperature, <unk> left out."""

    def check(ctx: Ctx, v):
        from ..core.generate import distribution

        word, limit = v
        sim = ctx.sim
        why = sim.can_generate()
        if why:
            raise _Invalid(why)
        i = sim.model.vocab.lookup(word)
        if i == sim.model.vocab.unk_id:
            raise _Invalid(f"{word!r} is not in the model's vocabulary")
        p = distribution(sim.trace.logits[-1], sim.temperature, sim.model.vocab.unk_id)
        return _cmp(name, float(p[i]), limit, f"p({word}) of the next pick at T={sim.temperature:g}")

    return check


def _row(which: str):
    """The teacher-forcing or free-running row of guesses (free_run = true), space-joined."""

    def check(ctx: Ctx, v: str):
        sim = ctx.sim
        why = sim.can_generate()
        if why:
            raise _Invalid(why)
        rows = sim.forced_and_free()
        have = " ".join(sim.model.vocab.tokens[i] for i in getattr(rows, which))
        return None if have == v else f"the {which} row is {_show(have)}, not {_show(v)}"

    return check


def _prefix_prob(name):
    """A one-direction classifier's head applied to the state after word t: the decision
    it would take if the text stopped there (trained only at the end: a peek)."""

    def check(ctx: Ctx, v):
        t, label, limit = v
        sim = ctx.sim
        labels = sim.model.labels
        if not labels or sim.model.bidirectional:
            raise _Invalid("prefix_prob needs a one-direction classifier")
        if label not in labels:
            raise _Invalid(f"unknown label {label!r}: the model's labels are {', '.join(labels)}")
        t = _pos(sim, t)
        z = sim.model.params["head.weight"] @ sim.trace.forward.h[t] + sim.model.params["head.bias"]
        p = np.exp(z - z.max())
        p = float(p[labels.index(label)] / p.sum())
        return _cmp(name, p, limit, f"p({label!r}) from the state after t={t}")

    return check


_word = _str
_prob_v = _num(0, 1)


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
    _c("grad_above", _tuple(_position, _positive, form="[position, x]"), _grad("grad_above"), "|∂L/∂h[t]| > x"),
    _c("grad_below", _tuple(_position, _positive, form="[position, x]"), _grad("grad_below"), "|∂L/∂h[t]| < x"),
    _c("grad_ratio_above", _ratio_v, _ratio("grad_ratio_above"), "|∂L/∂h[a]| / |∂L/∂h[b]| > x"),
    _c("grad_ratio_below", _ratio_v, _ratio("grad_ratio_below"), "|∂L/∂h[a]| / |∂L/∂h[b]| < x"),
    _c("step_factor_above", _ratio_v, _ratio("step_factor_above", per_step=True),
       "(|∂L/∂h[a]| / |∂L/∂h[b]|)^(1/|b-a|), the factor per step back, > x"),
    _c("step_factor_below", _ratio_v, _ratio("step_factor_below", per_step=True), "the factor per step back < x"),
    _c("cell_grad_ratio_above", _ratio_v, _ratio("cell_grad_ratio_above", of="c"),
       "LSTM: |∂L/∂c[a]| / |∂L/∂c[b]| > x"),
    _c("cell_grad_ratio_below", _ratio_v, _ratio("cell_grad_ratio_below", of="c"),
       "LSTM: |∂L/∂c[a]| / |∂L/∂c[b]| < x"),
    _c("input_grad_ratio_above", _ratio_v, _ratio("input_grad_ratio_above", of="x"),
       "|∂L/∂x[a]| / |∂L/∂x[b]|, at the words' embeddings, > x"),
    _c("input_grad_ratio_below", _ratio_v, _ratio("input_grad_ratio_below", of="x"),
       "|∂L/∂x[a]| / |∂L/∂x[b]|, at the words' embeddings, < x"),
    _c("compare_ratio_above", _tuple(_choice(*CELLS), _positive, form="[cell, x]"),
       _compare("compare_ratio_above"), "compare view: the cell's first/last gradient ratio > x"),
    _c("compare_ratio_below", _tuple(_choice(*CELLS), _positive, form="[cell, x]"),
       _compare("compare_ratio_below"), "compare view: the cell's first/last gradient ratio < x"),
    _c("compare_factor_above", _tuple(_choice(*CELLS), _positive, form="[cell, x]"),
       _compare("compare_factor_above", per_step=True), "compare view: the cell's factor per step back > x"),
    _c("compare_factor_below", _tuple(_choice(*CELLS), _positive, form="[cell, x]"),
       _compare("compare_factor_below", per_step=True), "compare view: the cell's factor per step back < x"),
    *(_c(f"per_step_{m}_{d}", _per_step_v, _per_step(f"per_step_{m}_{d}"),
         f"the {'largest' if m == 'max' else 'smallest'} value of a per-step measure (factor cell_factor "
         f"carried inflow kept) over the steps between two positions is {d} x")
      for m in ("min", "max") for d in ("above", "below")),
    *(_c(f"compare_step_{m}_{d}", _compare_v, _compare_step(f"compare_step_{m}_{d}"),
         f"compare view: the cell's {'largest' if m == 'max' else 'smallest'} single-step factor is {d} x")
      for m in ("min", "max") for d in ("above", "below")),
    _c("compare_weights", _choice("trained", "random", "mixed"),
       _equal("the compare view's weights", lambda s: s.compare_weights()),
       "compare view: whose weights: trained (the shipped models), random, or mixed"),
    _c("long_range_accuracy_above", _long_range_v, _long_range("long_range_accuracy_above"),
       "the trained cell's accuracy on the long-range probes whose cue is from..to words back > x"),
    _c("long_range_accuracy_below", _long_range_v, _long_range("long_range_accuracy_below"),
       "the trained cell's accuracy on the long-range probes whose cue is from..to words back < x"),
    _c("loss_above", _positive, _loss_value("loss_above"), "the loss > x"),
    _c("loss_below", _positive, _loss_value("loss_below"), "the loss < x"),
    _c("cursor", _int(0, MAX_TOKENS), _equal("the step", lambda s: s.cursor), "the number of steps read"),
    _c("phase", _choice(*PHASES), _equal("the phase", lambda s: s.phase),
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
    _c("text_is", _str, _text_is, "the whole text is exactly this (after sample = n)"),
    _c("temperature", _num(0, 100), _equal("the temperature", lambda s: s.temperature), "the generation temperature"),
    _c("next_entropy_above", _positive, _next_entropy("next_entropy_above"),
       "bits of uncertainty in the next generated token, at the current temperature > x"),
    _c("next_entropy_below", _positive, _next_entropy("next_entropy_below"), "the same < x"),
    _c("pick_prob_above", _tuple(_str, _prob_v, form="[word, p]"), _pick_prob("pick_prob_above"),
       "p(word) in the odds g draws the next token from, at the current temperature > p"),
    _c("pick_prob_below", _tuple(_str, _prob_v, form="[word, p]"), _pick_prob("pick_prob_below"), "the same < p"),
    _c("teacher_row", _str, _row("teacher"), "the guesses reading the real words, space-joined"),
    _c("free_row", _str, _row("free"), "the guesses reading its own from the cursor on, space-joined"),
    _c("prefix_prob_above", _tuple(_position, _str, _prob_v, form="[position, label, p]"),
       _prefix_prob("prefix_prob_above"), "a classifier's p(label) read from the state after that word > p"),
    _c("prefix_prob_below", _tuple(_position, _str, _prob_v, form="[position, label, p]"),
       _prefix_prob("prefix_prob_below"), "the same < p"),
    _c("class_prob_above", _tuple(_str, _prob_v, form="[label, p]"), _class_prob("class_prob_above"),
       "a classifier: p(label) after the last word > p"),
    _c("class_prob_below", _tuple(_str, _prob_v, form="[label, p]"), _class_prob("class_prob_below"),
       "a classifier: p(label) after the last word < p"),
])  # fmt: skip

CHECK_MODIFIERS: dict[str, Callable] = {
    "at": _position,  # the position of top, in_top, prob_*, h_norm_*, gate_mean_* (default: current)
    "direction": _choice("forward", "reverse"),  # of h_norm, gate_mean, grad*, cell_grad*, per_step*
}

# Spellings a check had before; a scene that still uses one is told the name it has now.
RENAMED_CHECKS = {"label_prob_above": "class_prob_above", "label_prob_below": "class_prob_below"}

CHECKS.update(LAYER_CHECKS)  # stacked layers and classifiers (layer_checks.py)
CHECKS.update(LESSON_CHECKS)  # the saturation and learning lessons (lesson_checks.py)
CHECKS.update(SURGERY_CHECKS)  # pin, knockout, clip, a unit's value (surgery_checks.py)
