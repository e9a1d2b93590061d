"""The recorded training history the `learning` lesson replays: it belongs to the shipped
models' corpus and training options, it is read safely, and a session steps through it."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from rnnsim.core.shipped import DATA_DIR
from rnnsim.sim import SimError, Simulation
from rnnsim.sim.learning import FIGURES, HISTORY_FILE, load_history, parse_history, shipped_history

ROOT = Path(__file__).resolve().parents[2]


def make_models():
    spec = importlib.util.spec_from_file_location("make_models", ROOT / "scripts" / "make_models.py")
    mm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mm)
    return mm


def test_the_history_was_recorded_on_the_shipped_corpus_with_the_shipped_options():
    """Retraining the models on a new corpus, or with new options, without recording the
    history again (scripts/record_learning.py) fails here."""
    h = shipped_history()
    mm = make_models()
    assert h.corpus_sha256 == hashlib.sha256((DATA_DIR / "corpus.txt").read_bytes()).hexdigest()
    for cell, run in h.runs.items():
        spec = dict(mm.SPECS[cell])
        assert run.options == {**spec, "epochs": run.options["epochs"]}
        assert run.shipped_epochs == spec["epochs"] and run.epochs >= spec["epochs"]


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_the_best_epoch_recorded_is_the_shipped_model(cell):
    """The shipped models reproduce bit for bit on this machine's BLAS (README): the epoch
    make_models keeps measures in the record as the shipped model does."""
    from rnnsim.core.probes import long_range_report
    from rnnsim.core.shipped import load_shipped

    run = shipped_history().runs[cell]
    model = load_shipped(cell)
    assert int(model.meta["train.best_epoch"]) == run.best_epoch
    assert run.figures["heldout_loss"][run.best_epoch] == pytest.approx(
        float(model.meta["train.heldout_loss"]), abs=1e-6
    )
    report = long_range_report(model)
    assert run.figures["long_range_accuracy"][run.best_epoch] == report.accuracy
    assert run.figures["cue_gradient"][run.best_epoch] == pytest.approx(report.ratio, rel=1e-5)


def test_best_epoch_is_the_lowest_held_out_loss_of_the_shipped_training():
    for run in shipped_history().runs.values():
        loss = run.figures["heldout_loss"][: run.shipped_epochs + 1]
        assert run.best_epoch == int(np.nanargmin(loss[1:])) + 1


def test_every_figure_is_there_for_every_epoch():
    for run in shipped_history().runs.values():
        for name in FIGURES:
            series = run.figures[name]
            assert len(series) == run.epochs + 1
            assert np.all(np.isfinite(series[1:]))
        assert np.isnan(run.figures["train_loss"][0])  # nothing trained before epoch 1


def test_a_session_steps_through_the_epochs():
    sim = Simulation.from_settings("The cat sat on the mat.")
    assert sim.epoch == 0
    v = sim.version
    sim.set_epoch(5)
    assert sim.epoch == 5 and sim.version != v and sim.history[-1] == ("set_epoch", (5,))
    last = shipped_history().epochs
    for bad in (-1, last + 1, 2.5, True):
        with pytest.raises(SimError, match=f"epochs 0 to {last}"):
            sim.set_epoch(bad)


def _doc():
    return json.loads(HISTORY_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("format"),
        lambda d: d["runs"].pop("rnn"),
        lambda d: d["runs"]["lstm"]["epochs"][3].pop("heldout_loss"),
        lambda d: d["runs"]["lstm"]["epochs"][3].update(heldout_loss="high"),
        lambda d: d["runs"]["rnn"].update(best_epoch=999),
        lambda d: d["runs"]["rnn"].pop("shipped_epochs"),
        lambda d: d["runs"]["rnn"].update(epochs=[]),
    ],
)
def test_a_damaged_history_is_one_line(damage):
    doc = _doc()
    damage(doc)
    with pytest.raises(SimError, match="damaged") as e:
        parse_history(doc)
    assert "\n" not in str(e.value)


def test_an_unreadable_history_is_one_line(tmp_path):
    bad = tmp_path / "learning.json"
    bad.write_bytes(b"\xff{not json")
    with pytest.raises(SimError, match="cannot read the training history"):
        load_history(bad)
    with pytest.raises(SimError, match="cannot read"):
        load_history(tmp_path / "missing.json")


def test_the_recording_trains_exactly_as_make_models_does():
    """record_learning.py measures every epoch of the very training make_models.py runs:
    the same held-out loss after the first epoch, to the last bit."""
    from rnnsim.core.train import train

    spec = importlib.util.spec_from_file_location("record_learning", ROOT / "scripts" / "record_learning.py")
    rl = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rl)
    rec = rl.record("rnn", 1)
    direct = train(rl.make_models.CORPUS, **dict(rl.make_models.SPECS["rnn"], epochs=1))
    assert rec["epochs"][1]["heldout_loss"] == direct.history[0].heldout_loss
    assert rec["epochs"][1]["train_loss"] == direct.history[0].train_loss
    assert rec["options"] == dict(rl.make_models.SPECS["rnn"], epochs=1)
