"""Forward and backpropagation through time for a whole sequence, and the
stepwise API that advances one token at a time.

Loss: cross-entropy of softmax(head(features_t)) against target_t, *summed*
over the scored positions (loss mode "all"), or taken at one position only
("last": the last scored position; an int: that position).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .cells import GATES, Weights, make_cell, run_direction, step_direction
from .model import Model
from .tokenizer import tokenize
from .trace import DirectionStep, DirectionTrace, StepRecord, Trace

LOSS_MODES = ("all", "last")


def _tokens(text) -> list[str]:
    toks = tokenize(text) if isinstance(text, str) else [str(t) for t in text]
    if not toks:
        raise ValueError("the text has no tokens: give at least one word")
    return toks


def targets_for(model: Model, ids: Sequence[int]) -> list[int | None]:
    """The id each position is scored against (None where nothing is predicted)."""
    if model.task == "next":
        return [*ids[1:], None]
    return list(ids)


def loss_positions(targets: Sequence[int | None], loss) -> list[int]:
    scored = [t for t, y in enumerate(targets) if y is not None]
    if loss == "all":
        return scored
    if loss == "last":
        return scored[-1:]
    if isinstance(loss, (int, np.integer)) and not isinstance(loss, bool):
        if loss not in scored:
            raise ValueError(
                f"position {loss} has no target to score: choose one of {scored[0]}..{scored[-1]}"
                if scored
                else "this text has no scored position"
            )
        return [int(loss)]
    raise ValueError(f"unknown loss mode {loss!r}: use 'all', 'last' or a position")


def head_features(model: Model, h: dict[str, np.ndarray]) -> np.ndarray:
    """What the head reads at each position (row t)."""
    if model.task == "next":
        return h["forward"]
    T, H = h["forward"].shape
    feats = np.zeros((T, 2 * H))
    feats[1:, :H] = h["forward"][:-1]  # left context: tokens 0..t-1
    feats[:-1, H:] = h["reverse"][1:]  # right context: tokens t+1..T-1
    return feats


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(logits: np.ndarray, targets: np.ndarray) -> float:
    """Sum over rows of -log softmax(logits)[target], via log-sum-exp: exact even
    where the target's probability underflows to zero."""
    m = logits.max(axis=-1)
    lse = m + np.log(np.exp(logits - m[:, None]).sum(axis=-1))
    return float(np.sum(lse - logits[np.arange(len(targets)), targets]))


