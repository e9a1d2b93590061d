"""Kept lines lean on a private Textual hook (Widget._set_dirty); these tests say when the
installed Textual no longer has it, and that the app then draws every frame anew."""

from __future__ import annotations

from textual.geometry import Region
from textual.widget import Widget

from rnnsim.ui.widgets import kept


class Counted(kept.KeptLines):
    """KeptLines on its own: counts how often it draws."""

    def __init__(self) -> None:
        self.drawn = 0

    def fresh_lines(self, crop):
        self.drawn += 1
        return [f"frame {self.drawn}"]


def test_the_installed_textual_has_the_hook_kept_lines_rely_on():
    # If this fails after a Textual upgrade, kept lines are off (CAN_KEEP is False): the app
    # stays right but slower; find the new repaint hook before accepting the upgrade.
    assert callable(getattr(Widget, "_set_dirty", None))
    assert kept.CAN_KEEP


def test_lines_are_kept_for_the_same_crop_until_forgotten():
    w, crop = Counted(), Region(0, 0, 10, 2)
    assert w.render_lines(crop) == w.render_lines(crop) == ["frame 1"]
    assert w.render_lines(Region(0, 1, 10, 1)) == ["frame 2"]  # another crop: drawn
    w.forget_lines()
    assert w.render_lines(Region(0, 1, 10, 1)) == ["frame 3"]


def test_without_the_hook_every_frame_is_drawn_anew(monkeypatch):
    monkeypatch.setattr(kept, "CAN_KEEP", False)
    w, crop = Counted(), Region(0, 0, 10, 2)
    assert [w.render_lines(crop), w.render_lines(crop)] == [["frame 1"], ["frame 2"]]
