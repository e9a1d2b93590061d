"""One sequence through a model: `run` (forward over the whole text and BPTT, a Trace)
and `Stepper` (one token at a time, a StepRecord per step). Both use the same cell
loops (cells/), so they agree to the last bit.

Loss: cross-entropy of softmax(head(features)) against the target, *summed* over
the scored positions (loss mode "all"), or taken at one position only ("last": the
last scored position; an int: that position). A classifier is scored once, at its label.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import heads, stack
from .cells import GATES, Weights, make_cell
from .surgery import NO_SURGERY, Surgery
from .trace import DirectionStep, DirectionTrace, StepRecord, Trace


def targets_for(model, ids: Sequence[int]) -> list[int | None]:
    """The id each position is scored against (None where nothing is predicted)."""
    return heads.targets_for(model.task, ids)


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


def label_index(model, label, logits: np.ndarray) -> int:
    """A classifier's target: a label's name or index; None: the predicted label."""
    if label is None:
        return int(np.argmax(logits))
    if isinstance(label, str):
        if label not in model.labels:
            raise ValueError(f"unknown label {label!r}: choose one of {', '.join(model.labels)}")
        return model.labels.index(label)
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and 0 <= label < len(model.labels):
        return int(label)
    raise ValueError(f"unknown label {label!r}: choose one of {', '.join(model.labels)}")


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


def _scored(model, targets, T: int, loss) -> list[int] | None:
    if loss is None:
        return None
    if model.task != "classify":
        return loss_positions(targets, loss)
    if loss not in ("all", "last"):
        raise ValueError(f"a classifier is scored once, after the last token: use loss 'all' or 'last', not {loss!r}")
    return [T - 1]


def run(model, text, loss="all", label=None, surgery: Surgery = NO_SURGERY) -> Trace:
    """Forward + BPTT (see Model.run). surgery: pins, knockouts, the recurrent scale and
    the clip norm applied (the Trace's model is the transformed one: its gradients are
    that model's)."""
    surgery.check(model)
    model = surgery.transform(model)
    cut = surgery.for_cells(model)
    tokens = model.tokenize(text)
    ids = np.array(model.vocab.encode(tokens), dtype=np.int64)
    targets = targets_for(model, ids.tolist())
    T, H = len(ids), model.hidden
    positions = _scored(model, targets, T, loss)
    X = model.params["embedding.weight"][ids]  # [T, E]
    layers = stack.forward(model, X, surgery=cut)
    top = {d: p.h for d, p in layers[-1].items()}
    feats = heads.read(model.task, top)
    logits = feats @ model.params["head.weight"].T
    logits += model.params["head.bias"]
    classify = model.task == "classify"
    label_id = label_index(model, label, logits) if classify else None
    if classify:
        rows, tgt = ([0], [label_id]) if positions else ([], [])
        probs, loss_value, dlogits = heads.cross_entropy(logits[None], rows, tgt)
        probs, dlogits, feats2 = probs[0], dlogits, feats[None]
    else:
        rows = positions or []
        probs, loss_value, dlogits = heads.cross_entropy(logits, rows, [targets[t] for t in rows])
        feats2 = feats

    grads: dict[str, np.ndarray] = {}
    backs: list[dict] = [{} for _ in layers]
    dX = None
    if positions is not None:
        grads["head.weight"] = dlogits.T @ feats2
        grads["head.bias"] = dlogits.sum(axis=0)
        dfeats = dlogits @ model.params["head.weight"]
        direct = heads.unread(model.task, dfeats[0] if classify else dfeats, (T, H), model.directions)
        rnn_grads, backs, dXs = stack.backward(model, layers, direct, surgery=cut)
        dX = sum(dXs.values())  # both directions read each word
        grads.update(rnn_grads)
        grads["embedding.weight"] = scatter_add_rows(len(model.vocab), ids, dX)

    traces = [
        {d: _direction_trace(model.cell, d, p, back.get(d, {}), H) for d, p in runs.items()}
        for runs, back in zip(layers, backs, strict=True)
    ]
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
        forward=traces[-1]["forward"],
        reverse=traces[-1].get("reverse"),
        grads=grads,
        dx=dX,
        layers=traces,
        label=label_id,
        surgery=surgery,
    )


