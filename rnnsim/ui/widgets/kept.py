"""Widgets that hand the compositor their last lines again while nothing asked them to
repaint.

The top bar (row 0) and the explanation (the last rows) change at every step, so every
frame's update covers the whole screen, and Textual asks every widget on it for all its
lines: a box whose border, title and padding did not change worked out its colours from
its ancestors, its title's style and its lines from its cache, some twenty widgets a
frame. Every change to what a widget shows reaches Textual's `_set_dirty` (a refresh,
a new size, a style, a title, a scroll), which is where the kept lines are dropped.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

# Keeping lines is safe only while every repaint request passes through Widget._set_dirty.
# That hook is Textual's own, not public API: under a Textual without it nothing would ever
# drop the kept lines, so there every frame is drawn anew (slower, never stale).
CAN_KEEP = callable(getattr(Widget, "_set_dirty", None))


class KeptLines:
    """Mixin for a Widget: render_lines returns the lines of the last call for the same
    crop until the widget is marked dirty. Subclasses render in `fresh_lines`."""

    _kept: tuple[Region, list[Strip]] | None = None

    def _set_dirty(self, *regions: Region) -> None:
        self._kept = None  # a repaint was asked for: the next frame draws anew
        super()._set_dirty(*regions)

    def forget_lines(self) -> None:
        """Draw anew at the next frame (the widget's picture changed without a repaint
        request reaching Textual)."""
        self._kept = None

    def render_lines(self, crop: Region) -> list[Strip]:
        if not CAN_KEEP:
            return self.fresh_lines(crop)
        kept = self._kept
        if kept is not None and kept[0] == crop:
            return kept[1]
        lines = self.fresh_lines(crop)
        self._kept = (crop, lines)
        return lines

    def fresh_lines(self, crop: Region) -> list[Strip]:
        """The lines as Textual renders them."""
        return super().render_lines(crop)


class Column(KeptLines, Vertical):
    """A Vertical that keeps its lines (the app's layout containers)."""


class Row(KeptLines, Horizontal):
    """A Horizontal that keeps its lines."""


class KeptScreen(KeptLines, Screen):
    """The main screen: its own lines (the background under the widgets) kept too."""
