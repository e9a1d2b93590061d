"""What a session records: every successful outermost command, as (name, args).

`sim.history` is what `rnnsim record` and the app's `w` save as a scene, starting from
`sim.start` (the text and settings the session began with). A command that calls
another command is recorded once, as the one the user gave.
"""

from __future__ import annotations

import functools


def command(method):
    """Mark a Simulation command: a successful outermost call is appended to
    `sim.history` as (name, args), which is what `record` saves as a scene."""

    @functools.wraps(method)
    def wrapper(self, *args):
        self._depth += 1
        try:
            result = method(self, *args)
        finally:
            self._depth -= 1
        if self._depth == 0:
            self.history.append((method.__name__, args))
        return result

    return wrapper
