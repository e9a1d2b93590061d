"""The three recurrent cells, with PyTorch's equations and gate order, exactly.

One file per cell, each with a step loop (`forward`) and that loop's backward. The
input side (`W_ih x + b_ih`) is computed for every token at once by the caller (one
GEMM); a cell only loops over the recurrent part, in processing order. The same
code serves the stepper (a sequence of one token), the whole-sequence pass, BPTT and
minibatch training (the same loops on `[T, B, ...]` arrays).

Backward: each loop takes the direct gradient dL/dh_t arriving from outside the
recurrence (the head, or the layer above) and returns the *total* derivatives dL/dh_t
(and dL/dc_t), plus the gradient at every pre-activation (`da_x`: input side, `da_h`:
recurrent side; they differ only in the GRU's n rows).

Speed (the loops run once per token, so their cost is NumPy's per-call overhead):
the loops iterate over row views with zip, write into preallocated rows, and call
ufuncs through local names with a positional `out`.
"""

from __future__ import annotations

from .common import Weights
from .gru import GRUCell
from .lstm import LSTMCell
from .rnn import ElmanCell

_CLASSES = {"rnn": ElmanCell, "lstm": LSTMCell, "gru": GRUCell}
CELLS = tuple(_CLASSES)
GATES = {name: cls.gates for name, cls in _CLASSES.items()}
N_BLOCKS = {name: max(1, len(cls.gates)) for name, cls in _CLASSES.items()}


def make_cell(cell: str, nonlinearity: str = "tanh"):
    if cell == "rnn":
        return ElmanCell(nonlinearity)
    if cell not in _CLASSES:
        raise ValueError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")
    return _CLASSES[cell]()


__all__ = ["CELLS", "GATES", "N_BLOCKS", "ElmanCell", "GRUCell", "LSTMCell", "Weights", "make_cell"]
