"""The help screen: every key, and what each panel shows. Two-column tables whose second
column wraps under itself, so the help reads the same at 80 columns as at 160; the box
says when there is more below and how to close it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

PANELS = [
    (
        "tokens",
        "the text; cyan = the word the forward direction just read, magenta = the reverse "
        "direction's; underlined <unk> = not in the vocabulary; a green ✓ under a word (two "
        "directions) = both have read it, so its combined state is ready",
    ),
    (
        "chain",
        "one box per time step: the same cell applied again and again, the hidden state handed "
        "along the arrows; under each box |h| (|∂L/∂h| after b)",
    ),
    ("heatmap", "every hidden state so far, units × position, blue < 0 < red"),
    ("cell", "inside the cell at this step: gates (bars, 0..1), candidate, memory, new state, the equations"),
    ("prediction", "the five likeliest next words (cloze: words for the blank); ✓ marks the word the text really has"),
    (
        "gradient",
        "after b: how much of the loss's gradient reaches each earlier word, on a log scale, and the "
        "factor each step back multiplies it by: |∂L/∂h| at the state, |∂L/∂c| along an LSTM's memory "
        "cell, and |∂L/∂x| at the word's own embedding (what that word would learn)",
    ),
    (
        "cut panels",
        "a panel too small for its picture scrolls (mouse wheel) and says on its lower border what is "
        "out of view: “↓ 4 more lines”, “u0–u17 of 32 units”, “t=3–9 of 40 positions”",
    ),
]


def _table(rows: list[tuple[str, str]], key_width: int) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(width=key_width, no_wrap=True, style="bold")
    table.add_column(ratio=1)
    for key, text in rows:
        table.add_row(Text(key), Text(text))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,f1,q", "close", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 100; max-width: 100%; height: 90%; border: round $accent;
        background: $surface; padding: 0 1; border-title-color: $text; border-subtitle-color: $text; }
    HelpScreen Static { height: auto; }
    """

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self._key_list = bindings

    def action_close(self) -> None:
        # Keys can arrive faster than screens change: close only while on top.
        if self.app.screen is self:  # on top (is_current is also true under the palette)
            self.dismiss()

    def compose(self) -> ComposeResult:
        keys = [(key_names(b), b.tooltip or b.description) for b in self._key_list]
        with VerticalScroll() as box:
            box.border_title = "rnnsim keys (also in the command palette: ctrl+p)"
            yield Static(_table(keys, 14))
            yield Static(Text("\nWhat you see", style="bold"))
            yield Static(_table(PANELS, 11))
            yield Static(Text("\nPress Esc, ? or F1 to close.", style="dim"))

    def on_mount(self) -> None:
        box = self.query_one(VerticalScroll)
        self.watch(box, "scroll_y", lambda _: self._update_hint(), init=False)
        self.call_after_refresh(self._update_hint)

    def on_resize(self) -> None:
        self.call_after_refresh(self._update_hint)

    def _update_hint(self) -> None:
        boxes = self.query(VerticalScroll)
        if not boxes:  # closed (or resized away) before this refresh came: nothing to hint
            return
        box = boxes.first()
        below = box.max_scroll_y - round(box.scroll_y)
        box.border_subtitle = f"↓ {below} more lines (scroll, PgDn) · Esc closes" if below > 0 else "Esc closes"


def key_names(binding: Binding) -> str:
    """A binding's keys as a person reads them: "→, l"."""
    return ", ".join(_key_name(k) for k in binding.key.split(","))


def _key_name(key: str) -> str:
    return {
        "right": "→", "left": "←", "space": "space", "question_mark": "?", "f1": "F1",
        "home": "Home", "end": "End", "escape": "Esc", "plus": "+", "minus": "-", "equals_sign": "=",
        "left_square_bracket": "[", "right_square_bracket": "]",
        "left_curly_bracket": "{", "right_curly_bracket": "}", "less_than_sign": "<", "greater_than_sign": ">",
    }.get(key, key)  # fmt: skip
