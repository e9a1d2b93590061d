"""The checks about stacked layers and classifiers, kept apart from the lesson checks in
checks.py (which registers them): the shown layer, the model's depth, the predicted class
and a class's probability after the last token (class_prob_*, in checks.py's table)."""

from __future__ import annotations

from .check_context import Check, Ctx, _c, _cmp, _equal
from .errors import _Invalid, _suggest
from .value_checkers import _int, _str

MAX_LAYERS = 8  # as the core loads


def _classifier(ctx: Ctx) -> None:
    sim = ctx.sim
    if not sim.is_classifier:
        raise _Invalid(f"only a classifier has labels; this model's task is {sim.model.task}")
    if not sim.decision_ready():
        raise _Invalid("a classifier decides after the last token: add a step with end = true first")


def _label(ctx: Ctx, name: str) -> str:
    labels = ctx.sim.model.labels
    if name not in labels:
        raise _Invalid(f"unknown label {name!r}" + _suggest(name, labels))
    return name


def _top_label(ctx: Ctx, name: str):
    _classifier(ctx)
    _label(ctx, name)
    top, p = ctx.sim.top_label()
    return None if top == name else f"the classifier decides {top!r} ({p:.1%}), not {name!r}"


def _class_prob(name):
    """p(label) after the last word. It reads the decision on the whole text, which exists
    at any cursor (a lesson may state it before stepping there); top_label waits for it."""

    def check(ctx: Ctx, v):
        label, limit = v
        sim = ctx.sim
        if not sim.is_classifier:
            raise _Invalid(f"only a classifier has labels; this model's task is {sim.model.task}")
        p = dict(sim.class_probs())[_label(ctx, label)]
        return _cmp(name, p, limit, f"p({label!r}) after the last word")

    return check


def _shown_layer(ctx: Ctx, n: int):
    L = ctx.sim.num_layers
    if n > L:
        raise _Invalid(f"the model has {L} layer{'s' if L > 1 else ''}: there is no layer {n}")
    have = ctx.sim.shown_layer + 1
    return None if have == n else f"the panels show layer {have} of {L}, not layer {n}"


_layer_v = _int(1, MAX_LAYERS)

LAYER_CHECKS: dict[str, Check] = dict([
    _c("layer", _layer_v, _shown_layer, "the layer the panels show (1 = the bottom)"),
    _c("layers", _layer_v, _equal("the number of layers", lambda s: s.num_layers), "the model's recurrent layers"),
    _c("top_label", _str, _top_label, "classifier: the predicted class after the last token"),
])  # fmt: skip
