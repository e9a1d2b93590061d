"""The errors of the scene package. SceneError is the one the user sees: a mistake in a
scene file, or a scene that cannot play, always on one line (file:line: what is wrong).
_Bad is a value checker's complaint about a TOML value and _Invalid a check or action that
cannot be evaluated in the current state; the parser and the step runner turn both into a
SceneError with the file and line. _show and _suggest help word the messages.
"""

from __future__ import annotations

import difflib
import os
from typing import Any


class SceneError(Exception):
    """A mistake in a scene file, or a scene that cannot play: one line for the user."""

    def __init__(self, message: str, file: str | os.PathLike | None = None, line: int | None = None):
        self.message = " ".join(str(message).split())  # one line, always
        self.file = None if file is None else str(file)
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file or "<scene>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}"


def _show(v: Any, limit: int = 40) -> str:
    """A value as the user wrote it, on one short line."""
    if isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, dict):
        s = "a table"
    else:
        s = repr(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _suggest(word: str, choices, what: str = "") -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    if near:
        return f"; did you mean '{near[0]}'?"
    return f"; {what or 'choose one of'}: {', '.join(choices)}" if choices else ""


class _Bad(Exception):
    """A value checker's complaint about a TOML value (see value_checkers.py)."""


class _Invalid(Exception):
    """A check that cannot be evaluated in this state (a scene mistake, not a failure)."""
