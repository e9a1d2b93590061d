"""Waiting for something that happens on a timer or in a thread, without guessing a delay.

A fixed `pilot.pause(0.3)` fails on a busy CI machine; these poll the condition and give
up only after a generous deadline, so they are fast when the machine is and still fail
when the thing never happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEADLINE = 20.0  # seconds: far beyond any healthy run, short enough to end a hung test


async def until(pilot, condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"waited {deadline:.0f} s for {what}")
        await pilot.pause(0.02)


def until_sync(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"waited {deadline:.0f} s for {what}")
        time.sleep(0.01)
