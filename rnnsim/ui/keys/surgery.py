"""Keys for surgery on the network: pin the memory gate (p), type any surgery (x; k and u
start the line with `knockout ` / `watch `), scale W_hh ({ }), clip at 1 (C), undo it all
(X). Each calls a Simulation command; the surgery bar (widgets/surgery.py) shows the state."""

from __future__ import annotations

from textual.binding import Binding

from ..screens.surgery import SurgeryScreen

# Not in the footer (the keys are many): the help screen and the palette list them with their keys.
SURGERY_BINDINGS = [
    Binding("p", "pin_memory", "Pin f/z", show=False, id="pin",
            tooltip="surgery: pin the gate that keeps memory at 1 (LSTM f, GRU z), or unpin it"),
    Binding("x", "surgery", "Surgery…", show=False, id="surgery",
            tooltip="surgery: type it (pin f=1, knockout 3,7, scale 1.5, clip 1, watch 7, clear)"),
    Binding("k", "surgery('knockout ')", "Knock out", show=False, id="knockout",
            tooltip="surgery: hold units of h and c at 0 at every step (type their numbers)"),
    Binding("u", "surgery('watch ')", "Paint unit", show=False, id="watch_unit",
            tooltip="paint one unit's value over the text (type its number)"),
    Binding("right_curly_bracket", "scale_recurrent(1)", "W_hh ×1.25", show=False, id="scale_up",
            tooltip="surgery: every recurrent weight W_hh times 1.25"),
    Binding("left_curly_bracket", "scale_recurrent(-1)", "W_hh ÷1.25", show=False, id="scale_down",
            tooltip="surgery: every recurrent weight W_hh divided by 1.25"),
    Binding("C", "clip", "Clip", show=False, id="clip",
            tooltip="clip the gradient's norm at 1, as torch's clip_grad_norm_ (again: no clipping)"),
    Binding("X", "clear_surgery", "Undo surgery", show=False, id="clear_surgery",
            tooltip="undo every pin, knockout, scale and clip"),
]  # fmt: skip


class SurgeryKeys:
    def action_pin_memory(self) -> None:
        self.run_command(self.sim.toggle_memory_pin)

    def action_surgery(self, start: str = "") -> None:
        def apply(words: str) -> None:
            self.sim.apply_surgery_words(words)  # a SimError (ValueError) shows in the screen
            self.show_sim()

        self.push_screen(SurgeryScreen(start, apply))

    def action_scale_recurrent(self, direction: int) -> None:
        from ...sim.surgery import SCALE_STEP

        self.run_command(self.sim.scale_recurrent_by, SCALE_STEP if direction > 0 else 1 / SCALE_STEP)

    def action_clip(self) -> None:
        self.run_command(self.sim.toggle_clip)

    def action_clear_surgery(self) -> None:
        self.run_command(self.sim.clear_surgery)
