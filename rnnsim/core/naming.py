"""One spelling of the names a model goes by.

A model is named by its cell, with "bi" in front when it reads both ways: "lstm",
"bilstm". Shipped model files, `--model`, a scene's `model =` and the captions all
use these names; build and read them only here.
"""

from __future__ import annotations

from .cells import CELLS

BIDIRECTIONAL_PREFIX = "bi"


def model_name(cell: str, bidirectional: bool) -> str:
    """The name of a cell read one way or both ways: ("lstm", True) -> "bilstm"."""
    return f"{BIDIRECTIONAL_PREFIX}{cell}" if bidirectional else cell


def split_model_name(name: str) -> tuple[str, bool]:
    """The cell and direction a model name says: "bilstm" -> ("lstm", True)."""
    if name.startswith(BIDIRECTIONAL_PREFIX) and name[len(BIDIRECTIONAL_PREFIX) :] in CELLS:
        return name[len(BIDIRECTIONAL_PREFIX) :], True
    return name, False


# Every name a cell and a direction can make, one way first: rnn, lstm, gru, birnn, ...
MODEL_NAMES = tuple(model_name(c, bi) for bi in (False, True) for c in CELLS)
