"""Type a surgery: the same words as `rnnsim trace`'s flags. The line is applied to the
Simulation when Enter is pressed; a mistake shows under it in one line and the screen
stays open."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

HELP = (
    "pin f=1 (LSTM i f g o, GRU r z n) · unpin f · unpin · knockout 3,7 · knockout (none)\n"
    "scale 1.5 (every W_hh) · clip 1 · clip off · watch 7 (paint a unit) · watch off · clear"
)


class SurgeryScreen(ModalScreen[bool]):
    """`apply` takes the typed line and raises ValueError (one line) when it cannot."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="surgery.cancel")]
    DEFAULT_CSS = """
    SurgeryScreen { align: center middle; }
    SurgeryScreen > Vertical { width: 90; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1; }
    SurgeryScreen #error { color: $error; height: auto; }
    """

    def __init__(self, apply, start: str = "") -> None:
        super().__init__()
        self._apply = apply
        self._start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Surgery: type one and press Enter (Esc cancels).", markup=False)
            yield Static(HELP, markup=False, classes="help")
            yield Input(value=self._start, id="surgery")
            yield Label("", id="error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).cursor_position = len(self._start)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self._apply(event.value)
        except ValueError as e:
            self.query_one("#error", Label).update(str(e))
            return
        if self.app.screen is self:
            self.dismiss(True)

    def action_cancel(self) -> None:
        if self.app.screen is self:
            self.dismiss(False)
