"""The comparison view: RNN, LSTM and GRU gradients on the session's text."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.cells import CELLS
from .build import build_model


class Comparison:
    """(part of Simulation)"""

    def compare(self) -> dict[str, tuple[str, np.ndarray]]:
        """For rnn, lstm and gru on this text, one direction, loss at the last scored
        word: (model description, ||dL/dh_t|| per position). Same source as the session
        (trained models where shipped, else random with the same seed)."""
        key = (self.text, self.settings)
        if getattr(self, "_compare_key", None) != key:
            out = {}
            for cell in CELLS:
                s = replace(
                    self.settings, cell=cell, bidirectional=False, source=self._portable_source(), forget_bias=None
                )
                model, _, _ = build_model(s, self.text)
                norms = model.run(self.tokens, loss="last").forward.grad_norms()
                out[cell] = (model.describe(), norms)
            self._compare_key, self._compare = key, out
        return self._compare
