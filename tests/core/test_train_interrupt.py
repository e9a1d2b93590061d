"""Ctrl-C (or StopTraining) in the first epoch answers at once, even with a huge vocabulary.

No epoch has finished, so the kept model is the current weights and its held-out figures
must be computed now. Scoring a token costs a row of the whole vocabulary, so over a
200,000-word vocabulary the full held-out part took minutes after the interrupt. Now, after
an interrupt, the held-out lines are scored until a fixed amount of work
(INTERRUPT_EVAL_LOGITS logits) is done, and the result says how many tokens that covered.
A held-out part that fits in the budget (any ordinary corpus) is still scored whole.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnsim.core import trainer as trainer_module
from rnnsim.core.corpus import Corpus, build_vocab
from rnnsim.core.train import StopTraining, TrainConfig, Trainer, new_model

RNG = np.random.default_rng(0)
# 300 lines of 8 words drawn from 3,000: a vocabulary of about 1,700 words
LINES = [" ".join(f"w{i}" for i in RNG.integers(0, 3000, 8)) for _ in range(300)]
BUDGET = 40_000  # logits: about 24 scored tokens of this vocabulary


def _trainer(callback, lines=LINES):
    corpus = Corpus.from_lines(lines)
    config = TrainConfig(epochs=3, batch_size=4, seed=0, holdout=0.2)
    train_idx, _ = corpus.split(config.holdout)
    model = new_model("rnn", build_vocab(corpus.sentences[i] for i in train_idx), hidden=6, embed=4, seed=0)
    return Trainer(model, corpus, config, callback=callback)


@pytest.fixture
def counted(monkeypatch):
    """The logits (T x B x V) each evaluation batch computes, in order."""
    monkeypatch.setattr(trainer_module, "INTERRUPT_EVAL_LOGITS", BUDGET)
    work: list[int] = []
    real = trainer_module.batch_loss_and_grads

    def counting(model, batch, h0=None, c0=None, backward=True):
        if not backward:
            work.append(batch.ids.size * len(model.vocab))
        return real(model, batch, h0, c0, backward=backward)

    monkeypatch.setattr(trainer_module, "batch_loss_and_grads", counting)
    return work


def _total_scored(trainer: Trainer) -> int:
    return sum(sum(y >= 0 for y in tg) for _, _, _, tg in trainer._eval_chunks)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, StopTraining])
def test_an_interrupt_in_the_first_epoch_scores_a_bounded_part(counted, stop):
    def callback(ev):
        if ev.kind == "batch" and ev.batch == 2:
            raise stop

    trainer = _trainer(callback)
    res = trainer.run()
    assert res.interrupted and res.best_epoch == 0 and res.history == []
    last_batch = counted[-1]
    assert sum(counted) - last_batch < BUDGET  # it stopped at the first batch past the budget
    done, total = res.heldout_partial
    assert total == _total_scored(trainer) and 0 < done < total
    assert math.isfinite(res.heldout_loss) and 0 <= res.heldout_accuracy <= 1
    assert res.model.meta["train.heldout_tokens"] == f"{done} of {total}"
    for k, v in trainer.model.params.items():  # the kept weights are the current ones
        np.testing.assert_array_equal(res.model.params[k], v)


def test_ctrl_c_during_the_first_epochs_own_evaluation_is_bounded_too(counted):
    """Ctrl-C while the first epoch's full evaluation runs must not start it over."""
    calls = []

    def interrupt_the_evaluation(ev):
        if ev.kind == "batch" and ev.batch == ev.batches:  # the epoch's last batch: evaluation is next
            real = trainer_module.batch_loss_and_grads

            def once(*a, **k):
                if not calls:
                    calls.append(1)
                    raise KeyboardInterrupt
                return real(*a, **k)

            trainer_module.batch_loss_and_grads = once

    trainer = _trainer(interrupt_the_evaluation)
    res = trainer.run()
    assert res.interrupted and res.best_epoch == 0
    assert res.heldout_partial is not None and sum(counted) - counted[-1] < BUDGET


def test_a_finished_epoch_is_always_scored_on_every_held_out_token(counted):
    trainer = _trainer(None)
    res = trainer.run()
    assert not res.interrupted and res.heldout_partial is None
    assert "train.heldout_tokens" not in res.model.meta
    assert sum(counted) > 3 * BUDGET  # the budget is only for answering an interrupt


