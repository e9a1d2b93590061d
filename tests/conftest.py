"""Test-wide settings: nothing time- or environment-dependent leaks into results."""

import os

import pytest

# Set before any textual import: animations off so snapshots and pilots are stable.
os.environ["TEXTUAL_ANIMATIONS"] = "none"


@pytest.fixture(autouse=True)
def _stable_environment(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("COLUMNS", "120")
