"""The command palette, guarded against a second Enter.

Textual's CommandPalette dismisses itself and runs the chosen command on Enter. An Enter
typed right after it (ctrl+p, "Backp", Enter, Enter) can reach the palette after it was
dismissed, while it is being taken down: the palette then dismissed itself again, which
popped the main screen (ScreenStackError) after running the command a second time. Here
whatever reaches a palette that is no longer the screen on top is dropped. Likewise a
search that finishes after the palette closed.
"""

from __future__ import annotations

from textual import on
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, Input, OptionList


class GuardedCommandPalette(CommandPalette):
    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(OptionList.OptionSelected)
    def _drop_after_dismiss(self, event) -> None:
        if self.app.screen is not self:  # dismissed already: this Enter came too late
            event.prevent_default()  # CommandPalette's own handler does not run
            event.stop()

    def _watch__list_visible(self) -> None:
        # The search worker can finish after the palette closed (ctrl+p then a quick key
        # that closes it): its widgets are gone, and Textual's watcher raised NoMatches.
        if not self.query(CommandList):
            return
        super()._watch__list_visible()
