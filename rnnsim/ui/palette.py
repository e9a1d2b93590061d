"""Colour buckets: one Style object per bucket, made once, shared by every cell.

Diverging (blue < 0 < red) for states and pre-activations in [-1, 1]; sequential
for gates in [0, 1]. Under NO_COLOR the value is carried by a glyph instead.
"""

from __future__ import annotations

from functools import cache

from rich.color import Color
from rich.style import Style

LEVELS = 8  # buckets per sign
BAR = " ▁▂▃▄▅▆▇█"
_NEG_GLYPHS = "·-=≡"
_POS_GLYPHS = "·+*#"


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], x: float) -> Color:
    return Color.from_rgb(*(round(p + (q - p) * x) for p, q in zip(a, b, strict=True)))


_MID = (40, 40, 48)
_NEG = (70, 140, 255)
_POS = (255, 90, 70)
_GATE_LO = (30, 30, 40)
_GATE_HI = (90, 220, 140)


def bucket(v: float, lo: float = -1.0, hi: float = 1.0) -> int:
    """Signed bucket -LEVELS..LEVELS of v in a diverging scale (0 at the middle)."""
    if v != v:  # NaN
        return 0
    if v >= 0:
        return min(LEVELS, int(round(LEVELS * min(v / hi, 1.0))))
    return -min(LEVELS, int(round(LEVELS * min(v / lo, 1.0))))


@cache
def diverging_color(b: int) -> Color:
    x = abs(b) / LEVELS
    return _mix(_MID, _POS if b > 0 else _NEG, x)


@cache
def cell_style(b: int) -> Style:
    """Background style of one heatmap cell."""
    return Style(bgcolor=diverging_color(b))


@cache
def halfblock_style(top: int, bottom: int) -> Style:
    """ "▀" with the upper unit in the foreground, the lower in the background."""
    return Style(color=diverging_color(top), bgcolor=diverging_color(bottom))


@cache
def gate_style(level: int) -> Style:
    return Style(color=_mix(_GATE_LO, _GATE_HI, level / LEVELS))


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
