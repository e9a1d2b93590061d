"""The value checkers: each takes a TOML value and returns the cleaned value or raises
_Bad(message), worded to follow the key's name ("step 3: hidden must be ..."). The schema
(schema.py), the actions (actions.py) and the expect checks (checks.py) are built from
them. `_pos` resolves a position against the live text when a step runs.
"""

from __future__ import annotations

import math
import re

from ..core import tokenize
from ..sim import LOSS_MODES, MAX_TOKENS, Simulation
from .errors import _Bad, _Invalid, _show, _suggest

SIZE_RANGE = ((60, 400), (20, 200))
SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _int(lo: int, hi: int, what: str = "a whole number"):
    def check(v):
        if not _is_int(v):
            raise _Bad(f"must be {what} from {lo} to {hi}, not {_show(v)}")
        if not lo <= v <= hi:
            raise _Bad(f"must be from {lo} to {hi}, not {v}")
        return v

    return check


def _position(v):
    """A position in the text: 0 is the first token, -1 the last (checked against the text
    when the step runs)."""
    if not _is_int(v) or abs(v) > MAX_TOKENS:
        raise _Bad(f"must be a position (a whole number; -1 is the last token), not {_show(v)}")
    return v


def _num(lo: float, hi: float):
    def check(v):
        if not _is_num(v):
            raise _Bad(f"must be a number from {lo:g} to {hi:g}, not {_show(v)}")
        if not lo <= v <= hi:
            raise _Bad(f"must be from {lo:g} to {hi:g}, not {v:g}")
        return float(v)

    return check


def _positive(v):
    if not _is_num(v) or v <= 0:
        raise _Bad(f"must be a number above 0, not {_show(v)}")
    return float(v)


def _true(v):
    if v is not True:
        raise _Bad(f"takes no value: write it as `= true`, not {_show(v)}")
    return v


def _bool(v):
    if not isinstance(v, bool):
        raise _Bad(f"must be true or false, not {_show(v)}")
    return v


def _str(v):
    if not isinstance(v, str):
        raise _Bad(f"must be a string in quotes, not {_show(v)}")
    return v


def _choice(*options):
    def check(v):
        if not isinstance(v, str) or v not in options:
            tail = _suggest(v, options) if isinstance(v, str) else ""
            if not tail.startswith("; did you mean"):
                tail = ""  # (the options are named once, in the sentence itself)
            raise _Bad(f"must be one of {', '.join(options)}, not {_show(v)}{tail}")
        return v

    return check


def _text(v):
    _str(v)
    n = len(tokenize(v))
    if n == 0:
        raise _Bad("is empty: give at least one word")
    if n > MAX_TOKENS:
        raise _Bad(f"has {n} tokens; the limit is {MAX_TOKENS}")
    return v


def _loss(v):
    if isinstance(v, str) and v in LOSS_MODES:
        return v
    if _is_int(v) and 0 <= v <= MAX_TOKENS:
        return v
    tail = ""
    if isinstance(v, str):
        near = _suggest(v, LOSS_MODES)
        tail = near if near.startswith("; did you mean") else ""
        if v.strip().isdigit():
            tail = f"; write a position without quotes: loss = {v.strip()}"
    raise _Bad(f'must be "all", "last" or a position number, not {_show(v)}{tail}')


def _size(v):
    (wlo, whi), (hlo, hhi) = SIZE_RANGE
    if not (isinstance(v, list) and len(v) == 2 and all(_is_int(x) for x in v)):
        raise _Bad(f"must be [columns, rows], e.g. [120, 40], not {_show(v)}")
    w, h = v
    if not (wlo <= w <= whi and hlo <= h <= hhi):
        raise _Bad(f"must be from {wlo}x{hlo} to {whi}x{hhi}, not {w}x{h}")
    return (w, h)


def _snapshot_name(v):
    if not isinstance(v, str) or not SNAPSHOT_NAME.fullmatch(v):
        raise _Bad(f"must be a short file name (letters, digits, _ . -, at most 64), not {_show(v)}")
    return v


def _tuple(*parts, form: str):
    """A fixed-length list, each element checked by its own checker."""

    def check(v):
        if not isinstance(v, list) or len(v) != len(parts):
            raise _Bad(f"must be a list {form}, not {_show(v)}")
        out = []
        for x, p in zip(v, parts, strict=True):
            try:
                out.append(p(x))
            except _Bad as e:
                raise _Bad(f"must be a list {form}: {_show(x)} {e}") from None
        return tuple(out)

    return check


def _pos(sim: Simulation, t: int) -> int:
    T = sim.T
    if not -T <= t < T:
        raise _Invalid(f"position {t} is outside the text (positions 0..{T - 1}, or -1 for the last)")
    return t % T


def _steps_in(sim: Simulation, k: int) -> int:
    """A `goto` count the text has: a scene that goes to step 99 of an 11-token text has a
    mistake (the text was shortened, a 0-based position was meant), not a wish for the end."""
    if k > sim.T:
        raise _Invalid(f"{k} is past the end of the text ({sim.T} tokens, so 0..{sim.T}; end = true goes to the end)")
    return k
