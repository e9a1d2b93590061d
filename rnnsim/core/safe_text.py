"""Make any string from outside (a vocabulary word, a caption, a file name, a text) safe to
print to a terminal, draw in the app, or write into SVG or JSON.

A terminal obeys escape sequences: ESC starts CSI (`ESC [ 2 J` wipes the screen) and OSC
(`ESC ] 0 ; title BEL` sets the window title, `ESC ] 8` plants a link); the C1 controls
U+0080..U+009F are one-character forms of the same (U+009B is CSI). A model file is shared
between people, so its words must never reach the terminal as controls. `safe_text` turns
every control or invisible character into something visible that means nothing to a
terminal: C0 controls become the Unicode control pictures (ESC -> ␛, TAB -> ␉), DEL -> ␡,
and every other control, format, private, surrogate, unassigned or line/paragraph
separator character becomes the six visible characters \\uXXXX. What comes out is also
valid in XML (SVG) text once & < > are escaped, which every SVG writer does.

This module is NumPy-free and imports nothing of rnnsim: the core's tables use it too.
"""

from __future__ import annotations

import json
import re
import unicodedata

# Categories that draw nothing or that a terminal may act on: controls (Cc: C0, DEL, C1),
# formats (Cf: bidi overrides, zero-width joiners...), private use, lone surrogates,
# unassigned (U+FFFE and U+FFFF are Cn, and not allowed in XML), line/paragraph separators.
_HIDDEN = frozenset(("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"))
_PLAIN = re.compile(r"[\x20-\x7e]*")  # the common case, checked in one step


def _visible(ch: str) -> str:
    o = ord(ch)
    if o < 0x20:
        return chr(0x2400 + o)  # the control pictures: ␀ .. ␟
    if o == 0x7F:
        return "␡"
    return f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"


def safe_text(s: object, keep: str = "") -> str:
    """`s` as text with every control and invisible character made visible (see the module
    docstring). `keep`: characters let through as they are (a caption keeps "\\n")."""
    s = str(s)
    if _PLAIN.fullmatch(s):
        return s
    out = []
    for ch in s:
        if ch in keep:
            out.append(ch)
        elif ch < " " or ch == "\x7f" or (ch > "~" and unicodedata.category(ch) in _HIDDEN):
            out.append(_visible(ch))
        else:
            out.append(ch)
    return "".join(out)


def _needs_json_escape(ch: str) -> bool:
    return ch == "\x7f" or (ch > "~" and unicodedata.category(ch) in _HIDDEN)


def safe_json(obj, **kw) -> str:
    """json.dumps, with every character a terminal could act on written as a \\u escape.
    json with ensure_ascii=False escapes only U+0000..U+001F, so C1 controls (U+009B is a
    CSI), bidi overrides and separators would reach the terminal raw. The result is
    the same JSON value: any JSON reader gives back the same strings."""
    text = json.dumps(obj, ensure_ascii=False, **kw)
    return _NOT_PLAIN.sub(_json_escape, text)  # numbers and keys are ASCII: few calls


_NOT_PLAIN = re.compile(r"[^\x00-\x7e]")


def _json_escape(m: re.Match) -> str:
    ch = m.group()
    if not _needs_json_escape(ch):
        return ch
    o = ord(ch)
    if o <= 0xFFFF:
        return f"\\u{o:04x}"
    o -= 0x10000  # JSON writes a character beyond U+FFFF as a surrogate pair
    return f"\\u{0xD800 + (o >> 10):04x}\\u{0xDC00 + (o & 0x3FF):04x}"


# Characters XML 1.0 forbids anywhere in a document (even escaped as &#..;).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 forbids replaced by U+FFFD, so an SVG written
    from it parses. (What we draw is made safe before; this is the last guard.)"""
    return _XML_FORBIDDEN.sub("\ufffd", text)
