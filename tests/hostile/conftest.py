"""Hostile-input tests: each test that changes a limit gets the defaults back after it."""

import dataclasses

import pytest

from rnnsim.core.limits import LIMITS


@pytest.fixture(autouse=True)
def _default_limits():
    saved = dataclasses.replace(LIMITS)
    yield
    for f in dataclasses.fields(LIMITS):
        setattr(LIMITS, f.name, getattr(saved, f.name))


def one_clear_line(err: str) -> str:
    """The error is one line: no traceback, no exception class name."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Error:" not in err.replace("rnnsim: error:", ""), err
    return lines[0]
