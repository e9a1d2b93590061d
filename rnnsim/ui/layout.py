"""Fitting the main screen to the terminal: the rows each area gets, the top bar's
text at the width there is, the panels' titles, and the notice on a terminal too small.

Plain functions of the app (or its screen) and the Simulation: the app calls them after
every command and on every resize; they set heights and titles, never model numbers.
"""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text
from textual.css.scalar import Unit
from textual.widgets import Static

from ..explain import explain
from ..textsafe import printable
from .titles import layer_forms, set_title
from .widgets.bars import TextBar
from .widgets.cell import CellPanel
from .widgets.chain import SHORT, Chain
from .widgets.generation import GenerationPanel
from .widgets.gradient import GradientPanel
from .widgets.prediction import Prediction
from .widgets.surgery import SurgeryBar, surgery_text
from .widgets.tokens import TokenStrip

MIN_SIZE = (60, 20)
NARROW = 110  # columns: below this the gradient view takes the prediction's place
PANELS_LEAST = (6, 5)  # rows: #middle's and #bottom's least height while the explanation fits
PANELS_SQUEEZED = (5, 4)  # ... and what they give up to it when it does not (min-height in app.tcss)
# rows: the gradient table's borders, title and head, and four rows: the cursor's, the one
# after it (its ×step), one for the gap and the loss's row (widgets/gradient.py: table_rows)
TABLE_LEAST = 2 + 2 + 4
TABLE_TWO_ROWS = 2 + 1 + 2  # ... and the least: the cursor's row and the loss's (the title on the border)
PANEL_FLOOR = 3  # rows: a panel's borders and one line, when not even the squeezed heights fit


def fit_panels(app) -> None:
    """Give every area the rows it needs, by priority: the bars and the explanation
    (wrapped, never cut), then the cell panel and the gradient table; what still
    does not fit scrolls, and its panel says so on its lower border. The app's
    fixed_rows and hide_explain let a subclass (a scene's caption) take its share."""
    screen = app.screen_stack[0]  # the panels' screen, under any help or compare screen
    w, h = app.size
    sim = app.sim
    short = h < SHORT
    screen.set_class(w < NARROW and sim.phase == "backward", "-narrow-backward")
    screen.set_class(short, "-short")
    chain_rows = 2 * len(sim.model.directions) if (short or sim.model.bidirectional) else 4
    chain = screen.query_one(Chain)
    _set_height(chain, chain_rows)
    tokens = screen.query_one(TokenStrip)
    # a line under the words (unknown: an array over the whole text; any() walked it in Python)
    marks = sim.model.bidirectional or bool(sim.unknown.any()) or sim.watched_unit is not None
    token_rows = 2 if (not short or marks) else 1
    _set_height(tokens, token_rows)
    said = surgery_text(sim)  # while surgery is on, its bar says so, whole, at any size
    surgery_rows = 0 if said is None else wrapped_lines(said, w - 2, app.console)
    _set_height(screen.query_one(SurgeryBar), surgery_rows)
    generation = screen.query_one(GenerationPanel)
    generation_rows = generation.wanted_height if generation.display else 0
    # A fixed height, not its CSS `auto`: the panel draws only once a layout pass has given
    # it a width, and a picture that then grows asks for no second pass by itself. Unless
    # another change happened to ask for one, the row stayed 0 high (seen under load).
    _set_height(generation, generation_rows)
    explain_box = screen.query_one("#explain", TextBar)
    explain_rows = 0
    least = PANELS_LEAST
    above = 1 + 1 + token_rows + (chain_rows + 2) + generation_rows + surgery_rows + app.fixed_rows(w, h)
    if not app.hide_explain(short):
        # every line it needs while the panels keep their least rows (at 80x24: 6 lines);
        # when that is too few (free running open at 80x24), the panels give it a row each
        # (they scroll and say so); past that it is cut, and its last line says so
        lines = wrapped(explanation(sim), w - 2, app.console)
        need = len(lines)
        if need > h - above - sum(least):
            least = PANELS_SQUEEZED
        explain_rows = min(max(1, h - above - sum(least)), need)
        explain_box.say(sim, _explanation_lines(lines, w - 2, explain_rows))
    _set_height(explain_box, explain_rows)
    rows = h - above - explain_rows
    middle = 2 + max(screen.query_one(CellPanel).wanted_height, least[0] - 2)
    bottom = 2 + max(screen.query_one(Prediction).wanted_height, screen.query_one(GradientPanel).wanted_height)
    share = 0.5 if sim.phase == "backward" else 0.4
    if middle + bottom <= rows:
        give = bottom
    else:
        give = min(bottom, max(least[1], round(rows * share), rows - middle))
    # never more than leaves #middle its least rows: past that the screen runs over and the
    # explanation's last line went under the footer (a bidirectional gradient view at 80x24).
    # When even the least rows of both do not fit (a long lesson caption at 80x24), both
    # give up a row (they scroll and say so) rather than #bottom's lower border and its
    # hint sliding under the footer.
    if rows - least[0] < least[1]:
        least = PANELS_SQUEEZED
    middle_box, bottom_box = screen.query_one("#middle"), screen.query_one("#bottom")
    if rows < sum(PANELS_SQUEEZED):
        # Not even both squeezed heights fit (a bidirectional lesson's caption at 80x24):
        # the two share what there is, each at least a line between its borders.
        low = max(PANEL_FLOOR, rows // 2)
        _set_min_height(middle_box, max(PANEL_FLOOR, rows - low))
        _set_height(bottom_box, low)
        return
    # In the gradient view the table is what the step is about: #middle gives up rows down
    # to its squeezed height, so that at 80x24 the table shows the cursor's row and the
    # loss's row, which the captions compare (the panel above scrolls and says so); down
    # to a single line where even those two rows would not show otherwise.
    keep = least[0]
    if sim.phase == "backward":
        keep = max(PANEL_FLOOR, min(PANELS_SQUEEZED[0], rows - TABLE_TWO_ROWS))
        give = max(give, min(bottom, TABLE_LEAST))
    _set_min_height(middle_box, keep if keep < PANELS_SQUEEZED[0] else None)  # (else app.tcss's)
    _set_height(bottom_box, max(least[1], min(give, rows - keep)))


def _explanation_lines(lines: tuple[str, ...], width: int, rows: int) -> tuple[str, ...]:
    """The explanation's wrapped lines, or, when `rows` cannot hold them, the lines that
    fit with the last one ending in what is left out (never a silent cut)."""
    need = len(lines)
    if rows >= need:
        return lines
    note = f" ({need - rows} more line{'s' * (need - rows > 1)} in a taller terminal)"
    last = Text(lines[rows - 1])
    last.truncate(max(0, width - len(note)), overflow="ellipsis")
    last.rstrip()
    return (*lines[: rows - 1], last.plain + note)


_explained: tuple = (None, "")


def explanation(sim) -> str:
    """The explain line for the Simulation as it is now, written once per command (the
    app shows it and fits its rows to it). Keyed by the version stamp, unique across
    Simulations."""
    global _explained
    if _explained[0] != sim.version:
        _explained = (sim.version, explain(sim))
    return _explained[1]


def title_layer_panels(app) -> None:
    """The panels that show one layer of a stacked model say which ("layer 2 of 3"); every
    title in the shortest of its forms its border needs (ui/titles.py)."""
    full, short = layer_forms(app.sim)
    set_title(app.query_one("#chain-box"), f"the chain: one cell applied at every step{full}", f"the chain{short}")
    set_title(app.query_one("#cell-box"), f"inside the cell{full}", f"inside the cell{short}", f"cell{short}")
    if app.sim.is_classifier:
        set_title(app.query_one("#pred-box"), "decision after the last token", "decision after last token", "decision")
    else:
        set_title(app.query_one("#pred-box"), "prediction")


def topbar(sim, speed: float, width: int) -> Text:
    """Where the session is first (step, loss, playing), then the model; a shorter
    description of the model when the full one does not fit in `width` cells."""
    phase = f"gradient at t={sim.grad_cursor}" if sim.phase == "backward" else f"step {sim.cursor}/{sim.T}"
    if sim.is_classifier:  # one loss, at a label (its name comes from the model file)
        mode = f"at “{printable(sim.target_label())}”"
    else:
        mode = sim.loss_mode if isinstance(sim.loss_mode, str) else f"t={sim.loss_mode}"
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f"{phase}  ·  loss {mode}  ·  ", style="bold")
    if sim.playing:
        t.append(f"▶ playing ×{speed:g} (+/−)  ·  ", style="bold green")
    elif speed != 1.0:
        t.append(f"play speed ×{speed:g}  ·  ", style="dim")
    full = f"{sim.model.describe()} ({printable(sim.origin)})"  # origin: maybe a file name
    if t.cell_len + len(full) > width:
        m = sim.model
        kind = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[m.cell]
        origin = printable(sim.origin)
        full = f"{'bi' if m.bidirectional else ''}{kind} H={m.hidden} E={m.embed} V={len(m.vocab)} ({origin})"
    t.append(full)
    return t


