"""The terminal around the command line: output encodings that cannot show rnnsim's
symbols, a missing or dumb terminal, and SIGTERM / SIGHUP while the app is open.

- `ascii_fallback()`: when stdout or stderr cannot encode a character (PYTHONIOENCODING=
  latin-1, a C locale), the symbols fall back to ASCII (… -> ..., → -> ->, ␛ -> ^[) and
  anything else to \\uXXXX, instead of a UnicodeEncodeError traceback.
- `terminal_problem()`: why the app cannot open here (not a terminal; TERM=dumb), in
  words, so it says so at once instead of waiting forever or drawing garbage.
- `run_app(app)`: runs a Textual app so that SIGTERM or SIGHUP closes it the way q does
  (the terminal is restored, the caller saves what was recorded); returns the signal.
"""

from __future__ import annotations

import codecs
import os
import signal
import sys

# Symbols rnnsim prints, and what they become where the encoding has no room for them.
ASCII = {
    "…": "...", "→": "->", "←": "<-", "↑": "^", "↓": "v", "·": ".", "×": "x", "−": "-",
    "–": "-", "—": "--", "“": '"', "”": '"', "‘": "'", "’": "'", "✓": "v", "✗": "x",
    "▶": ">", "❚": "|", "∂": "d", "␡": "^?", "█": "#", "▌": "|", "━": "-", "─": "-",
}  # fmt: skip
ASCII.update({chr(0x2400 + i): "^" + chr(0x40 + i) for i in range(32)})  # control pictures: ␛ -> ^[


def _fallback(err: UnicodeEncodeError):
    bad = err.object[err.start : err.end]
    out = []
    for ch in bad:
        if ch in ASCII:
            out.append(ASCII[ch])
        else:
            o = ord(ch)
            out.append(f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
    return "".join(out), err.end


codecs.register_error("rnnsim-ascii", _fallback)


def ascii_fallback() -> None:
    """Make stdout and stderr fall back to ASCII symbols where their encoding fails."""
    for stream in (sys.stdout, sys.stderr):
        enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if enc in ("utf8", "utf16", "utf32") or not hasattr(stream, "reconfigure"):
            continue
        try:
            stream.reconfigure(errors="rnnsim-ascii")
        except (ValueError, OSError):  # a stream that cannot change (closed, or replaced by a test)
            pass


def terminal_problem() -> str | None:
    """Why the app cannot open here; None when it can."""
    hint = "for output without a screen use rnnsim trace, or rnnsim play SCENE --headless"
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        which = "input" if not sys.stdin.isatty() else "output"
        return f"the app needs a terminal, and its {which} is not one; {hint}"
    if os.environ.get("TERM", "") in ("dumb", "unknown"):
        return f"TERM={os.environ['TERM']}: this terminal cannot draw the app; use a full terminal, or {hint}"
    return None


HANG_UP = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


def run_app(app) -> int | None:
    """Run the app; SIGTERM or SIGHUP asks it to exit as q does, so Textual leaves the
    alternate screen and restores the terminal, and the caller then saves what it must.
    Returns the signal number that closed it, or None."""
    caught: list[int] = []

    def close(signum, frame):
        caught.append(signum)
        loop = getattr(app, "_loop", None)  # the app's running event loop (Textual sets it)
        if loop is None:
            raise KeyboardInterrupt  # not running yet: stop as Ctrl-C would
        loop.call_soon_threadsafe(app.exit)  # safe from a signal handler: wakes the loop

    previous = {s: signal.signal(s, close) for s in HANG_UP}
    try:
        app.run()
    except OSError:  # the terminal went away (SIGHUP): the app's own output failed
        if not caught:
            raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return caught[0] if caught else None
