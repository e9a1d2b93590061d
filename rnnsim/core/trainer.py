"""The training loop: `Trainer` runs minibatch BPTT epochs with Adam and clipping, keeps
the best epoch, and reports progress; the records it gives back. The rules it follows
(batches, loss, held-out part, stopping) are in rnnsim.core.train's docstring."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .corpus import Corpus, CorpusError, _as_corpus
from .minibatch import Batch, batch_loss_and_grads, make_batch
from .model import Model
from .optim import Adam, clip_grad_norm

# After an interrupt in the first epoch the held-out figures of the kept (current) weights
# are computed at once; scoring a token costs a row over the whole vocabulary, so they are
# computed on the held-out lines in order until this many logits (positions x vocabulary)
# are done: under a second here; all of an ordinary held-out part (the shipped corpora's
# need 0.7 and 3.1 million), the first two dozen tokens over a 200,000-word vocabulary.
# TrainResult.heldout_partial says what was covered.
INTERRUPT_EVAL_LOGITS = 5_000_000


class StopTraining(Exception):  # noqa: N818 - a signal, not an error
    """Raise from a callback to stop training cleanly (like Ctrl-C)."""


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20
    lr: float = 0.01
    batch_size: int = 32
    bptt: int = 64
    clip: float = 1.0
    seed: int = 0
    holdout: float = 0.1
    min_count: int = 1

    def check(self) -> None:
        if not (isinstance(self.epochs, int) and self.epochs >= 1):
            raise ValueError(f"epochs must be a whole number of at least 1, got {self.epochs!r}")
        if not (isinstance(self.batch_size, int) and self.batch_size >= 1):
            raise ValueError(f"batch size must be a whole number of at least 1, got {self.batch_size!r}")
        if not (isinstance(self.bptt, int) and self.bptt >= 2):
            raise ValueError(f"bptt must be a whole number of at least 2, got {self.bptt!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"the learning rate must be a positive number, got {self.lr!r}")
        if not (math.isfinite(self.clip) and self.clip >= 0):
            raise ValueError(f"clip must be 0 (off) or a positive number, got {self.clip!r}")
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"holdout must be a fraction from 0 to below 1, got {self.holdout!r}")
        if not (isinstance(self.min_count, int) and self.min_count >= 1):
            raise ValueError(f"min count must be a whole number of at least 1, got {self.min_count!r}")


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    train_loss: float  # mean cross-entropy per scored token over the epoch's batches (nats)
    heldout_loss: float  # on the held-out part (or the training lines when there is none)
    heldout_accuracy: float  # top-1 next-word (task next) or cloze (task cloze) accuracy
    grad_norm: float  # mean global gradient norm before clipping
    clipped: float  # fraction of batches whose gradient was clipped
    seconds: float
    tokens_per_s: float


@dataclass(frozen=True)
class Progress:
    """What the callback receives. kind: "batch" or "epoch"."""

    kind: str
    trainer: Trainer
    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based within the epoch
    batches: int
    tokens: int  # tokens trained on so far, all epochs
    loss: float  # this batch's (or, for "epoch", the epoch's) mean loss per token
    grad_norm: float
    tokens_per_s: float
    elapsed: float
    record: EpochRecord | None = None  # for kind == "epoch"


@dataclass
class TrainResult:
    model: Model  # the best model (lowest held-out loss)
    history: list[EpochRecord]
    best_epoch: int  # 0: no epoch finished (interrupted in the first)
    heldout_loss: float  # of the returned model
    heldout_accuracy: float
    heldout: bool  # False: there was no held-out part; the figures are on training lines
    interrupted: bool
    seconds: float
    tokens_per_s: float
    n_train: int  # training sentences
    n_heldout: int
    planned_epochs: int
    # (tokens scored, held-out tokens) when the held-out figures cover only the first part
    # of the held-out lines (interrupted in the first epoch, over a large vocabulary)
    heldout_partial: tuple[int, int] | None = None

    @property
    def perplexity(self) -> float:
        return math.exp(min(self.heldout_loss, 700.0))


class Trainer:
    """Trains `model` on `corpus`; `run()` does all epochs, `train_epoch()` one.

    Built by `train()`, or directly to continue training an existing model (its cell,
    sizes and vocabulary stay; words outside its vocabulary become <unk>). The trainer
    works on its own copy of the model.

    For a screen that trains live: run `run()` in a worker thread. The callback is
    called in that thread after every batch and every epoch; pause by blocking in it,
    stop by raising StopTraining, look at the weights with `event.trainer.current_model()`
    (a copy; call it from the callback, never while a batch is running). After a stop,
    `run()` goes on from the next epoch (the stopped epoch's finished batches stay).

    Memory: a batch holds [T, B, V] probabilities (T <= bptt), so with a large
    vocabulary lower the batch size."""

    def __init__(self, model: Model, corpus, config: TrainConfig = TrainConfig(), callback=None):
        config.check()
        self.corpus = _as_corpus(corpus)
        self.config = config
        self.callback: Callable[[Progress], object] | None = callback
        self.model = model.copy()
        self._label_ids = self._labels_of(self.corpus, self.model)
        self.train_idx, self.held_idx = self.corpus.split(config.holdout)
        self.heldout = bool(self.held_idx)
        eval_idx = self.held_idx or self.train_idx
        self._train_chunks = self._chunks(self.train_idx)
        self._eval_chunks = self._chunks(eval_idx)
        if self.model.task != "classify" and not any(any(y >= 0 for y in tg) for _, _, _, tg in self._train_chunks):
            raise CorpusError(
                f"{self.corpus.source}: no line has two or more tokens, so there is no next word to learn"
            )
        self.optimizer = Adam(self.model.params, lr=config.lr)
        self._rng = np.random.default_rng([config.seed, 0x5EED])
        self.history: list[EpochRecord] = []
        self.best_params: dict[str, np.ndarray] | None = None
        self.best_epoch = 0
        self.best_loss = math.inf
        self.best_accuracy = 0.0
        self.tokens = 0
        self._train_seconds = 0.0
        self.heldout_partial: tuple[int, int] | None = None

    # -- data
    @staticmethod
    def _labels_of(corpus: Corpus, model: Model) -> list[int] | None:
        """Each line's label as the model's head row (classify), else None."""
        if (model.task == "classify") != (corpus.labels is not None):
            want = "label<TAB>text lines" if model.task == "classify" else "plain text lines"
            raise CorpusError(f"{corpus.source}: a {model.task} model trains on {want}")
        if corpus.labels is None:
            return None
        unknown = sorted(set(corpus.labels) - set(model.labels))
        if unknown:
            raise CorpusError(
                f"{corpus.source}: label {unknown[0]!r} is not one of the model's: {', '.join(model.labels)}"
            )
        return [model.labels.index(x) for x in corpus.labels]

    def _chunks(self, idx: Sequence[int]):
        """(line, chunk number, ids, targets) for the given lines, cut at bptt tokens."""
        vocab, bptt, nxt = self.model.vocab, self.config.bptt, self.model.task == "next"
        out = []
        for line in idx:
            ids = vocab.encode(self.corpus.sentences[line])
            if self.model.task == "classify":  # the decision reads the whole line: one sequence, never cut
                out.append((line, 0, ids, [-1] * len(ids)))
                continue
            for k, start in enumerate(range(0, len(ids), bptt)):
                chunk = ids[start : start + bptt]
                if nxt:
                    tg = ids[start + 1 : start + bptt + 1]
                    tg = tg + [-1] * (len(chunk) - len(tg))
                else:
                    tg = list(chunk)
                out.append((line, k, chunk, tg))
        return out

    def _batches(self, chunks, batch_size, shuffle: bool):
        """Batches round by round (all first chunks, then all second chunks, ...)."""
        rounds: dict[int, list] = {}
        for ch in chunks:
            rounds.setdefault(ch[1], []).append(ch)
        for k in sorted(rounds):
            group = rounds[k]
            order = self._rng.permutation(len(group)) if shuffle else range(len(group))
            group = [group[i] for i in order]
            for s in range(0, len(group), batch_size):
                part = group[s : s + batch_size]
                keys = [(ln, k) for ln, k, _, _ in part]
                labels = [self._label_ids[ln] for ln, _, _, _ in part] if self._label_ids else None
                yield make_batch([(ids, tg) for _, _, ids, tg in part], keys=keys, labels=labels)

    def batches_per_epoch(self) -> int:
        bs = self.config.batch_size
        rounds: dict[int, int] = {}
        for ch in self._train_chunks:
            rounds[ch[1]] = rounds.get(ch[1], 0) + 1
        return sum(-(-n // bs) for n in rounds.values())

    def _initial_state(self, batch: Batch, carried: dict):
        """Each layer's forward state carried over from the chunk before ({layer: [B, H]})."""
        if self.model.task != "next" or not any(k[1] > 0 for k in batch.keys):
            return None, None
        H, B, L = self.model.hidden, len(batch.keys), self.model.num_layers
        h0 = {layer: np.zeros((B, H)) for layer in range(L)}
        c0 = {layer: np.zeros((B, H)) for layer in range(L)}
        for b, (line, k) in enumerate(batch.keys):
            if k > 0 and (line, k) in carried:
                hs, cs = carried.pop((line, k))
                for layer in range(L):
                    h0[layer][b] = hs[layer]
                    if cs is not None:
                        c0[layer][b] = cs[layer]
        return h0, (c0 if self.model.cell == "lstm" else None)

    @staticmethod
    def _carry(batch: Batch, extras, carried: dict) -> None:
        fin = extras["final"]
        for b, (line, k) in enumerate(batch.keys):
            hs = {layer: h[b].copy() for layer, h in fin["h"].items()}
            cs = {layer: c[b].copy() for layer, c in fin["c"].items()} if "c" in fin else None
            carried[(line, k + 1)] = (hs, cs)

    # -- evaluation
    def evaluate(self, params=None, chunks=None) -> tuple[float, float]:
        """(mean loss per scored token, top-1 accuracy) on the held-out part."""
        loss, accuracy, _ = self._evaluate(params, chunks)
        return loss, accuracy

    def _evaluate(self, params=None, chunks=None, budget: int | None = None) -> tuple[float, float, int]:
        """evaluate(), and how many tokens it scored. With a `budget` of logits
        (positions x vocabulary), it stops after the batch that reaches it."""
        model = self.model if params is None else self._with(params)
        chunks = self._eval_chunks if chunks is None else chunks
        total, correct, n, work = 0.0, 0, 0, 0
        carried: dict = {}
        # as many sequences at once as keep the [T, B, V] probabilities to ~32 MB
        bs = max(1, min(256, 4_000_000 // (self.config.bptt * len(self.model.vocab))))
        for batch in self._batches(chunks, bs, shuffle=False):
            if budget is not None and work >= budget:
                break
            h0, c0 = self._initial_state(batch, carried)
            loss, _, ex = batch_loss_and_grads(model, batch, h0, c0, backward=False)
            self._carry(batch, ex, carried)
            total += loss
            correct += ex["correct"]
            n += batch.n_scored
            work += batch.ids.size * len(model.vocab)
        return (total / n, correct / n, n) if n else (math.nan, math.nan, 0)

    def _scored_tokens(self, chunks) -> int:
        """How many tokens an evaluation of these chunks scores."""
        if self.model.task == "classify":
            return len(chunks)
        return sum(sum(y >= 0 for y in tg) for _, _, _, tg in chunks)

    def _with(self, params) -> Model:
        m = self.model.copy()
        m.params = {k: v.copy() for k, v in params.items()}
        return m

    def current_model(self) -> Model:
        """A copy of the model with the weights as they are now."""
        return self.model.copy()

    def _train_batches(self, epoch, batches, t0, tokens0, stats) -> None:
        cfg = self.config
        carried: dict = {}
        for j, batch in enumerate(batches, 1):
            h0, c0 = self._initial_state(batch, carried)
            n = batch.n_scored
            loss, grads, ex = batch_loss_and_grads(self.model, batch, h0, c0)
            self._carry(batch, ex, carried)
            if n == 0:
                continue
            for g in grads.values():
                g /= n
            norm = clip_grad_norm(grads, cfg.clip)
            stats["clipped"] += bool(cfg.clip and norm > cfg.clip)
            self.optimizer.step(self.model.params, grads)
            stats["loss"] += loss
            stats["scored"] += n
            stats["norms"].append(norm)
            self.tokens += batch.n_tokens
            if self.callback is not None:
                dt = time.perf_counter() - t0
                self.callback(Progress(
                    "batch", self, epoch, cfg.epochs, j, len(batches), self.tokens, loss / n, norm,
                    (self.tokens - tokens0) / dt if dt > 0 else 0.0, self._train_seconds + dt,
                ))  # fmt: skip

    # -- training
    def train_epoch(self, epoch: int) -> EpochRecord:
        cfg = self.config
        batches = list(self._batches(self._train_chunks, cfg.batch_size, shuffle=True))
        t0 = time.perf_counter()
        tokens0 = self.tokens
        stats = {"loss": 0.0, "scored": 0, "norms": [], "clipped": 0}
        try:
            self._train_batches(epoch, batches, t0, tokens0, stats)
        finally:  # also when interrupted: the time spent counts for tokens/s
            seconds = time.perf_counter() - t0
            self._train_seconds += seconds
        loss_sum, scored, norms, clipped = stats["loss"], stats["scored"], stats["norms"], stats["clipped"]
        hl, ha = self.evaluate()
        rec = EpochRecord(
            epoch=epoch,
            train_loss=loss_sum / scored if scored else math.nan,
            heldout_loss=hl,
            heldout_accuracy=ha,
            grad_norm=float(np.mean(norms)) if norms else 0.0,
            clipped=clipped / len(norms) if norms else 0.0,
            seconds=seconds,
            tokens_per_s=(self.tokens - tokens0) / seconds if seconds > 0 else 0.0,
        )
        self.history.append(rec)
        # (figures from part of the held-out lines cannot be compared: a whole epoch wins)
        if hl < self.best_loss or self.best_params is None or self.heldout_partial is not None:
            self.best_loss, self.best_accuracy, self.best_epoch = hl, ha, epoch
            self.heldout_partial = None
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.callback is not None:
            self.callback(Progress(
                "epoch", self, epoch, cfg.epochs, len(batches), len(batches), self.tokens, rec.train_loss,
                rec.grad_norm, rec.tokens_per_s, self._train_seconds, rec,
            ))  # fmt: skip
        return rec

    def run(self) -> TrainResult:
        interrupted = False
        t0 = time.perf_counter()
        try:
            for epoch in range(len(self.history) + 1, self.config.epochs + 1):
                self.train_epoch(epoch)
        except (KeyboardInterrupt, StopTraining):
            interrupted = True
        seconds = time.perf_counter() - t0
        if self.best_params is None:  # interrupted before the first epoch ended
            # answer the interrupt now: score the current weights within a bounded work
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
            total = self._scored_tokens(self._eval_chunks)
            try:
                self.best_loss, self.best_accuracy, done = self._evaluate(budget=INTERRUPT_EVAL_LOGITS)
            except KeyboardInterrupt:  # a second Ctrl-C: keep the weights, without their figures
                self.best_loss, self.best_accuracy, done = math.nan, math.nan, 0
            if done < total:
                self.heldout_partial = (done, total)
        model = self._with(self.best_params)
        model.meta = {k: v for k, v in model.meta.items() if not k.startswith("train.")}
        model.meta.update(self._provenance())
        return TrainResult(
            model=model,
            history=list(self.history),
            best_epoch=self.best_epoch,
            heldout_loss=self.best_loss,
            heldout_accuracy=self.best_accuracy,
            heldout=self.heldout,
            interrupted=interrupted,
            seconds=seconds,
            tokens_per_s=self.tokens / self._train_seconds if self._train_seconds > 0 else 0.0,
            n_train=len(self.train_idx),
            n_heldout=len(self.held_idx),
            planned_epochs=self.config.epochs,
            heldout_partial=self.heldout_partial,
        )

    def _provenance(self) -> dict[str, str]:
        """Metadata saved with the model: how it was trained (no clock, so files reproduce)."""
        c = self.config
        meta = {
            "train.corpus": Path(self.corpus.source).name,
            "train.corpus_sha256": self.corpus.sha256,
            "train.epochs": str(len(self.history)),
            "train.best_epoch": str(self.best_epoch),
            "train.seed": str(c.seed),
            "train.lr": repr(c.lr),
            "train.batch_size": str(c.batch_size),
            "train.bptt": str(c.bptt),
            "train.clip": repr(c.clip),
            "train.holdout": repr(c.holdout),
            "train.min_count": str(c.min_count),
        }
        if self.heldout_partial is None or self.heldout_partial[0] > 0:  # (0: none scored, no figure)
            meta["train.heldout_loss"] = f"{self.best_loss:.6f}"
            meta["train.heldout_accuracy"] = f"{self.best_accuracy:.6f}"
        if self.heldout_partial is not None:
            meta["train.heldout_tokens"] = "{} of {}".format(*self.heldout_partial)
        if "train.forget_bias" in self.model.meta:  # set by new_model()
            meta["train.forget_bias"] = self.model.meta["train.forget_bias"]
        return meta
