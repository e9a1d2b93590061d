"""Keys that open a full-screen view of the session: why the plain RNN forgets (s: the
saturation view) and the recorded training of the shipped LSTM and RNN (T: the learning
view; t trains live). Each view reads the app's Simulation; its own keys change it
through Simulation commands, so `w` saves them with the session."""

from __future__ import annotations


class ViewKeys:
    def action_saturation(self) -> None:
        from ..screens.saturation import SaturationScreen

        self.push_screen(SaturationScreen(self.sim))

    def action_learning(self) -> None:
        from ...sim import SimError
        from ..screens.learning import LearningScreen

        try:
            self.sim.learning_history()  # a damaged install: one notice, not a broken screen
        except SimError as e:
            self.notify(str(e), severity="error", timeout=6)
            return
        self.push_screen(LearningScreen(self.sim))
