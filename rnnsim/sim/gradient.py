"""Where the gradient view lives: backpropagation through time, walked one step at a time.

In the gradient phase, `grad_steps` s counts the steps taken backward in time from the
loss: the forward direction's gradient is shown for positions >= the loss's last
position - s (`grad_cursor`); a reverse direction runs backward in time the other way,
so its gradient is shown from the loss's first position up to + s (`reverse_grad_pos`).
Both walks mirror how the directions read.
"""

from __future__ import annotations

import numpy as np

from .build import single_loss
from .errors import SimError
from .recording import command

LOSS_MODES = ("all", "last")


class GradientView:
    """The backward view and its loss (part of Simulation)."""

    # ------------------------------------------------------------ where the walk is

    @property
    def grad_cursor(self) -> int:
        """The forward direction's position in the gradient walk."""
        return max(0, self.loss_start() - self.grad_steps)

    @property
    def reverse_grad_pos(self) -> int | None:
        """The reverse direction's position in the gradient walk (None if one direction)."""
        if not self.model.bidirectional:
            return None
        return min(self.T - 1, self.loss_first() + self.grad_steps)

    def grad_max_steps(self) -> int:
        """Steps until every direction's walk has reached its end of the text."""
        if self.model.bidirectional:
            return max(self.loss_start(), self.T - 1 - self.loss_first())
        return self.loss_start()

    def grad_revealed(self, direction: str, t: int) -> bool:
        """Has the gradient walk reached position t in this direction yet?"""
        if direction == "forward":
            return t >= self.grad_cursor
        return t <= self.reverse_grad_pos

    def loss_start(self) -> int:
        """Where the gradient walk starts: the last position the loss scores."""
        return self._cached("loss_start", lambda: max(self.trace.loss_positions or [self.T - 1]))

    def loss_first(self) -> int:
        """The first position the loss scores (where a reverse direction's walk starts)."""
        return self._cached("loss_first", lambda: min(self.trace.loss_positions or [0]))

    # ------------------------------------------------------------ the numbers it shows

    def grad_factors(self, direction: str = "forward") -> np.ndarray:
        """Per position t: ||dL/dh_{t-1}|| / ||dL/dh_t|| in the direction's reading
        order (how much of the gradient survives one step back). NaN where undefined."""
        return self._cached(("factors", direction), lambda: self._grad_factors(direction))

    def _grad_factors(self, direction: str) -> np.ndarray:
        norms = self.grad_norms(direction)
        f = np.full(self.T, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            if direction == "forward":
                f[1:] = norms[:-1] / norms[1:]
            else:
                f[:-1] = norms[1:] / norms[:-1]
        f[~np.isfinite(f)] = np.nan
        return f

    def grad_norms(self, direction: str = "forward") -> np.ndarray:
        """||dL/dh_t|| per position."""
        return self._cached(("dh", direction), lambda: self.layer_directions()[direction].grad_norms())

    def cell_grad_norms(self, direction: str = "forward") -> np.ndarray | None:
        """||dL/dc_t|| per position (LSTM), else None."""
        return self._cached(("dc", direction), lambda: self.layer_directions()[direction].cell_grad_norms())

    def input_grad_norms(self) -> np.ndarray:
        """||dL/dx_t|| per position: the gradient at each word's embedding row."""
        return self._cached("dx", self.trace.input_grad_norms)

    def grad_peak(self, direction: str = "forward") -> float:
        """The largest |dL/dh| entry of the run: the top of the gates' log scale."""
        return self._cached(("peak", direction), lambda: float(np.abs(self.layer_directions()[direction].dh).max()))

    # ------------------------------------------------------------ commands

    @command
    def backward(self) -> None:
        """Run BPTT over the whole text and enter the gradient view at the loss."""
        if self.model.task == "next" and self.T < 2:  # (a blank or a class is scored on one token)
            # a view of zeros under "loss = 0" would look like a gradient that vanished
            raise SimError(
                "nothing to backpropagate: one token has no next word to predict, so there is no loss; "
                "type a longer text (e)"
            )
        self.cursor = self.T
        self.phase = "backward"
        self.grad_steps = 0
        self.playing = False
        self._changed()

    @command
    def leave_backward(self) -> None:
        if self.phase == "backward":
            self.phase = "forward"
            self._changed()

    @command
    def grad_step(self, n: int = 1) -> None:
        if self.phase != "backward":
            self.backward()
            n -= 1
        new = min(self.grad_max_steps(), self.grad_steps + n)
        if new != self.grad_steps:
            self.grad_steps = new
            self._changed()

    @command
    def grad_back(self, n: int = 1) -> None:
        if self.phase != "backward":
            raise SimError("not in the gradient view: press b to run backpropagation first")
        new = max(0, self.grad_steps - n)
        if new != self.grad_steps:
            self.grad_steps = new
            self._changed()

    @command
    def set_loss_mode(self, mode) -> None:
        """'all', 'last', or a position number (the loss at that one step only)."""
        if isinstance(mode, str) and mode not in LOSS_MODES:
            try:
                mode = int(mode)
            except ValueError:
                raise SimError(f"unknown loss mode {mode!r}: use all, last or a position") from None
        if not isinstance(mode, str):
            scored = [t for t, y in enumerate(self.trace.targets) if y is not None]
            if int(mode) not in scored:
                lo_hi = f"{scored[0]}..{scored[-1]}" if scored else "none"
                raise SimError(f"position {mode} has no word to predict: choose one of {lo_hi}")
            mode = int(mode)
        self.loss_mode, self.loss_chosen = mode, True
        self._changed(data=True)
        self.grad_steps = 0

    @command
    def cycle_loss_mode(self) -> None:
        if self.is_classifier:  # its loss is one label's, after the last token: nothing to switch
            raise SimError("a classifier has one loss, at one label after the last token: a scores another label")
        self.set_loss_mode(single_loss(self.model, self.tokens) if self.loss_mode == "all" else "all")
