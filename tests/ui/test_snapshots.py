"""Snapshot tests: the screen as a picture, at the reference size 120x36 (and 80x24).

Random models with fixed seeds, so these pictures do not move when the shipped trained
models are retrained; the default app (trained LSTM) has one picture of its own.
After an intended change: look at the new pictures, then `pytest tests/ui --snapshot-update`.
"""

import pytest

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp

TEXT = "The cat sat on the mat."
SIZE = (120, 36)


def app_for(text=TEXT, **kw) -> RnnsimApp:
    kw.setdefault("source", "random")
    return RnnsimApp(Simulation.from_settings(text, Settings(**kw)))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("steps", [0, 3, 7])
def test_cell_at_step(snap_compare, cell, steps):
    assert snap_compare(app_for(cell=cell), press=["right"] * steps, terminal_size=SIZE)


def test_vanishing_gradient_in_a_plain_rnn(snap_compare):
    """Loss at the last word, traced back to the first: the bars shrink decade by decade."""
    app = app_for(cell="rnn")
    assert app.sim.loss_mode == 4  # the default: one word's loss ("mat" after "the"), so the shrinking is plain
    assert snap_compare(app, press=["b", "end"], terminal_size=SIZE)


def test_lstm_gradient_view_halfway(snap_compare):
    assert snap_compare(app_for(cell="lstm"), press=["b", "right", "right"], terminal_size=SIZE)


def test_bidirectional_lstm_midway(snap_compare):
    assert snap_compare(app_for(cell="lstm", bidirectional=True), press=["right"] * 4, terminal_size=SIZE)


def test_bidirectional_gru_gradient(snap_compare):
    assert snap_compare(app_for(cell="gru", bidirectional=True), press=["b", "right"], terminal_size=SIZE)


def test_compare_screen(snap_compare):
    assert snap_compare(app_for(), press=["m"], terminal_size=SIZE)


def test_help_screen(snap_compare):
    assert snap_compare(app_for(), press=["question_mark"], terminal_size=SIZE)


def test_small_terminal_notice(snap_compare):
    assert snap_compare(app_for(), terminal_size=(50, 14))


def test_80x24(snap_compare):
    assert snap_compare(app_for(), press=["right", "right", "right"], terminal_size=(80, 24))


def test_default_app_on_the_trained_lstm(snap_compare):
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings()))
    assert snap_compare(app, press=["right"] * 5, terminal_size=SIZE)


def test_monochrome_under_no_color(snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(app_for(cell="lstm"), press=["right"] * 4, terminal_size=SIZE)
