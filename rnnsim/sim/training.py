"""Training that a screen can watch: a Trainer run in a worker thread, with pause,
resume and stop, and a thread-safe record of what happened so far.

No screen here. The training screen starts `run()` in a thread worker and draws
`snapshot()` a few times a second; everything it shows is computed here.

What is trained: a new model with the session's cell, direction and hidden size, on the
shipped corpus (or a corpus file), with the session's seed. (The session's own model may
have a vocabulary made from its text, which a corpus cannot teach.) After every epoch
the current weights are run on the session's text to show how the gradient that
reaches each word changes as the network learns.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.corpus import build_vocab, read_corpus
from ..core.model import Model
from ..core.shipped import DATA_DIR
from ..core.train import StopTraining, TrainConfig, Trainer, new_model
from .build import default_loss

CORPUS = DATA_DIR / "corpus.txt"


@dataclass(frozen=True)
class EpochView:
    epoch: int
    train_loss: float
    heldout_loss: float
    heldout_accuracy: float
    tokens_per_s: float


@dataclass(frozen=True)
class TrainingSnapshot:
    state: str  # ready | training | paused | done | stopped | failed
    epoch: int
    epochs: int
    batch: int
    batches: int
    batch_losses: tuple[float, ...]
    epochs_done: tuple[EpochView, ...]
    probe_norms: tuple[np.ndarray, ...]  # ||dL/dh_t|| on the session's text: before training, then per epoch
    probe_guess: tuple[str, ...]  # the top guess at the last scored position, likewise
    probe_position: int  # that position
    tokens_per_s: float
    error: str = ""


@dataclass
class LiveTraining:
    tokens: list[str]
    cell: str = "lstm"
    bidirectional: bool = False
    hidden: int = 32
    embed: int = 16
    seed: int = 0
    epochs: int = 20
    corpus_path: Path = CORPUS
    state: str = "ready"
    _losses: list[float] = field(default_factory=list)
    _epochs: list[EpochView] = field(default_factory=list)
    _norms: list[np.ndarray] = field(default_factory=list)
    _guesses: list[str] = field(default_factory=list)

    def __post_init__(self):
        corpus = read_corpus(self.corpus_path)
        config = TrainConfig(epochs=self.epochs, seed=self.seed)
        train_idx, _ = corpus.split(config.holdout)
        vocab = build_vocab(corpus.sentences[i] for i in train_idx)
        model = new_model(self.cell, vocab, hidden=self.hidden, embed=self.embed,
                          bidirectional=self.bidirectional, seed=self.seed)  # fmt: skip
        self.trainer = Trainer(model, corpus, config, callback=self._on_progress)
        self.latest: Model = model
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._running.set()
        self._parked = threading.Event()  # set while the worker waits out a pause
        self._stop = False
        self._batch = (0, 0, 0)  # epoch, batch, batches
        self._tps = 0.0
        self._error = ""
        self._probe_at = len(self.tokens) - 1
        self._probe(model)

    # ---------------------------------------------------------- worker side

    def run(self) -> None:
        """Train every epoch (call in a worker thread)."""
        self.state = "training"
        try:
            result = self.trainer.run()
        except Exception as e:  # noqa: BLE001 - shown on screen, the app keeps running
            self.state, self._error = "failed", f"training stopped: {e}"
            return
        self.latest = result.model
        self.state = "stopped" if result.interrupted else "done"

    def _probe(self, model: Model) -> None:
        # the loss the app's gradient view starts with (the last word the model knows),
        # not the closing full stop's, nearly certain once trained
        tr = model.run(self.tokens, loss=default_loss(model, self.tokens))
        t = max(tr.loss_positions) if tr.loss_positions else len(self.tokens) - 1
        self._probe_at = t
        guess = model.vocab.tokens[int(np.argmax(tr.probs[t]))]
        with self._lock:
            self._norms.append(tr.forward.grad_norms())
            self._guesses.append(guess)

    def _on_progress(self, ev) -> None:
        if self._stop:
            raise StopTraining
        with self._lock:
            if ev.kind == "batch":
                self._losses.append(float(ev.loss))
            self._batch = (ev.epoch, ev.batch, ev.batches)
            self._tps = ev.tokens_per_s
        if ev.kind == "epoch":
            r = ev.record
            model = ev.trainer.current_model()
            self.latest = model
            with self._lock:
                self._epochs.append(EpochView(r.epoch, r.train_loss, r.heldout_loss, r.heldout_accuracy,
                                              r.tokens_per_s))  # fmt: skip
            self._probe(model)
        if not self._running.is_set():  # paused: hold the worker here
            self._parked.set()
            try:
                while not self._running.wait(0.1):
                    if self._stop:
                        raise StopTraining
            finally:
                self._parked.clear()

    # ---------------------------------------------------------- screen side

    def pause(self) -> None:
        if self.state == "training":
            self._running.clear()
            self.state = "paused"

    def resume(self) -> None:
        if self.state == "paused":
            self.state = "training"
            self._running.set()

    def toggle_pause(self) -> None:
        if self.state == "paused":
            self.resume()
        else:
            self.pause()

    @property
    def parked(self) -> bool:
        """True once a pause has taken hold: the batch that was running has finished and
        the worker is waiting (until then the loss curve may still grow by one batch)."""
        return self._parked.is_set()

    def stop(self) -> None:
        self._stop = True
        self._running.set()

    def snapshot(self) -> TrainingSnapshot:
        with self._lock:
            epoch, batch, batches = self._batch
            return TrainingSnapshot(
                state=self.state, epoch=epoch, epochs=self.epochs, batch=batch, batches=batches,
                batch_losses=tuple(self._losses), epochs_done=tuple(self._epochs),
                probe_norms=tuple(self._norms), probe_guess=tuple(self._guesses), probe_position=self._probe_at,
                tokens_per_s=self._tps, error=self._error,
            )  # fmt: skip