def check_size(app, size) -> None:
    """Below MIN_SIZE every screen shows one line asking for a larger terminal."""
    w, h = size
    small = w < MIN_SIZE[0] or h < MIN_SIZE[1]
    # Every screen, not only the one on top: a resize while help is open must reach
    # the main screen under it too (it kept "make the terminal larger" after help closed).
    for screen in app.screen_stack:
        screen.set_class(small, "-too-small")
    if small:
        app.screen_stack[0].query_one("#too-small", Static).update(
            f"Make the terminal larger: rnnsim needs {MIN_SIZE[0]}×{MIN_SIZE[1]}, this one is {w}×{h}."
        )


def wrapped_lines(text: str | Text, width: int, console) -> int:
    """Lines `text` takes when wrapped at `width` cells."""
    if isinstance(text, str):
        return len(wrapped(text, width, console))
    return max(1, len(text.wrap(console, max(1, width))))


@lru_cache(maxsize=256)
def wrapped(text: str, width: int, console) -> tuple[str, ...]:
    """`text` wrapped at `width` cells, as a Static wraps it (the same word breaks),
    at least one line; once per text and width (the explanation is measured for its
    rows and then drawn)."""
    lines = tuple(line.plain for line in Text(text).wrap(console, max(1, width)))
    return lines or ("",)


def _set_min_height(widget, rows: int | None) -> None:
    """Override the CSS min-height (None: the CSS rule again); only a change asks for layout."""
    now = widget.styles.inline.get_rule("min_height")  # (the inline rule alone, not the CSS one)
    if (None if now is None else now.value) != rows:
        widget.styles.min_height = rows


def _set_height(widget, rows: int) -> None:
    """Set a fixed height; only a change asks for a layout pass."""
    height = widget.styles.height
    if height is None or height.unit != Unit.CELLS or height.value != rows:
        widget.styles.height = rows
