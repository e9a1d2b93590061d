"""Edit the text: a prompt whose empty or unreadable text gives an inline message while
the last good text stays."""

from __future__ import annotations

from .prompt import PromptScreen


class EditScreen(PromptScreen):
    """`EditScreen(text, check)`: returns the accepted text, or None if cancelled."""

    PROMPT = "Type a text and press Enter (Esc cancels)."
    FIELD = "text"
