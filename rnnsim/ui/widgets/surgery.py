"""The surgery bar: while any surgery is on (or a unit is painted over the text), one
line, wrapped when narrow, says which and with what values, and how to undo it. It reads
the Simulation; it computes nothing but the words."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from .kept import KeptLines


def surgery_text(sim) -> Text | None:
    """What the bar says, or None when there is nothing to say (the bar then takes no row)."""
    s = sim.surgery
    if not s.active and sim.watched_unit is None:
        return None
    t = Text()
    if s.active:
        t.append("✂ surgery: ", style="bold")
        t.append("  ·  ".join(s.parts()), style="bold")
        scale = sim.trace.clip_scale() if s.clip is not None else None
        if scale is not None:
            norm = sim.trace.grad_norm()
            t.append(f"  (clip_scale {scale:.3g}: |∂L/∂θ| {norm:.3g} → {norm * scale:.3g})")
        t.append("   X undoes all, x changes", style="dim")
    if sim.watched_unit is not None:
        if s.active:
            t.append("  ·  ")
        t.append(f"painting u{sim.watched_unit} over the text (blue < 0 < red, · : step onto it)", style="bold")
    return t


class SurgeryBar(KeptLines, Static):
    """One bar above the panels; the app gives it the rows its text needs (0 when off)."""

    DEFAULT_CSS = "SurgeryBar { height: 0; background: $warning 25%; padding: 0 1; }"

    _said: Text | str | None = None

    def show(self, sim) -> None:
        text = surgery_text(sim)
        text = text if text is not None else ""
        if text != self._said:  # (an update repaints the bar, even an empty one)
            self._said = text
            self.update(text, layout=False)
