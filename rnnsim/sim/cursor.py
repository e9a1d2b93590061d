"""Where a step is taken: the cursor, stepping, going to a position, playing.

The cursor counts the steps read: after k steps the forward direction has read
tokens 0..k-1 and (bidirectional) the reverse direction tokens T-1..T-k. In the
gradient view the same keys walk the gradient instead (see gradient.py).
"""

from __future__ import annotations

from .recording import command


class Cursor:
    """Reading position and playback (part of Simulation)."""

    @property
    def forward_pos(self) -> int | None:
        """The position the forward direction read last (None before the first step)."""
        return self.cursor - 1 if self.cursor > 0 else None

    @property
    def reverse_pos(self) -> int | None:
        if not self.model.bidirectional or self.cursor == 0:
            return None
        return self.T - self.cursor

    def combined_count(self) -> int:
        """How many positions both directions have read (their combined state exists)."""
        if not self.model.bidirectional:
            return self.cursor
        return max(0, 2 * self.cursor - self.T)

    def read_by(self, direction: str, t: int) -> bool:
        """Has this direction read position t yet?"""
        if direction == "forward":
            return t < self.cursor
        return t >= self.T - self.cursor

    def combined_ready(self, t: int) -> bool:
        """cat(h_fwd[t], h_rev[t]) exists once both directions have read position t."""
        return self.read_by("forward", t) and (not self.model.bidirectional or self.read_by("reverse", t))

    def prediction_ready(self, t: int) -> bool:
        """Can the head's output at t be computed from what has been read?"""
        if self.model.task == "next":
            return self.read_by("forward", t)
        left = t == 0 or self.read_by("forward", t - 1)
        right = t == self.T - 1 or self.read_by("reverse", t + 1)
        return left and right

    def focus_position(self) -> int | None:
        """The position whose prediction and inside the panels show."""
        if self.phase == "backward":
            return self.grad_cursor
        return self.forward_pos

    @command
    def step(self, n: int = 1) -> None:
        """Read n more tokens (forward phase) or trace the gradient n steps further back."""
        if self.phase == "backward":
            self.grad_step(n)
            return
        self.goto(self.cursor + n)

    @command
    def back(self, n: int = 1) -> None:
        if self.phase == "backward":
            self.grad_back(n)
            return
        self.goto(self.cursor - n)

    @command
    def goto(self, k: int) -> None:
        """Go to the state after k steps (clamped to 0..T); leaves the gradient view."""
        k = max(0, min(int(k), self.T))
        if self.phase != "forward" or k != self.cursor:
            self.phase = "forward"
            self.cursor = k
            if k >= self.T:
                self.playing = False
            self._changed()

    @command
    def goto_position(self, t: int) -> None:
        """Make position t the current one: in the gradient view, trace back to t;
        otherwise read up to and including t."""
        t = max(0, min(int(t), self.T - 1))
        if self.phase == "backward":
            self.grad_steps = max(0, min(self.grad_max_steps(), self.loss_start() - t))
            self._changed()
        else:
            self.goto(t + 1)

    @command
    def to_start(self) -> None:
        if self.phase == "backward":
            self.grad_steps = 0
            self._changed()
        else:
            self.goto(0)

    @command
    def to_end(self) -> None:
        if self.phase == "backward":
            self.grad_steps = self.grad_max_steps()
            self._changed()
        else:
            self.goto(self.T)

    def set_playing(self, playing: bool) -> None:
        at_end = self._at_end()
        if playing and at_end:
            self.to_start()
        self.playing = playing
        self._changed()

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def _at_end(self) -> bool:
        if self.phase == "backward":
            return self.grad_steps >= self.grad_max_steps()
        return self.cursor >= self.T

    def tick(self) -> None:
        """One beat of playback: advance, and stop at the end."""
        if not self.playing:
            return
        self.step()
        if self._at_end():
            self.playing = False
            self._changed()
