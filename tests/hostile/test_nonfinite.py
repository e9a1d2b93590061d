"""A relu network whose state overflows: every view shows inf/nan as such, nothing crashes,
and `trace` says so."""

from __future__ import annotations

import asyncio
import json
import warnings

import numpy as np
import pytest

from rnnsim.core import Vocab, random_model, save_model

from ..cli_run import run_main

TEXT = " ".join(["a b"] * 40)


@pytest.fixture
def overflowing(tmp_path):
    m = random_model("rnn", vocab=Vocab(["<unk>", "a", "b"]), hidden=4, embed=3, seed=0)
    m.nonlinearity = "relu"
    for name in ("rnn.weight_hh_l0", "rnn.weight_ih_l0", "embedding.weight"):
        m.params[name][:] = 1e4  # the state grows 40,000x per word: infinite by word 70
    path = tmp_path / "relu.safetensors"
    save_model(m, path)
    return path


def test_gradient_view_of_an_overflowed_state(overflowing):
    """The gradient panel raised OverflowError (log10 of an infinite ratio)."""
    from rnnsim.sim import Settings, Simulation
    from rnnsim.ui.app import RnnsimApp

    async def go():
        sim = Simulation.from_settings(TEXT, Settings(source="file", path=str(overflowing)))
        app = RnnsimApp(sim)
        async with app.run_test(size=(120, 36)) as pilot:
            for key in ("end", "b", "right", "right", "L", "right", "L", "m", "escape", "escape", "home"):
                await pilot.press(key)
                await pilot.pause()
            shown = app.screen_text()
            await pilot.press("end", "b")
            await pilot.pause()
            return sim, shown, app.screen_text()

    with np.errstate(all="ignore"):
        sim, _, gradient_view = asyncio.run(go())
    assert not np.all(np.isfinite(sim.trace.forward.h))  # the premise: it did overflow
    assert "inf" in gradient_view or "nan" in gradient_view  # shown as such, not hidden


def test_trace_reports_the_overflow(overflowing, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once as a note, not as NumPy's RuntimeWarnings
        code, out, err = run_main(["trace", "--model", str(overflowing), TEXT], capsys)
    assert code == 0
    assert "overflowed to infinity or NaN" in err
    assert " inf " in out or "nan" in out
    code, out, _ = run_main(["trace", "--json", "--model", str(overflowing), TEXT], capsys)
    d = json.loads(out)  # strict JSON: null where the number overflowed
    assert None in d["forward"]["h"][-1]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_trace_keeps_its_columns_when_a_state_is_huge_but_finite(tmp_path, capsys, cell):
    """|h| of 1e69 was printed as a 70-digit fixed-point number that pushed every later
    column out of line; a number too wide for its column is written as 1.23e+69."""
    m = random_model(cell, vocab=Vocab(["<unk>", "a", "b"]), hidden=4, embed=3, seed=0, bidirectional=True)
    if cell == "rnn":
        m.nonlinearity = "relu"
        for name in ("rnn.weight_hh_l0", "rnn.weight_hh_l0_reverse"):
            m.params[name][:] = 1e3  # the state grows ~4,000x per word: 1e60 and more by word 17
    path = tmp_path / "m.safetensors"
    save_model(m, path)
    code, out, _ = run_main(["trace", "--model", str(path), " ".join(["a b"] * 10)], capsys)
    assert code == 0
    table = out.splitlines()[2:]
    assert len({len(row) for row in table}) == 1, "\n".join(table)
    if cell == "rnn":
        assert "e+" in table[-1]
