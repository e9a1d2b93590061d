"""Type a surgery: the same words as `rnnsim trace`'s flags. The line is applied to the
Simulation when Enter is pressed; a mistake shows under it in one line and the screen
stays open."""

from __future__ import annotations

from .prompt import PromptScreen


class SurgeryScreen(PromptScreen):
    """`SurgeryScreen(start, apply)`: `apply` takes the typed line and raises ValueError
    (one line) when it cannot."""

    PROMPT = "Surgery: type one and press Enter (Esc cancels)."
    HELP = (
        "pin f=1 (LSTM i f g o, GRU r z n) · unpin f · unpin · knockout 3,7 · knockout (none)\n"
        "scale 1.5 (every W_hh) · clip 1 · clip off · watch 7 (paint a unit) · watch off · clear"
    )
    FIELD = "surgery"
    START_IS_PREFIX = True  # k and u start the line with `knockout ` / `watch `
