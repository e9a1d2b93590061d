"""Shared pieces of the panels: the Simulation they draw from and a window helper."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from ...sim import Simulation
from ...textsafe import printable


class SimWidget(Widget):
    """A panel that draws from a Simulation pushed to it by the app ("attributes down")."""

    sim: Simulation | None = None
    _shown_key: object = None

    def view_key(self, sim: Simulation) -> object:
        """What this panel's picture depends on; the panel is redrawn only when it changes.
        By default: anything (every command stamps a new sim.version). The stamps are unique
        across Simulations, so a new session never matches an old key."""
        return sim.version

    def layout_key(self, sim: Simulation) -> object:
        """What this panel's height depends on (for `height: auto` panels); a change
        asks for a layout pass, which costs far more than a redraw."""
        return None

    _layout_key: object = None

    def show(self, sim: Simulation) -> None:
        key = self.view_key(sim)
        if key == self._shown_key:
            return
        self.sim, self._shown_key = sim, key
        layout_key = self.layout_key(sim)
        relayout = layout_key != self._layout_key
        self._layout_key = layout_key
        self.refresh(layout=relayout)

    def render(self) -> Text:
        if self.sim is None:
            return Text()
        return fit(self.draw(self.sim), self.size.width)  # a panel never wraps

    def draw(self, sim: Simulation) -> Text:
        """The panel's picture for this Simulation (lines may run long: render cuts them)."""
        raise NotImplementedError


def window(n: int, focus: int, capacity: int) -> tuple[int, int]:
    """The [start, end) slice of n items, `capacity` long, that keeps `focus` in view
    (a third of the way in, so the reading direction has room ahead)."""
    capacity = max(1, capacity)
    if n <= capacity:
        return 0, n
    start = max(0, min(focus - capacity // 3, n - capacity))
    return start, start + capacity


def fit(text: Text, width: int) -> Text:
    """Cut every line of `text` to `width` cells (with … where cut): a panel never wraps."""
    lines = text.split("\n", allow_blank=True)
    for line in lines:
        line.truncate(max(1, width), overflow="ellipsis")
    return Text("\n").join(lines)


def clip(text: str, width: int) -> str:
    """A token made printable and cut to `width` cells (with … when cut)."""
    s = printable(text)
    if cell_len(s) <= width:
        return s
    out, used = [], 0
    for ch in s:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"