def test_a_held_out_part_within_the_budget_is_scored_whole_after_an_interrupt(counted):
    """An ordinary corpus: the figures after Ctrl-C are exactly the full evaluation's."""
    tiny = ["the cat sat on the mat .", "the dog slept on the rug .", "a bird sang in the tree ."] * 4

    def callback(ev):
        if ev.kind == "batch" and ev.batch == 2:
            raise KeyboardInterrupt

    trainer = _trainer(callback, tiny)
    res = trainer.run()
    assert res.interrupted and res.heldout_partial is None
    assert (res.heldout_loss, res.heldout_accuracy) == trainer.evaluate()


def test_the_summary_says_what_was_skipped(counted):
    from rnnsim.cli_train import summary

    def callback(ev):
        if ev.kind == "batch" and ev.batch == 2:
            raise KeyboardInterrupt

    res = _trainer(callback).run()
    done, total = res.heldout_partial
    text = summary(res, "big.txt", None)
    assert f"held-out figures from the first {done:,} of {total:,} held-out tokens" in text
    assert "the rest was skipped" in text


def test_the_next_finished_epoch_replaces_figures_from_part_of_the_lines(counted):
    """Partial figures cannot be compared with a whole evaluation: after a stop in the first
    epoch, `run()` goes on, and its first finished epoch is kept whatever the numbers say."""
    stops = []

    def callback(ev):
        if ev.kind == "batch" and ev.batch == 2 and not stops:
            stops.append(1)
            raise StopTraining

    trainer = _trainer(callback)
    first = trainer.run()
    assert first.heldout_partial is not None
    trainer.best_loss = -1.0  # as if the few tokens scored had been perfect
    res = trainer.run()
    assert res.best_epoch == 1 and res.heldout_partial is None and res.heldout_loss > 0
    assert "train.heldout_tokens" not in res.model.meta


def _second_ctrl_c_in_the_evaluation(monkeypatch):
    """Ctrl-C at the first epoch's second batch, then again at the first batch of the
    evaluation that answers it."""
    real = trainer_module.batch_loss_and_grads
    seen = {"train": 0, "eval": 0}

    def pressed_twice(model, batch, h0=None, c0=None, backward=True):
        kind = "train" if backward else "eval"
        seen[kind] += 1
        if (kind, seen[kind]) in (("train", 2), ("eval", 1)):
            raise KeyboardInterrupt
        return real(model, batch, h0, c0, backward=backward)

    monkeypatch.setattr(trainer_module, "batch_loss_and_grads", pressed_twice)
    return seen


def _run(trainer: Trainer):
    try:
        return trainer.run()
    except KeyboardInterrupt:  # (escaping, it would stop pytest itself)
        pytest.fail("the second Ctrl-C escaped Trainer.run(): the weights the first one kept were lost")


def test_a_second_ctrl_c_skips_the_evaluation_and_keeps_the_weights(monkeypatch):
    """The user stopped training (keep the weights), then asked not to wait for their
    figures: the weights are kept, with no held-out figures, and nothing pretends to be one."""
    seen = _second_ctrl_c_in_the_evaluation(monkeypatch)
    trainer = _trainer(None)
    res = _run(trainer)
    assert seen == {"train": 2, "eval": 1}  # both presses landed where they were meant to
    assert res.interrupted and res.best_epoch == 0 and res.history == []
    assert res.heldout_partial == (0, _total_scored(trainer))
    assert math.isnan(res.heldout_loss) and math.isnan(res.heldout_accuracy)
    meta = res.model.meta
    assert meta["train.heldout_tokens"] == f"0 of {_total_scored(trainer)}"
    assert "train.heldout_loss" not in meta and "train.heldout_accuracy" not in meta
    for k, v in trainer.model.params.items():  # the kept weights are the current ones
        np.testing.assert_array_equal(res.model.params[k], v)


def test_the_summary_says_there_are_no_held_out_figures(monkeypatch):
    from rnnsim.cli_train import summary

    _second_ctrl_c_in_the_evaluation(monkeypatch)
    text = summary(_run(_trainer(None)), "big.txt", None)
    assert "no held-out figures: a second Ctrl-C skipped scoring the kept weights" in text
    assert "nan" not in text and "held-out loss" not in text  # no figure that is not one
