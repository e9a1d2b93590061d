"""Keys that move through the session: step, back, start, end, play and its speed, and
the gradient view (backpropagate, leave it, the loss it starts from)."""

from __future__ import annotations

PLAY_INTERVAL = 0.6  # seconds per step while playing, at speed 1
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0)  # play speeds the + and - keys step through


class SteppingKeys:
    speed = 1.0  # play speed: steps per PLAY_INTERVAL
    _timer = None  # the play timer, made on mount; paused unless the Simulation plays

    def action_step(self) -> None:
        self.run_command(self.sim.step)

    def action_back(self) -> None:
        self.run_command(self.sim.back)

    def action_start(self) -> None:
        self.run_command(self.sim.to_start)

    def action_end(self) -> None:
        self.run_command(self.sim.to_end)

    def action_play(self) -> None:
        self.run_command(self.sim.toggle_play)

    def action_speed(self, direction: int) -> None:
        """Step through SPEEDS; the play timer (and a scene's pauses) follow."""
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + direction))]
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(PLAY_INTERVAL / self.speed, self._tick, pause=not self.sim.playing)
        self.notify(f"play speed ×{self.speed:g}: {self.speed / PLAY_INTERVAL:.2g} steps a second", timeout=2)
        self.show_sim()

    def _tick(self) -> None:
        if not self.is_running:  # a tick that fires while the app shuts down finds no screen
            return
        self.run_command(self.sim.tick)

    def action_backward(self) -> None:
        self.run_command(self.sim.backward)

    def action_leave_backward(self) -> None:
        self.run_command(self.sim.leave_backward)

    def action_loss_mode(self) -> None:
        self.run_command(self.sim.cycle_loss_mode)
