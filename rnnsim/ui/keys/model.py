"""Keys that change the model: its cell, one or two directions, the LSTM's forget bias,
the seed, the layer shown of a stacked model and a classifier's label; and which of
these keys a model offers (the layer keys only on a stacked one, the label key only on
a classifier)."""

from __future__ import annotations


class ModelKeys:
    def _model_shape(self) -> tuple[bool, bool]:
        """(stacked, classifier): what decides which of the model-specific keys show."""
        return self.sim.num_layers > 1, self.sim.is_classifier

    def _applies(self, action: str) -> bool:
        """Keys that act only on some models: the layer keys on a stacked one, the label
        key on a classifier (elsewhere they are neither shown nor offered)."""
        if action in ("layer_up", "layer_down"):
            return self.sim.num_layers > 1
        if action == "cycle_label":
            return self.sim.is_classifier
        return True

    def action_cycle_cell(self) -> None:
        self.run_command(self.sim.cycle_cell)

    def action_bidirectional(self) -> None:
        self.run_command(self.sim.toggle_bidirectional)

    def action_forget(self, delta: float) -> None:
        if self.sim.model.cell != "lstm":
            self.notify("only an LSTM has a forget gate: press c to switch cells", severity="warning")
            return
        self.run_command(self.sim.set_forget_bias, self.sim.model.forget_bias() + delta)

    def action_reseed(self) -> None:
        self.run_command(self.sim.reseed)

    def action_layer_up(self) -> None:
        self.run_command(self.sim.layer_up)

    def action_layer_down(self) -> None:
        self.run_command(self.sim.layer_down)

    def action_cycle_layers(self) -> None:
        self.run_command(self.sim.cycle_layers)

    def action_cycle_label(self) -> None:
        self.run_command(self.sim.cycle_label)
