"""One line typed over the app: the text to read, its second text, a surgery. Enter hands
the line to `accept`; a line it cannot take comes back as one line under the field and
the prompt stays open; Esc closes it with nothing done."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class PromptScreen(ModalScreen[str | None]):
    """Returns the accepted line, or None if cancelled. `accept` raises ValueError with a
    one-line message for a line it cannot take. A kind of prompt says what to type in
    PROMPT, may add HELP lines under it, names its field in FIELD, and says in
    START_IS_PREFIX how the line it starts with is meant."""

    PROMPT = "Type a line and press Enter (Esc cancels)."
    HELP = ""
    FIELD = "line"
    START_IS_PREFIX = False
    """False: the start is a whole line offered for revision; it comes selected (as a
    focused Input selects its value), so typing replaces it. True: the start is the
    beginning of the line (`knockout `); the cursor waits after it, so typing goes on."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 90; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1; }
    PromptScreen #error { color: $error; height: auto; }
    """

    def __init__(self, start: str, accept: Callable[[str], object]) -> None:
        super().__init__()
        self._start = start
        self._accept = accept

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.PROMPT, markup=False)
            if self.HELP:
                yield Static(self.HELP, markup=False, classes="help")
            yield Input(value=self._start, id=self.FIELD)
            yield Label("", id="error", markup=False)

    def on_mount(self) -> None:
        if self.START_IS_PREFIX:
            self.query_one(Input).cursor_position = len(self._start)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self._accept(event.value)
        except ValueError as e:
            self.query_one("#error", Label).update(str(e))
            return
        if self.app.screen is self:  # keys can outrun screens; is_current is true under a palette too
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        if self.app.screen is self:  # on top (is_current is also true under the palette)
            self.dismiss(None)
