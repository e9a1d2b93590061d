"""Colour buckets: one Style object per bucket, made once, shared by every cell.

Diverging (blue < 0 < red) for states and pre-activations in [-1, 1]; sequential
for gates in [0, 1]. Under NO_COLOR the value is carried by a glyph instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rich.color import Color
from rich.style import Style

LEVELS = 8  # buckets per sign
BAR = " ▁▂▃▄▅▆▇█"
_NEG_GLYPHS = "·-=≡"
_POS_GLYPHS = "·+*#"


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], x: float) -> Color:
    return Color.from_rgb(*(round(p + (q - p) * x) for p, q in zip(a, b, strict=True)))


def bucket(v: float, lo: float = -1.0, hi: float = 1.0) -> int:
    """Signed bucket -LEVELS..LEVELS of v in a diverging scale (0 at the middle)."""
    if v != v:  # NaN
        return 0
    if v >= 0:
        return min(LEVELS, int(round(LEVELS * min(v / hi, 1.0))))
    return -min(LEVELS, int(round(LEVELS * min(v / lo, 1.0))))


@dataclass(frozen=True)
class Palette:
    """The data colours for one kind of background. The scales run from the background's
    own tone (a value near 0, a closed gate) to a strong colour, so a light theme's
    zeros are pale, not dark blotches."""

    mid: tuple[int, int, int]  # 0 on the diverging scale
    neg: tuple[int, int, int]
    pos: tuple[int, int, int]
    gate_lo: tuple[int, int, int]
    gate_hi: tuple[int, int, int]
    grad: str  # |dL/dh| bars and numbers
    cell_grad: str  # |dL/dc|
    input_grad: str  # |dL/dx|
    bar: str  # probability bars
    hit: str  # the word the text really has

    @cache  # noqa: B019 (two palettes, alive as long as the module: nothing leaks)
    def diverging_color(self, b: int) -> Color:
        return _mix(self.mid, self.pos if b > 0 else self.neg, abs(b) / LEVELS)

    @cache  # noqa: B019 (two palettes, alive as long as the module: nothing leaks)
    def cell_style(self, b: int) -> Style:
        """Background style of one heatmap cell."""
        return Style(bgcolor=self.diverging_color(b))

    @cache  # noqa: B019 (two palettes, alive as long as the module: nothing leaks)
    def halfblock_style(self, top: int, bottom: int) -> Style:
        """ "▀" with the upper unit in the foreground, the lower in the background."""
        return Style(color=self.diverging_color(top), bgcolor=self.diverging_color(bottom))

    @cache  # noqa: B019 (two palettes, alive as long as the module: nothing leaks)
    def gate_style(self, level: int) -> Style:
        return Style(color=_mix(self.gate_lo, self.gate_hi, level / LEVELS))


DARK = Palette(
    mid=(40, 40, 48), neg=(70, 140, 255), pos=(255, 90, 70), gate_lo=(30, 30, 40), gate_hi=(90, 220, 140),
    grad="yellow", cell_grad="magenta", input_grad="cyan", bar="cyan", hit="green",
)  # fmt: skip
LIGHT = Palette(
    mid=(232, 232, 236), neg=(20, 80, 210), pos=(205, 35, 25), gate_lo=(215, 215, 222), gate_hi=(0, 120, 60),
    grad="#8a5a00", cell_grad="#8e2b8e", input_grad="#006d7a", bar="#1f5fbf", hit="#1a7431",
)  # fmt: skip


def palette_for(app) -> Palette:
    """The data colours for the app's current theme (light or dark background)."""
    theme = app.current_theme
    return DARK if theme is None or theme.dark else LIGHT


def glyph(b: int) -> str:
    """A monochrome stand-in for a diverging bucket."""
    k = min(3, (abs(b) * 4) // (LEVELS + 1))
    return (_POS_GLYPHS if b > 0 else _NEG_GLYPHS)[k] if b else " "


def bar_char(x: float) -> str:
    """A vertical eighth-block for x in [0, 1]."""
    if x != x:
        return " "
    return BAR[max(0, min(8, int(round(8 * x))))]


def hbar(x: float, width: int) -> str:
    """A horizontal bar of x in [0, 1] over `width` cells, in eighths."""
    x = max(0.0, min(1.0, x if x == x else 0.0))
    eighths = int(round(x * width * 8))
    full, part = divmod(eighths, 8)
    s = "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")
    return s.ljust(width)
