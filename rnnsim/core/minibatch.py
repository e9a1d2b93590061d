"""Minibatches for training: B sequences padded to one length, through the same stack
and head as one sequence (`[T, B, ...]` arrays), so a batch's gradient is exactly the
sum of `model.run`'s gradients of its sequences (a test proves it).

Padding sits at the end of every sequence, in both directions (stack.py reverses each
sequence within its own length), and is never scored, so no mask is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import heads, stack


@dataclass
class Batch:
    """B sequences padded to T: ids/targets [T, B] (target -1: not scored), mask [T, B];
    labels [B] for a classifier (-1: none)."""

    ids: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    keys: list = field(default_factory=list)  # (line, chunk) of each column, for carried state
    labels: np.ndarray | None = None

    @property
    def lengths(self) -> np.ndarray:
        return self.mask.sum(axis=0)

    @property
    def n_tokens(self) -> int:
        return int(self.mask.sum())

    @property
    def n_scored(self) -> int:
        if self.labels is not None:
            return int((self.labels >= 0).sum())
        return int((self.targets >= 0).sum())


def make_batch(seqs: Sequence[tuple[Sequence[int], Sequence[int]]], keys=None, labels=None) -> Batch:
    """Pad (ids, targets) pairs into a Batch; a target of -1 (or None) is not scored."""
    T = max(len(ids) for ids, _ in seqs)
    B = len(seqs)
    ids_a = np.zeros((T, B), dtype=np.int64)
    tg_a = np.full((T, B), -1, dtype=np.int64)
    mask = np.zeros((T, B), dtype=bool)
    for b, (ids, tg) in enumerate(seqs):
        n = len(ids)
        ids_a[:n, b] = ids
        tg_a[:n, b] = [-1 if y is None else y for y in tg]
        mask[:n, b] = True
    keys = list(keys) if keys is not None else [None] * B
    return Batch(ids_a, tg_a, mask, keys, None if labels is None else np.asarray(labels, dtype=np.int64))


def batch_loss_and_grads(model, batch: Batch, h0=None, c0=None, backward: bool = True):
    """Forward (and backward) over a batch. Returns (sum of cross-entropy over the scored
    positions, gradients of that sum by tensor name or None, extras) where extras holds
    "correct" (top-1 hits where scored) and "final" (each layer's forward state after each
    sequence, {"h": {layer: [B, H]}, "c": ...}, for truncated BPTT).
    h0/c0: {layer: [B, H]} initial forward states (zeros when None)."""
    P = model.params
    T, B = batch.ids.shape
    lengths = batch.lengths
    X = P["embedding.weight"][batch.ids]  # [T, B, E]
    init_h = None if h0 is None else {(k, "forward"): v for k, v in h0.items()}
    init_c = None if c0 is None else {(k, "forward"): v for k, v in c0.items()}
    layers = stack.forward(model, X, lengths, init_h, init_c)
    top = {d: p.h for d, p in layers[-1].items()}
    feats = heads.read(model.task, top, lengths)
    flat_feats = feats.reshape(-1, feats.shape[-1])
    if model.task == "classify":
        rows = np.flatnonzero(batch.labels >= 0)
        want = batch.labels[rows]
    else:
        rows = np.flatnonzero(batch.targets.reshape(-1) >= 0)
        want = batch.targets.reshape(-1)[rows]
    # The head only where a word is scored: padding and unscored positions would cost a
    # softmax over the whole vocabulary each (most of a padded batch's time) for nothing.
    scored = flat_feats[rows]
    logits = scored @ P["head.weight"].T + P["head.bias"]
    probs, loss, dlogits = heads.cross_entropy(logits, np.arange(len(rows)), want)
    correct = int((probs.argmax(axis=-1) == want).sum())
    last = (lengths - 1, np.arange(B))
    final = {"h": {k: runs["forward"].h[last] for k, runs in enumerate(layers)}}
    if model.cell == "lstm":
        final["c"] = {k: runs["forward"].st["c"][last] for k, runs in enumerate(layers)}
    extras = {"correct": correct, "final": final}
    if not backward:
        return loss, None, extras
    grads = {"head.weight": dlogits.T @ scored, "head.bias": dlogits.sum(axis=0)}
    dfeats = np.zeros_like(flat_feats)
    dfeats[rows] = dlogits @ P["head.weight"]
    dfeats = dfeats.reshape(feats.shape)
    direct = heads.unread(model.task, dfeats, top["forward"].shape, model.directions, lengths)
    rnn_grads, _, dXs = stack.backward(model, layers, direct, lengths, keep=False)
    grads.update(rnn_grads)
    demb = np.zeros_like(P["embedding.weight"])
    for d, dX in dXs.items():  # each direction's rows in its reading order (as the shipped models were made)
        rows = slice(None) if d == "forward" else slice(None, None, -1)
        np.add.at(demb, batch.ids[rows].reshape(-1), dX[rows].reshape(-1, dX.shape[-1]))
    grads["embedding.weight"] = demb
    return loss, grads, extras
