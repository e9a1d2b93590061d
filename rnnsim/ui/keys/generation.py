"""Keys that write on (g, < >, o; their bindings are GENERATION_BINDINGS, beside the
panel that shows them in widgets/generation.py)."""

from __future__ import annotations


class GenerationKeys:
    def action_sample(self) -> None:
        self.run_command(self.sim.sample_next)

    def action_temperature(self, direction: int) -> None:
        self.run_command(self.sim.temperature_up if direction > 0 else self.sim.temperature_down)

    def action_free_run(self) -> None:
        self.run_command(self.sim.toggle_free_run)
