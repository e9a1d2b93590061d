"""The heads: what the linear head reads from the top layer, what it is scored
against, and the loss.

    next      one direction. At t the head reads h_fwd[t] and predicts token t+1
              (the last position has no target).
    cloze     two directions, one layer. At t the head reads cat(h_fwd[t-1], h_rev[t+1])
              (zeros past the ends) and predicts token t itself: both sides, not the word.
    classify  one or two directions. The head reads PyTorch's h_n of the top layer once:
              h_fwd[T-1], or cat(h_fwd[T-1], h_rev[0]); it is scored against one label.

Arrays are one sequence ([T, H]) or a minibatch ([T, B, H] with `lengths`: each
sequence's own T). Loss: cross-entropy, summed over the scored rows.
"""

from __future__ import annotations

import numpy as np

TASKS = ("next", "cloze", "classify")


def targets_for(task: str, ids) -> list[int | None]:
    """The token id each position is scored against (None where nothing is predicted).
    A classifier scores no position's token; its target is a label (see run)."""
    if task == "next":
        return [*ids[1:], None]
    if task == "cloze":
        return list(ids)
    return [None] * len(ids)


def _last(lengths, B):
    """(row, column) index of each sequence's last position in a [T, B, ...] array."""
    return np.asarray(lengths) - 1, np.arange(B)


def read(task: str, top: dict[str, np.ndarray], lengths=None) -> np.ndarray:
    """What the head reads: [T, (B,) D*H] per position, or [(B,) D*H] for classify.
    top: the top layer's h by direction, in position order."""
    hf = top["forward"]
    if task == "next":
        return hf
    H = hf.shape[-1]
    if task == "cloze":
        feats = np.zeros((*hf.shape[:-1], 2 * H))
        feats[1:, ..., :H] = hf[:-1]  # left context: tokens 0..t-1
        feats[:-1, ..., H:] = top["reverse"][1:]  # right context: tokens t+1..T-1
        if lengths is not None:  # a sequence's last token has no right context (not padding)
            feats[(*_last(lengths, hf.shape[1]), slice(H, None))] = 0.0
        return feats
    last = hf[-1] if lengths is None else hf[_last(lengths, hf.shape[1])]
    if "reverse" not in top:
        return last.copy()
    return np.concatenate([last, top["reverse"][0]], axis=-1)  # h_n, as PyTorch orders it


def unread(task: str, dfeats: np.ndarray, shape: tuple, directions, lengths=None) -> dict[str, np.ndarray]:
    """The gradient at what the head read, sent back to the top layer's h by direction
    (position order); shape: that of one direction's h, [T, (B,) H]."""
    H = shape[-1]
    if task == "next":
        return {"forward": dfeats}
    direct = {d: np.zeros(shape) for d in directions}
    if task == "cloze":
        direct["forward"][:-1] = dfeats[1:, ..., :H]
        direct["reverse"][1:] = dfeats[:-1, ..., H:]
        if lengths is not None:
            rows, cols = _last(lengths, shape[1])
            inside = rows + 1 < shape[0]  # padding after a sequence's end: read as zeros, no gradient
            direct["reverse"][rows[inside] + 1, cols[inside]] = 0.0
        return direct
    if lengths is None:
        direct["forward"][-1] = dfeats[..., :H]
    else:
        direct["forward"][_last(lengths, shape[1])] = dfeats[..., :H]
    if "reverse" in direct:
        direct["reverse"][0] = dfeats[..., H:]
    return direct


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(logits: np.ndarray, rows, targets):
    """(probs, loss, dlogits) for logits [N, V]: the cross-entropy summed over the given
    rows against their targets, and its gradient (zero on the other rows).
    -log softmax = log(sum exp z) - z[target]: exact even where a probability underflows."""
    z = logits - logits.max(axis=-1, keepdims=True)
    probs = np.exp(z)
    sums = probs.sum(axis=-1, keepdims=True)
    probs /= sums
    rows, targets = np.asarray(rows, dtype=np.intp), np.asarray(targets, dtype=np.intp)
    loss = float(np.sum(np.log(sums[rows, 0]) - z[rows, targets]))
    dlogits = probs.copy()  # then zero on the rows not scored (a copy and a mask: cheaper than fancy indexing)
    unscored = np.ones(len(logits), dtype=bool)
    unscored[rows] = False
    dlogits[unscored] = 0.0
    dlogits[rows, targets] -= 1.0
    return probs, loss, dlogits
