"""Edit the text: an input in a modal; an empty text gives an inline message and
the last good text stays."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class EditScreen(ModalScreen[str | None]):
    """Returns the accepted text, or None if cancelled. `check` raises ValueError
    with a one-line message for a text the session can't take."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit.cancel")]
    DEFAULT_CSS = """
    EditScreen { align: center middle; }
    EditScreen > Vertical { width: 90; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1; }
    EditScreen #error { color: $error; height: auto; }
    """

    def __init__(self, text: str, check) -> None:
        super().__init__()
        self._text = text
        self._check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Type a text and press Enter (Esc cancels).")
            yield Input(value=self._text, id="text")
            yield Label("", id="error", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self._check(event.value)
        except ValueError as e:
            self.query_one("#error", Label).update(str(e))
            return
        if self.app.screen is self:  # keys can outrun screens; is_current is true under a palette too
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        if self.app.screen is self:  # on top (is_current is also true under the palette)
            self.dismiss(None)
