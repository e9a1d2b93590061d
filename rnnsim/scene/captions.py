"""How a caption shows: the caption area's height, a caption wrapped as the area wraps
it, whether it fits (the parser refuses one that does not), and how long it takes to
read (a step's default pause).
"""

from __future__ import annotations

import textwrap

CAPTION_LINES = 3  # lines the caption area shows under its status line


def caption_lines(caption: str, width: int) -> list[str]:
    """The caption as the caption area wraps it (with a column to spare)."""
    return textwrap.wrap(caption, max(10, width - 4), break_on_hyphens=False)


def caption_fits(caption: str, width: int) -> bool:
    return len(caption_lines(caption, width)) <= CAPTION_LINES


def reading_time(caption: str) -> float:
    """Seconds to read a caption: a pause to look, then about 3.5 words a second."""
    return round(max(2.0, 1.5 + len(caption.split()) / 3.5), 1)
