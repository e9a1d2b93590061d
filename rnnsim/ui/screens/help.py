"""The help screen: every key, and what each panel shows."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

PANELS = """\
[b]What you see[/b]
  tokens      the text; cyan = the word the forward direction just read, magenta =
              the reverse direction's; underlined <unk> = not in the vocabulary
  chain       one box per time step: the same cell applied again and again, the
              hidden state handed along the arrows; under each box |h| (|∂L/∂h| after b)
  heatmap     every hidden state so far, units × position, blue < 0 < red
  cell        inside the cell at this step: gates (bars, 0..1), candidate, memory,
              new state, and the cell's equations
  prediction  the five likeliest next words (cloze: words for the blank);
              ✓ marks the word the text really has
  gradient    after b: how much of the loss's gradient reaches each earlier word,
              on a log scale, and the factor each step back multiplies it by:
              |∂L/∂h| at the state, |∂L/∂c| along an LSTM's memory cell, and
              |∂L/∂x| at the word's own embedding (what that word would learn)
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 96; max-width: 100%; height: 90%; border: round $accent;
        background: $surface; padding: 0 1; }
    """

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self._key_list = bindings

    def action_close(self) -> None:
        # Keys can arrive faster than screens change: close only while on top.
        if self.app.screen is self:  # on top (is_current is also true under the palette)
            self.dismiss()

    def compose(self) -> ComposeResult:
        lines = ["[b]rnnsim keys[/b]  (also in the command palette: ctrl+p)", ""]
        for b in self._key_list:
            keys = ", ".join(_key_name(k) for k in b.key.split(","))
            lines.append(f"  [b]{keys:<18}[/b] {b.tooltip or b.description}")
        lines += ["", PANELS, "Press escape or ? to close."]
        with VerticalScroll():
            yield Static("\n".join(lines), markup=True)


def _key_name(key: str) -> str:
    return {
        "right": "→", "left": "←", "space": "space", "question_mark": "?",
        "home": "Home", "end": "End", "escape": "Esc",
    }.get(key, key)  # fmt: skip
