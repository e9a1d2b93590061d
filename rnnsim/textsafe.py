"""Make any token safe to draw: the app's name for rnnsim.core.safe_text.safe_text.

Rich Text never interprets markup, but it silently drops control codes; a user
should see that their text held an ESC or a TAB, so we show them as the Unicode
control pictures (␛, ␉, ...) or as \\uXXXX for other invisible characters.
"""

from __future__ import annotations

from .core.safe_text import safe_text as printable

__all__ = ["printable"]
