"""A Footer that shows only whole entries: the keys that fit the width, by priority.

Textual's Footer lays every shown binding out in one row and lets the row run under the
command-palette key on the right, so a narrow terminal shows "c C" for "c Cell" (and in
the compact style a stray letter of a hidden key after "palette", in the column the palette
key's margin leaves uncovered). Here help and quit always stay; then the keys come in the
order of the bindings (the app lists them by importance) while they fit; the rest are
hidden, still reachable through help (?) and the command palette.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the Footer's own entry widget

from .widgets.kept import KeptLines

ALWAYS = ("help", "quit")  # actions whose key every width shows


class FittedFooter(KeptLines, Footer):
    DEFAULT_CSS = """
    /* the compact style's margin would leave the last column to what scrolls beneath */
    FittedFooter.-compact FooterKey.-command-palette { margin-right: 0; }
    """

    async def recompose(self) -> None:
        await super().recompose()
        self.fit_keys()

    def on_resize(self) -> None:
        self.fit_keys()

    def fit_keys(self) -> None:
        """Show the entries that fit whole, by priority; hide the others."""
        keys = list(self.query(FooterKey))
        if not keys or not self.size.width:
            return
        room = self.size.width - sum(entry_width(k) for k in keys if k.has_class("-command-palette"))
        entries = [k for k in keys if not k.has_class("-command-palette")]
        ranked = sorted(range(len(entries)), key=lambda i: (entries[i].action not in ALWAYS, i))
        shown = set()
        for i in ranked:
            width = entry_width(entries[i])
            if width <= room:
                shown.add(i)
                room -= width
        for i, key in enumerate(entries):
            if key.display != (i in shown):
                key.display = i in shown


def entry_width(key: FooterKey) -> int:
    """Cells `key` takes in the row: its text, padding, border and margins."""
    styles = key.styles
    big = Size(1000, 1)
    return key.get_content_width(big, big) + styles.gutter.width + styles.margin.width
