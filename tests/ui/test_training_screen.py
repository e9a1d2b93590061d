"""Live training: the worker-side object without a screen, and the screen with a pilot."""

import time

import pytest

from rnnsim.sim import Settings, Simulation
from rnnsim.sim.training import LiveTraining
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.screens.train import TrainScreen

from ..waiting import until, until_sync

TEXT = "The cat sat on the mat."
SENTENCES = ["the cat sat on the mat .", "the dog sat on the rug .", "a cat slept on the bed ."] * 6


@pytest.fixture
def small_corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(SENTENCES), encoding="utf-8")
    return path


def test_runs_every_epoch_and_records_what_the_screen_shows(small_corpus):
    live = LiveTraining(TEXT.split(), cell="gru", hidden=8, embed=4, epochs=3, corpus_path=small_corpus)
    first = live.snapshot()
    assert first.state == "ready" and len(first.probe_norms) == 1  # the untrained model's gradient
    live.run()
    snap = live.snapshot()
    assert snap.state == "done" and [e.epoch for e in snap.epochs_done] == [1, 2, 3]
    assert len(snap.probe_norms) == 4 and len(snap.probe_guess) == 4
    assert len(snap.batch_losses) >= 3 and snap.batch_losses[-1] < snap.batch_losses[0]
    assert live.latest.vocab.lookup("mat") != live.latest.vocab.unk_id


def test_pause_holds_the_worker_and_stop_ends_it(small_corpus):
    import threading

    live = LiveTraining(TEXT.split(), cell="rnn", hidden=8, embed=4, epochs=500, corpus_path=small_corpus)
    worker = threading.Thread(target=live.run)
    worker.start()
    until_sync(lambda: live.snapshot().batch_losses, "the first batch")
    live.pause()
    until_sync(lambda: live.parked, "the batch in flight to finish and the worker to wait")
    n = len(live.snapshot().batch_losses)
    time.sleep(0.3)
    assert len(live.snapshot().batch_losses) == n and live.state == "paused" and live.parked
    live.resume()
    live.stop()
    worker.join(10)
    assert not worker.is_alive() and live.state == "stopped"


async def test_train_key_trains_live_and_use_puts_the_model_in_the_session():
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="gru")))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TrainScreen)
        live = app.screen.live
        # an epoch of the shipped corpus (117,821 tokens, 875 words) takes tens of seconds
        # on a busy 2-core machine
        await until(pilot, lambda: live.snapshot().epochs_done, "the first epoch", deadline=180)
        await pilot.press("space")
        assert live.state == "paused"
        await until(pilot, lambda: "held-out loss" in app.screen_text(), "the screen to show the epoch")
        await pilot.press("space")
        assert live.state in ("training", "done")
        await pilot.press("u")
        assert not isinstance(app.screen, TrainScreen)
        assert app.sim.origin.startswith("trained here") and app.sim.model.cell == "gru"
        assert app.sim.model.vocab.lookup("mat") != app.sim.model.vocab.unk_id


async def test_a_redraw_that_fires_while_the_screen_closes_does_nothing():
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="rnn")))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen, "the training screen to close")
        screen.redraw()  # its panels are gone; this raised NoMatches before the guard


async def test_quitting_the_app_while_it_trains_stops_the_training_thread():
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="gru")))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        live = app.screen.live
        await until(pilot, lambda: live.snapshot().batch_losses, "the first batch")
        app.exit()
    until_sync(lambda: live.state == "stopped", "the worker to stop at its next batch", deadline=10)
    assert len(live.snapshot().epochs_done) < live.epochs  # it did not run to the end


async def test_the_gradient_on_your_text_names_the_loss_the_gradient_view_starts_with():
    # It said "from the loss at the last word" over the loss of the closing full stop; the
    # app's gradient view starts at "mat" (predicted after "the"): the screen now traces that.
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="rnn")))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, TrainScreen) and screen.live.snapshot().probe_position == app.sim.loss_mode == 4
        await until(pilot, lambda: "from the loss on “mat”" in app.screen_text(), "the gradient's title")
        assert "top guess after “the”" in app.screen_text()
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen, "the training screen to close")
