"""Make any token safe to draw: control characters become visible symbols.

Rich Text never interprets markup, but it silently drops control codes; a user
should see that their text held an ESC or a TAB, so we show them as the Unicode
control pictures (␛, ␉, ...) or as \\uXXXX for other invisible characters.
"""

from __future__ import annotations

import unicodedata


def printable(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if o < 0x20:
            out.append(chr(0x2400 + o))
        elif o == 0x7F:
            out.append("␡")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"):
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)