def _direction_trace(cell: str, d: str, p: stack.Pass, b: dict, H: int) -> DirectionTrace:
    st = {k: v[::-1] if d == "reverse" else v for k, v in p.st.items()}  # position order
    return DirectionTrace(
        name=d,
        h=p.h,
        c=st.get("c"),
        pre=st["pre"],
        gates=_split_gates(cell, st, H),
        dh=b.get("dh"),
        dc=b.get("dc"),
        dgates=_split(cell, b["da_x"], H) if b else None,
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

    One direction: every step moves every layer by one token (layer k reads what
    layer k-1 just output). Two directions: every step moves both directions of a
    layer by one token, the forward one left to right (position s at step s) and the
    reverse one right to left (position T-1-s), so after T steps both have read
    everything. With more than one layer, a layer above needs the reverse state of
    every later token, so the layers go one after the other: steps 0..T-1 run layer 0,
    T..2T-1 layer 1, and so on (`len(stepper)` steps in all).

    Speed: a cell's loop costs far more to set up than to run one more step, so each
    layer and direction reads up to AHEAD tokens in one call of the cell's loop and
    hands them out a step at a time, and the head's guesses of the positions those
    tokens make ready (next word, or both sides' blank) with them, one softmax for all.
    The numbers are those of stepping one token at a time (the same operations on the
    same rows); only every AHEAD-th step pays for the read-ahead.
    """

    AHEAD = 32

    def __init__(self, model, text, surgery: Surgery = NO_SURGERY):
        surgery.check(model)
        model = surgery.transform(model)
        self.surgery, self._cut = surgery, surgery.for_cells(model)
        self._kw = {"surgery": self._cut} if self._cut else {}
        self.model = model
        self.tokens = model.tokenize(text)
        self.ids = model.vocab.encode(self.tokens)
        self.targets = targets_for(model, self.ids)
        self.cell = make_cell(model.cell, model.nonlinearity)
        H, T = model.hidden, len(self.ids)
        self._keys = [(k, d) for k in range(model.num_layers) for d in model.directions]
        self._w = {}
        for k, d in self._keys:
            w_ih, w_hh, b_ih, b_hh = model.layer_params(k, d)
            self._w[k, d] = (w_ih, b_ih, Weights(w_hh, b_hh))
        self._state = {key: (np.zeros(H), np.zeros(H)) for key in self._keys}
        self._h = {key: [None] * T for key in self._keys}  # by position
        self._ahead: dict = {}  # (layer, direction) -> (first processing step, the cell's arrays)
        self._guesses: dict[int, np.ndarray] = {}  # position -> probabilities, read ahead
        self.layer_by_layer = model.bidirectional and model.num_layers > 1
        self.steps_done = 0

    def __len__(self) -> int:
        return len(self.ids) * (self.model.num_layers if self.layer_by_layer else 1)

    @property
    def done(self) -> bool:
        return self.steps_done >= len(self)

    def _ready_positions(self, s: int) -> list[int]:
        """Positions whose prediction becomes computable at the top layer's step s (0-based)."""
        T = len(self.ids)
        if self.model.task == "next":
            return [s]
        if self.model.task == "classify":
            return [T - 1] if s == T - 1 else []
        # cloze at t needs forward up to t-1 and reverse down to t+1; after step s
        # both directions have read s+1 tokens, so t is ready at step max(0, t-1, T-2-t).
        # That maximum is 0 (t <= 1), t-1 or T-2-t: only these candidates can equal s.
        candidates = {0, 1, s + 1, T - 2 - s}
        return sorted(t for t in candidates if 0 <= t < T and max(0, t - 1, T - 2 - t) == s)

    def _input(self, layer: int, pos: int) -> np.ndarray:
        if layer == 0:
            return self.model.params["embedding.weight"][self.ids[pos]]
        below = [self._h[layer - 1, d][pos] for d in self.model.directions]
        return below[0] if len(below) == 1 else np.concatenate(below)

    def advance(self) -> StepRecord:
        if self.done:
            raise IndexError("the stepper has read every token already")
        k, T, L = self.steps_done, len(self.ids), self.model.num_layers
        s, layers = (k % T, [k // T]) if self.layer_by_layer else (k, range(L))
        H = self.model.hidden
        stepped = {}
        for layer in layers:
            dsteps = {}
            for d in self.model.directions:
                pos = s if d == "forward" else T - 1 - s
                first, st = self._ahead.get((layer, d), (0, None))
                if st is None or not first <= s < first + len(st["h"]):
                    first, st = self._read_ahead(layer, d, s)
                row = {key: v[s - first] for key, v in st.items()}
                gates = _split_gates(self.model.cell, row, H)
                dsteps[d] = DirectionStep(
                    direction=d,
                    position=pos,
                    token=self.tokens[pos],
                    pre=row["pre"],
                    gates=gates,
                    candidate=gates.get("g", gates.get("n", row["h"])),
                    c=row.get("c"),
                    h=row["h"],
                )
            stepped[layer] = dsteps
        outputs = {}
        if L - 1 in stepped:
            for t in self._ready_positions(s):
                outputs[t] = self._predict(t)
        self.steps_done += 1
        top = max(stepped)
        return StepRecord(step=k, directions=stepped[top], outputs=outputs, layers=stepped)

    def _read_ahead(self, layer: int, d: str, s: int):
        """Run the cell over the next tokens of (layer, direction) from processing step s,
        each token's input projection made as a single step makes it."""
        T = len(self.ids)
        n = min(self.AHEAD, T - s)
        if layer > 0 and not self.layer_by_layer:  # no further than the layer below has read
            below, st_below = self._ahead[layer - 1, d]
            n = min(n, below + len(st_below["h"]) - s)
        w_ih, b_ih, w = self._w[layer, d]
        xp = np.empty((n, w_ih.shape[0]))
        for i in range(n):
            pos = s + i if d == "forward" else T - 1 - s - i
            xp[i] = w_ih @ self._input(layer, pos) + b_ih
        h, c = self._state[layer, d]
        st = self.cell.forward(xp, w, h, c, overwrite_xp=True, **self._kw)
        for v in st.values():  # fresh arrays, ours alone: read-only, handed out as views
            v.setflags(write=False)
        hs = st["h"]
        for i in range(n):
            self._h[layer, d][s + i if d == "forward" else T - 1 - s - i] = hs[i]
        self._state[layer, d] = (hs[-1], st["c"][-1] if "c" in st else c)
        self._ahead[layer, d] = (s, st)
        if layer == self.model.num_layers - 1 and d == self.model.directions[-1] and self.model.task != "classify":
            # every direction has read these tokens: the guesses they make ready come now
            self._guesses = self._guess([t for step in range(s, s + n) for t in self._ready_positions(step)])
        return s, st

    def _features(self, t: int) -> np.ndarray:
        """What the head reads for position t (the layers have read far enough)."""
        H, T, top = self.model.hidden, len(self.ids), self.model.num_layers - 1
        hf = self._h[top, "forward"]
        if self.model.task == "next":
            return hf[t]
        if self.model.task == "classify":
            return (
                hf[T - 1] if not self.model.bidirectional else np.concatenate([hf[T - 1], self._h[top, "reverse"][0]])
            )
        left = hf[t - 1] if t > 0 else np.zeros(H)
        right = self._h[top, "reverse"][t + 1] if t < T - 1 else np.zeros(H)
        return np.concatenate([left, right])

    def _guess(self, positions: list[int]) -> dict[int, np.ndarray]:
        """The head's probabilities at these positions: a matrix-vector product per row (as
        one position's, to the bit) and one softmax for all the rows."""
        head_w, head_b = self.model.params["head.weight"], self.model.params["head.bias"]
        logits = np.empty((len(positions), len(head_b)))
        for i, t in enumerate(positions):
            logits[i] = head_w @ self._features(t) + head_b
        probs = heads.softmax(logits)
        probs.setflags(write=False)
        return dict(zip(positions, probs, strict=True))

    def _predict(self, t: int) -> np.ndarray:
        probs = self._guesses.get(t)
        return self._guess([t])[t] if probs is None else probs
