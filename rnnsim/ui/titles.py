"""Panel titles that fit their borders: each title comes in forms from the full one to a
short one, and the box shows the first form its top border holds whole. (Textual cuts a
title that is too long with "…": "hidden state · layer 2 of 3, blue…" lost the colour
legend at 80 columns.) A box fits its title again when its width changes."""

from __future__ import annotations

from rich.cells import cell_len
from textual.containers import Vertical

from .widgets.kept import KeptLines

BORDER_CELLS = 6  # two corners, the border's cell beside each, and a blank either side


def layer_forms(sim) -> tuple[str, str]:
    """' · layer 2 of 3 (top)' and its short form ' · layer 3/3'; both '' for one layer."""
    where = sim.layer_caption()
    if not where:
        return "", ""
    return f" · {where}", f" · layer {sim.shown_layer + 1}/{sim.num_layers}"


def set_title(box, *forms: str) -> None:
    """Give `box` its title's forms (full first) and show the one that fits now."""
    box.title_forms = forms
    fit_title(box)


def fit_title(box) -> None:
    """Show the longest form of the box's title that its width holds whole."""
    forms = getattr(box, "title_forms", None)
    if not forms:
        return
    width = box.outer_size.width  # (size leaves out the border and padding)
    if width == 0:  # not laid out yet: the full form, fitted after the layout
        title = forms[0]
    else:
        title = next((form for form in forms if cell_len(form) <= width - BORDER_CELLS), forms[-1])
    if box.border_title != title:  # an unchanged title costs no refresh
        box.border_title = title


class TitledBox(KeptLines, Vertical):
    """A panel's box: it shows the form of its title that fits, again on every resize."""

    def on_resize(self) -> None:
        fit_title(self)
