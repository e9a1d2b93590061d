"""What the full-screen views (compare, saturation, learning) share: a widget that draws
one function of the Simulation at its size, and a screen holding it over a Footer that
closes with Esc. Each view module gives the drawing function and its keys."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static


def screen_rows(text: Text, width: int) -> int:
    """Screen rows `text` takes in a view `width` cells wide, its long lines wrapped."""
    return sum(max(1, -(-cell_len(line) // max(1, width))) for line in text.plain.rstrip("\n").split("\n"))


class SimView(Static):
    """Draws `draw(sim, width, height)`; the numbers are the Simulation's."""

    DEFAULT_CSS = "SimView { height: 1fr; padding: 0 1; }"
    draw: Callable[..., Text]

    def __init__(self, sim) -> None:
        super().__init__()
        self.sim = sim

    def render(self) -> Text:
        return type(self).draw(self.sim, self.size.width, self.size.height)


class ViewScreen(Screen[None]):
    """A SimView over the whole screen; Esc (or q) goes back."""

    VIEW: type[SimView]
    BINDINGS = [Binding("escape,q", "close", "Back", id="view.close")]

    def __init__(self, sim) -> None:
        super().__init__()
        self.sim = sim

    def run_command(self, command, *args) -> None:
        """A Simulation command from this view's keys (so that `w` records it), then the
        view drawn again with its numbers."""
        self.app.run_command(command, *args)
        self.query_one(self.VIEW).refresh()

    def action_close(self) -> None:
        if self.app.screen is self:  # keys can outrun screens; is_current is true under a palette too
            self.dismiss()

    def compose(self) -> ComposeResult:
        yield self.VIEW(self.sim)
        yield Footer()
