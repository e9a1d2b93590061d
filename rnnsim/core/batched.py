"""Batched, masked forward and backward passes for training, in NumPy.

The same equations as cells.py / network.py, for B sequences at once ([T, B, ...]
arrays) and with a mask that holds the state over padding. Kept separate because the
reference path runs one sequence; tests prove the two agree to 1e-10. Padding is masked
out exactly (the state is held, nothing is scored), so a batch's gradient is exactly the
sum of `model.run`'s gradients of its sequences.

`make_batch` pads (ids, targets) pairs into a `Batch`; `batch_loss_and_grads` gives the
cross-entropy summed over the scored positions, its gradients, and the forward state at
the end of each sequence (for truncated BPTT).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .model import Model


def _sig_tanh(block_is_tanh: Sequence[bool], H: int):
    """(scale, scale, shift) per row: tanh rows (1, 1, 0), sigmoid rows (0.5, 0.5, 0.5)."""
    s = np.concatenate([np.full(H, 1.0 if t else 0.5) for t in block_is_tanh])
    b = np.concatenate([np.full(H, 0.0 if t else 0.5) for t in block_is_tanh])
    return s, s, b


def _activate(pre: np.ndarray, scales) -> np.ndarray:
    """sigmoid on some row blocks and tanh on others: sigmoid(x) = (1 + tanh(x/2)) / 2."""
    s, a, b = scales
    out = np.tanh(pre * s)
    out *= a
    out += b
    return out


def _dir_forward(cell: str, nonlin: str, xp, mask, full, w_hh, b_hh, h0, c0):
    """One direction over [T, B] in processing order. xp = W_ih x + b_ih, [T, B, G*H].
    Returns the cache for _dir_backward; cache["hs"][t + 1] is the state after step t."""
    T, B, _ = xp.shape
    H = w_hh.shape[1]
    whh_t = np.ascontiguousarray(w_hh.T)
    hs = np.empty((T + 1, B, H))
    hs[0] = h0
    cache = {"hs": hs}
    if cell == "rnn":
        xpb = xp + b_hh
        hnew = np.empty((T, B, H))
        pre = cache["pre"] = np.empty((T, B, H))
        for t in range(T):
            a = pre[t]
            np.dot(hs[t], whh_t, out=a)
            a += xpb[t]
            if nonlin == "tanh":
                np.tanh(a, out=hnew[t])
            else:
                np.maximum(a, 0.0, out=hnew[t])
            hs[t + 1] = hnew[t] if full[t] else np.where(mask[t][:, None], hnew[t], hs[t])
        cache["hnew"] = hnew
    elif cell == "lstm":
        xpb = xp + b_hh
        scales = _sig_tanh((False, False, True, False), H)
        cs = np.empty((T + 1, B, H))
        cs[0] = c0
        act = np.empty((T, B, 4 * H))
        tc = np.empty((T, B, H))
        for t in range(T):
            a = hs[t] @ whh_t
            a += xpb[t]
            act[t] = _activate(a, scales)
            i, f, g, o = (act[t, :, k * H : (k + 1) * H] for k in range(4))
            c_new = f * cs[t]
            c_new += i * g
            np.tanh(c_new, out=tc[t])
            h_new = o * tc[t]
            if full[t]:
                cs[t + 1], hs[t + 1] = c_new, h_new
            else:
                m = mask[t][:, None]
                cs[t + 1] = np.where(m, c_new, cs[t])
                hs[t + 1] = np.where(m, h_new, hs[t])
        cache.update(cs=cs, act=act, tc=tc)
    else:  # gru
        xpb = xp.copy()
        xpb[..., : 2 * H] += b_hh[: 2 * H]
        b_hn = b_hh[2 * H :]
        scales = _sig_tanh((False, False), H)
        act = np.empty((T, B, 3 * H))
        hn = np.empty((T, B, H))
        for t in range(T):
            hh = hs[t] @ whh_t
            act[t, :, : 2 * H] = _activate(hh[:, : 2 * H] + xpb[t, :, : 2 * H], scales)
            r, z = act[t, :, :H], act[t, :, H : 2 * H]
            np.add(hh[:, 2 * H :], b_hn, out=hn[t])
            n = np.tanh(xpb[t, :, 2 * H :] + r * hn[t])
            act[t, :, 2 * H :] = n
            h_new = n - z * n
            h_new += z * hs[t]
            hs[t + 1] = h_new if full[t] else np.where(mask[t][:, None], h_new, hs[t])
        cache.update(act=act, hn=hn)
    return cache


def _dir_backward(cell: str, nonlin: str, cache, dh_direct, mask, full, w_hh):
    """Backward through one direction: dh_direct [T, B, H] (processing order) is the
    gradient reaching each carried state from the head. Returns (da_x, da_h)."""
    hs = cache["hs"]
    T, B, H = dh_direct.shape
    m = mask[:, :, None].astype(float)
    keep = 1.0 - m  # where the state was held over padding, its gradient passes straight back
    dH = np.zeros((B, H))
    if cell == "rnn":
        if nonlin == "tanh":
            deriv = (1.0 - cache["hnew"] ** 2) * m
        else:
            deriv = (cache["pre"] > 0) * m
        da = np.empty((T, B, H))
        for t in range(T - 1, -1, -1):
            dHt = dh_direct[t] + dH
            np.multiply(dHt, deriv[t], out=da[t])
            dH = da[t] @ w_hh
            if not full[t]:
                dH += keep[t] * dHt
        return da, da
    if cell == "lstm":
        act, cs, tc = cache["act"], cache["cs"], cache["tc"]
        i, f, g, o = (act[..., k * H : (k + 1) * H] for k in range(4))
        c_prev = cs[:-1]
        coef_ifg = np.stack([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g)], axis=2)
        coef_o = tc * o * (1 - o) * m
        coef_c = o * (1 - tc * tc) * m
        da = np.empty((T, B, 4 * H))
        da3 = da[..., : 3 * H].reshape(T, B, 3, H)
        dC = np.zeros((B, H))
        for t in range(T - 1, -1, -1):
            dHt = dh_direct[t] + dH
            dcn = dHt * coef_c[t]
            if full[t]:
                dcn += dC
            else:
                dcn += m[t] * dC
            np.multiply(dcn[:, None, :], coef_ifg[t], out=da3[t])
            np.multiply(dHt, coef_o[t], out=da[t, :, 3 * H :])
            dH = da[t] @ w_hh
            dC_next = dcn * f[t]
            if not full[t]:
                dH += keep[t] * dHt
                dC_next += keep[t] * dC
            dC = dC_next
        return da, da
    # gru
    act, hn = cache["act"], cache["hn"]
    r, z, n = act[..., :H], act[..., H : 2 * H], act[..., 2 * H :]
    h_prev = hs[:-1]
    p_n = (1 - z) * (1 - n * n) * m
    p_z = (h_prev - n) * z * (1 - z) * m
    p_r = p_n * hn * r * (1 - r)
    coef_x = np.stack([p_r, p_z, p_n], axis=2)
    coef_h = np.stack([p_r, p_z, p_n * r], axis=2)
    zm = z * m + keep  # dh_prev gets z*dh where the step ran, all of dh where it was held
    da_x = np.empty((T, B, 3 * H))
    da_h = np.empty((T, B, 3 * H))
    dax3 = da_x.reshape(T, B, 3, H)
    dah3 = da_h.reshape(T, B, 3, H)
    for t in range(T - 1, -1, -1):
        dHt = dh_direct[t] + dH
        np.multiply(dHt[:, None, :], coef_x[t], out=dax3[t])
        np.multiply(dHt[:, None, :], coef_h[t], out=dah3[t])
        dH = da_h[t] @ w_hh
        dH += dHt * zm[t]
    return da_x, da_h


@dataclass
class Batch:
    """B sequences padded to T: ids/targets [T, B] (target -1: not scored), mask [T, B]."""

    ids: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    keys: list = field(default_factory=list)  # (line, chunk) of each column, for carried state

    @property
    def n_tokens(self) -> int:
        return int(self.mask.sum())

    @property
    def n_scored(self) -> int:
        return int((self.targets >= 0).sum())


def make_batch(seqs: Sequence[tuple[Sequence[int], Sequence[int]]], keys=None) -> Batch:
    """Pad (ids, targets) pairs into a Batch; a target of -1 (or None) is not scored."""
    T = max(len(ids) for ids, _ in seqs)
    B = len(seqs)
    ids_a = np.zeros((T, B), dtype=np.int64)
    tg_a = np.full((T, B), -1, dtype=np.int64)
    mask = np.zeros((T, B), dtype=bool)
    for b, (ids, tg) in enumerate(seqs):
        L = len(ids)
        ids_a[:L, b] = ids
        tg_a[:L, b] = [-1 if y is None else y for y in tg]
        mask[:L, b] = True
    return Batch(ids_a, tg_a, mask, list(keys) if keys is not None else [None] * B)


def _weights(params, sfx):
    return tuple(params[f"rnn.{k}_l0{sfx}"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def batch_loss_and_grads(
    model: Model, batch: Batch, h0=None, c0=None, backward: bool = True
) -> tuple[float, dict[str, np.ndarray] | None, dict]:
    """Forward (and backward) over a batch. Returns (sum of cross-entropy over the scored
    positions, gradients of that sum by tensor name or None, extras) where extras holds
    "correct" (top-1 hits at scored positions) and "final" (the forward direction's
    state after each sequence: h, and c for the LSTM, for truncated BPTT).
    h0/c0: [B, H] initial forward state (zeros when None)."""
    P = model.params
    cell, nonlin = model.cell, model.nonlinearity
    T, B = batch.ids.shape
    H = model.hidden
    X = P["embedding.weight"][batch.ids]  # [T, B, E]
    full = batch.mask.all(axis=1)
    caches = {}
    for d in model.directions:
        sfx = "_reverse" if d == "reverse" else ""
        w_ih, w_hh, b_ih, b_hh = _weights(P, sfx)
        order = slice(None) if d == "forward" else slice(None, None, -1)
        xp = X[order] @ w_ih.T + b_ih
        zero = np.zeros((B, H))
        hh0 = h0 if (d == "forward" and h0 is not None) else zero
        cc0 = c0 if (d == "forward" and c0 is not None) else zero
        caches[d] = _dir_forward(cell, nonlin, xp, batch.mask[order], full[order], w_hh, b_hh, hh0, cc0)
    hf = caches["forward"]["hs"][1:]  # [T, B, H], position order
    if model.task == "next":
        feats = hf
    else:
        hr = caches["reverse"]["hs"][1:][::-1]  # position order
        feats = np.zeros((T, B, 2 * H))
        feats[1:, :, :H] = hf[:-1]
        feats[:-1, :, H:] = hr[1:]
    logits = feats @ P["head.weight"].T + P["head.bias"]
    logits -= logits.max(axis=-1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=-1, keepdims=True)
    probs = logits
    scored = batch.targets >= 0
    tt, bb = np.nonzero(scored)
    yy = batch.targets[tt, bb]
    p_y = probs[tt, bb, yy]
    loss = float(-np.log(np.maximum(p_y, 1e-300)).sum())
    correct = int((probs[tt, bb].argmax(axis=-1) == yy).sum())
    extras = {"correct": correct, "final": {"h": caches["forward"]["hs"][-1]}}
    if cell == "lstm":
        extras["final"]["c"] = caches["forward"]["cs"][-1]
    if not backward:
        return loss, None, extras

    dlogits = probs * scored[:, :, None]
    dlogits[tt, bb, yy] -= 1.0
    V = dlogits.shape[-1]
    grads: dict[str, np.ndarray] = {}
    grads["head.weight"] = dlogits.reshape(-1, V).T @ feats.reshape(T * B, -1)
    grads["head.bias"] = dlogits.sum(axis=(0, 1))
    dfeats = dlogits @ P["head.weight"]
    if model.task == "next":
        direct = {"forward": dfeats}
    else:
        direct = {"forward": np.zeros((T, B, H)), "reverse": np.zeros((T, B, H))}
        direct["forward"][:-1] = dfeats[1:, :, :H]
        direct["reverse"][1:] = dfeats[:-1, :, H:]
    demb = np.zeros_like(P["embedding.weight"])
    for d in model.directions:
        sfx = "_reverse" if d == "reverse" else ""
        w_ih, w_hh, _, _ = _weights(P, sfx)
        order = slice(None) if d == "forward" else slice(None, None, -1)
        c = caches[d]
        da_x, da_h = _dir_backward(cell, nonlin, c, direct[d][order], batch.mask[order], full[order], w_hh)
        G = da_x.shape[-1]
        dx2 = da_x.reshape(-1, G)
        dh2 = da_h.reshape(-1, G)
        grads[f"rnn.weight_ih_l0{sfx}"] = dx2.T @ X[order].reshape(T * B, -1)
        grads[f"rnn.weight_hh_l0{sfx}"] = dh2.T @ c["hs"][:-1].reshape(T * B, -1)
        grads[f"rnn.bias_ih_l0{sfx}"] = dx2.sum(axis=0)
        grads[f"rnn.bias_hh_l0{sfx}"] = dh2.sum(axis=0)
        np.add.at(demb, batch.ids[order].reshape(-1), dx2 @ w_ih)
    grads["embedding.weight"] = demb
    return loss, grads, extras
