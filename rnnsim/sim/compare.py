"""The comparison view: RNN, LSTM and GRU gradients on the session's text."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.cells import CELLS
from .build import build_model, single_loss


def sampled_positions(T: int, last: int, count: int) -> list[int]:
    """The positions a view with room for `count` of a text's T shows: all of them when
    they fit, else `count` evenly spaced from the first to `last`, the scored position
    (where the loss is), both always among them. Positions after the loss get no
    gradient from it: showing them would leave the scored one out."""
    if T <= count:
        return list(range(T))
    count = max(2, min(count, last + 1))
    return sorted({round(i * last / (count - 1)) for i in range(count)})


class Comparison:
    """(part of Simulation)"""

    def compare(self) -> dict[str, tuple[str, np.ndarray]]:
        """For rnn, lstm and gru on this text, one direction, one word's loss (the default
        one-direction loss: `compare_loss`): (the model and where its weights come from,
        ||dL/dh_t|| per position). Same source as the session (trained models where
        shipped, else random with the same seed). Which cell keeps more depends on these
        weights, so the description names them."""
        key = (self.text, self.settings)
        if getattr(self, "_compare_key", None) != key:
            out, origins = {}, {}
            for cell in CELLS:
                s = replace(
                    self.settings, cell=cell, bidirectional=False, source=self._portable_source(), forget_bias=None
                )
                model, origin, _ = build_model(s, self.text)
                loss = single_loss(model, self.tokens)
                norms = model.run(self.tokens, loss=loss).forward.grad_norms()
                out[cell] = (f"{origin}, hidden {model.hidden}", norms)
                origins[cell] = origin
            self._compare_key, self._compare, self._compare_at = key, out, loss
            self._compare_origins = origins
        return self._compare

    def compare_weights(self) -> str:
        """Whose weights the comparison shows: "trained" (all three shipped models), "random"
        (seeded, PyTorch's initialisation) or "mixed" (a cell without a shipped model)."""
        self.compare()
        kinds = {o.split(":")[0].split(",")[0] for o in self._compare_origins.values()}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def compare_loss(self) -> int:
        """The position whose loss the comparison backpropagates (its target is the next word)."""
        self.compare()
        return self.T - 2 if self._compare_at == "last" else int(self._compare_at)
