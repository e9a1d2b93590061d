"""The session a screen, a scene or a test drives: `Simulation` and where its parts live.

session.py   Simulation: the state and the one command surface
build.py     Settings, THE defaults, build_model: where a model is built
cursor.py    step, back, goto, play: where a step is taken
gradient.py  the gradient view (BPTT walked step by step)
compare.py, recording.py, training.py
"""

from .build import DEFAULTS, Settings, build_model, settings_from
from .errors import SimError
from .gradient import LOSS_MODES
from .session import MAX_TOKENS, PHASES, Simulation

__all__ = [
    "DEFAULTS",
    "LOSS_MODES",
    "MAX_TOKENS",
    "PHASES",
    "Settings",
    "SimError",
    "Simulation",
    "build_model",
    "settings_from",
]
