"""What a scene file may hold besides actions and checks: the keys of the [scene] table
(its start: title, text, model, terminal size, ...) with their checkers and defaults, the
keys that only describe a random model, the shipped model names, and the keys a [[step]]
may have beside its action (caption, pause, snapshot).
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.cells import CELLS
from ..core.naming import MODEL_NAMES
from ..sim.build import DEFAULT_TEXT  # noqa: F401  (one default text: app, trace, scenes)
from .value_checkers import _bool, _choice, _int, _loss, _num, _size, _snapshot_name, _str, _text

DEFAULT_SIZE = (120, 40)
# cells by name, the two named for their task, and the two-layer LSTM of the `layers` lesson
SHIPPED_MODELS = (*MODEL_NAMES, "char", "sentiment", "lstm2")

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
    "layers": _int(1, 8),
    "seed": _int(0, 2**32 - 1),
    "init_forget_bias": _num(-20, 20),
    "forget_bias": _num(-20, 20),
}
RANDOM_ONLY = ("cell", "bidirectional", "hidden", "embed", "layers", "seed", "init_forget_bias")

STEP_KEYS: dict[str, Callable] = {
    "caption": _str,
    "pause": _num(0, 600),
    "snapshot": _snapshot_name,
}