def scatter_add_rows(n: int, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """out[k] = sum of rows[t] over the t with ids[t] == k (out has n rows).
    Sorts and sums segments: several times faster than np.add.at."""
    out = np.zeros((n, rows.shape[1]))
    if len(ids):
        order = np.argsort(ids, kind="stable")
        s = ids[order]
        starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
        out[s[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


def _weights(model: Model, direction: str):
    w_ih, w_hh, b_ih, b_hh = model.direction_params(direction)
    return w_ih, b_ih, Weights(w_hh, b_hh)


def run(model: Model, text, loss="all") -> Trace:
    tokens = _tokens(text)
    ids = np.array(model.vocab.encode(tokens), dtype=np.int64)
    targets = targets_for(model, ids.tolist())
    positions = None if loss is None else loss_positions(targets, loss)
    cell = make_cell(model.cell, model.nonlinearity)
    X = model.params["embedding.weight"][ids]  # [T, E]
    T, H = len(ids), model.hidden

    states, inputs = {}, {}
    for d in model.directions:
        w_ih, b_ih, w = _weights(model, d)
        xp = X @ w_ih.T  # one GEMM for every input projection
        xp += b_ih
        order = slice(None) if d == "forward" else slice(None, None, -1)
        st = run_direction(cell, xp[order], w, overwrite_xp=True)
        states[d] = {k: v[order] for k, v in st.items()}  # rows back in position order
        inputs[d] = (w_ih, w, order)

    feats = head_features(model, {d: s["h"] for d, s in states.items()})
    logits = feats @ model.params["head.weight"].T
    logits += model.params["head.bias"]
    # softmax, keeping z = logits - max and the row sums for an exact cross-entropy
    z = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(z)
    sums = probs.sum(axis=1, keepdims=True)
    probs /= sums

    grads: dict[str, np.ndarray] = {}
    back: dict[str, dict] = {d: {} for d in model.directions}
    dX = None
    loss_value = 0.0
    if positions is not None:
        pos = np.array(positions, dtype=np.intp)
        tgt = np.array([targets[t] for t in positions], dtype=np.intp)
        # -log softmax = log(sum exp z) - z[target]: exact even where probs underflow to 0
        loss_value = float(np.sum(np.log(sums[pos, 0]) - z[pos, tgt]))
        dlogits = np.zeros_like(logits)
        dlogits[pos] = probs[pos]
        dlogits[pos, tgt] -= 1.0
        grads["head.weight"] = dlogits.T @ feats
        grads["head.bias"] = dlogits.sum(axis=0)
        dfeats = dlogits @ model.params["head.weight"]
        direct = {"forward": np.zeros((T, H)), "reverse": np.zeros((T, H))}
        if model.task == "next":
            direct["forward"] = dfeats
        else:
            direct["forward"][:-1] = dfeats[1:, :H]
            direct["reverse"][1:] = dfeats[:-1, H:]
        dX = np.zeros_like(X)  # dL/d(embedding row) at each position
        for d in model.directions:
            w_ih, w, order = inputs[d]
            st = {k: v[order] for k, v in states[d].items()}  # processing order
            zeros = np.zeros(H)
            b = cell.backward(st, direct[d][order], w, zeros, zeros)
            da_x, da_h = b["da_x"], b["da_h"]
            sfx = "_reverse" if d == "reverse" else ""
            Xo = X[order]
            grads[f"rnn.weight_ih_l0{sfx}"] = da_x.T @ Xo
            grads[f"rnn.weight_hh_l0{sfx}"] = da_h[1:].T @ st["h"][:-1]  # h_{-1} = 0
            grads[f"rnn.bias_ih_l0{sfx}"] = db = da_x.sum(axis=0)
            grads[f"rnn.bias_hh_l0{sfx}"] = db.copy() if da_h is da_x else da_h.sum(axis=0)
            dX[order] += da_x @ w_ih
            back[d] = {k: v[order] for k, v in b.items()}
        grads["embedding.weight"] = scatter_add_rows(len(model.vocab), ids, dX)

    dirs = {}
    for d in model.directions:
        st, b = states[d], back[d]
        gates = _split_gates(model.cell, st, H)
        dgates = _split(model.cell, b["da_x"], H) if b else None
        dirs[d] = DirectionTrace(
            name=d,
            h=st["h"],
            c=st.get("c"),
            pre=st["pre"],
            gates=gates,
            dh=b.get("dh"),
            dc=b.get("dc"),
            dgates=dgates,
        )
    return Trace(
        model=model,
        tokens=tokens,
        ids=ids,
        targets=targets,
        logits=logits,
        probs=probs,
        loss=loss_value if positions is not None else None,
        loss_mode=loss,
        loss_positions=positions,
        forward=dirs["forward"],
        reverse=dirs.get("reverse"),
        grads=grads,
        dx=dX,
    )


def _split(cell: str, arr: np.ndarray, H: int) -> dict[str, np.ndarray]:
    names = GATES[cell] or ("a",)
    return {g: arr[..., k * H : (k + 1) * H] for k, g in enumerate(names)}


def _split_gates(cell: str, st: dict, H: int) -> dict[str, np.ndarray]:
    """Gate activations by name (LSTM i,f,g,o; GRU r,z,n; none for the Elman cell)."""
    if cell == "rnn":
        return {}
    return _split(cell, st["act"], H)


class Stepper:
    """Advances a model one token at a time; each `advance()` returns a frozen
    StepRecord of everything that step computed.

    Bidirectional: every step moves both directions by one token, the forward one
    left to right (position k at step k) and the reverse one right to left
    (position T-1-k), so after T steps both have read everything.
    """

    def __init__(self, model: Model, text):
        self.model = model
        self.tokens = _tokens(text)
        self.ids = model.vocab.encode(self.tokens)
        self.targets = targets_for(model, self.ids)
        self.cell = make_cell(model.cell, model.nonlinearity)
        H = model.hidden
        self._w = {d: _weights(model, d) for d in model.directions}
        self._state = {d: (np.zeros(H), np.zeros(H)) for d in model.directions}
        self._h = {d: [None] * len(self.ids) for d in model.directions}  # by position
        self.steps_done = 0

    @property
    def done(self) -> bool:
        return self.steps_done >= len(self.ids)

    def _ready_positions(self, k: int) -> list[int]:
        """Positions whose prediction becomes computable at step k (0-based)."""
        T = len(self.ids)
        if self.model.task == "next":
            return [k]
        # cloze at t needs forward up to t-1 and reverse down to t+1; after step k
        # both directions have read k+1 tokens, so t is ready at step max(0, t-1, T-2-t).
        # That maximum is 0 (t <= 1), t-1 or T-2-t: only these candidates can equal k.
        candidates = {0, 1, k + 1, T - 2 - k}
        return sorted(t for t in candidates if 0 <= t < T and max(0, t - 1, T - 2 - t) == k)

    def advance(self) -> StepRecord:
        if self.done:
            raise IndexError("the stepper has read every token already")
        k = self.steps_done
        T = len(self.ids)
        emb = self.model.params["embedding.weight"]
        H = self.model.hidden
        dsteps = {}
        for d in self.model.directions:
            pos = k if d == "forward" else T - 1 - k
            w_ih, b_ih, w = self._w[d]
            xp = w_ih @ emb[self.ids[pos]] + b_ih
            h, c = self._state[d]
            # The step's arrays are fresh and ours alone: read-only instead of copied.
            row = step_direction(self.cell, xp, w, h, c, readonly=True)
            self._state[d] = (row["h"], row.get("c", c))
            self._h[d][pos] = row["h"]
            gates = _split_gates(self.model.cell, row, H)
            candidate = gates.get("g", gates.get("n", row["h"]))
            dsteps[d] = DirectionStep(
                direction=d,
                position=pos,
                token=self.tokens[pos],
                pre=row["pre"],
                gates=gates,
                candidate=candidate,
                c=row.get("c"),
                h=row["h"],
            )
        outputs = {}
        for t in self._ready_positions(k):
            outputs[t] = self._predict(t)
        self.steps_done += 1
        return StepRecord(step=k, directions=dsteps, outputs=outputs)

    def _predict(self, t: int) -> np.ndarray:
        H = self.model.hidden
        if self.model.task == "next":
            feat = self._h["forward"][t]
        else:
            T = len(self.ids)
            left = self._h["forward"][t - 1] if t > 0 else np.zeros(H)
            right = self._h["reverse"][t + 1] if t < T - 1 else np.zeros(H)
            feat = np.concatenate([left, right])
        logits = self.model.params["head.weight"] @ feat + self.model.params["head.bias"]
        probs = softmax(logits)
        probs.setflags(write=False)
        return probs
