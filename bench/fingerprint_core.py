"""A fingerprint of every number the core computes: prints one sha256 per case and one
over all. Run it against two checkouts to prove a speed change left the bits alone:

    python bench/fingerprint_core.py                          # this checkout
    python bench/fingerprint_core.py --rnnsim-path /tmp/base  # another one
    python bench/fingerprint_core.py --compare /tmp/base      # both, and the differing cases

Covered: `run` (every array of the Trace: logits, probs, loss, every layer's and
direction's h, c, pre-activations, gates, dL/dh, dL/dc, dL/dgate, dL/dx, every parameter
gradient) for every cell, 1-3 layers, one and two directions, loss "all", "last" and a
position, the next, cloze and classify heads, with and without surgery; every Stepper
record; minibatch losses and gradients (with and without a carried state); generation.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--rnnsim-path", help="import rnnsim from this directory")
ap.add_argument("--compare", metavar="DIR", help="fingerprint this checkout and DIR, and compare")
ap.add_argument("--json", action="store_true", help="print the per-case hashes as JSON")
ARGS = ap.parse_args()


def compare(base: str) -> None:
    def hashes(path: str) -> dict:
        cmd = [sys.executable, __file__, "--json", "--rnnsim-path", path]
        return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)

    a, b = hashes(str(Path(base).resolve())), hashes(str(HERE.parent))
    differ = [k for k in a if a[k] != b.get(k)] + [k for k in b if k not in a]
    print(f"{len(a)} cases in {base}, {len(b)} here; {len(differ)} differ")
    for k in differ:
        print(f"    differs: {k}")
    sys.exit(1 if differ else 0)


if ARGS.compare:
    compare(ARGS.compare)

sys.path.insert(0, ARGS.rnnsim_path or str(HERE.parent))

import numpy as np  # noqa: E402

import rnnsim  # noqa: E402
from rnnsim.core.minibatch import batch_loss_and_grads, make_batch  # noqa: E402
from rnnsim.core.surgery import Surgery  # noqa: E402

TEXT = "the cat sat on the mat . a dog ran under the tree and it slept by the sofa ? the bird saw a fish ."
VOCAB = sorted(set(TEXT.split())) + ["rug", "bed"]


def feed(h, x) -> None:
    """Hash anything the core returns: arrays by dtype, shape and bytes; containers in order."""
    if x is None:
        h.update(b"None")
    elif isinstance(x, np.ndarray):
        a = np.ascontiguousarray(x)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    elif isinstance(x, dict):
        for k in sorted(x, key=str):
            h.update(repr(k).encode())
            feed(h, x[k])
    elif isinstance(x, (list, tuple)):
        h.update(f"[{len(x)}".encode())
        for v in x:
            feed(h, v)
    elif isinstance(x, float):
        h.update(np.float64(x).tobytes())
    else:
        h.update(repr(x).encode())


def trace_parts(tr) -> list:
    parts = [tr.logits, tr.probs, tr.loss, tr.loss_positions, tr.grads, tr.dx, tr.label]
    for layer in tr.layers:
        for d in sorted(layer):
            t = layer[d]
            parts += [d, t.h, t.c, t.pre, t.gates, t.dh, t.dc, t.dgates]
    return parts


def step_parts(st) -> list:
    parts = []
    while not st.done:
        rec = st.advance()
        parts.append([rec.step, rec.outputs])
        for k in sorted(rec.layers):
            for d in sorted(rec.layers[k]):
                s = rec.layers[k][d]
                parts.append([k, d, s.position, s.token, s.pre, s.gates, s.candidate, s.c, s.h])
    return parts


def models():
    """(name, model) for every shape the core serves."""
    for cell in ("rnn", "lstm", "gru"):
        for L in (1, 2, 3):
            yield f"{cell} L{L} next", rnnsim.random_model(cell, VOCAB, hidden=12, embed=6, seed=L, num_layers=L)
            yield (
                f"{cell} L{L} bi classify",
                rnnsim.random_model(
                    cell,
                    VOCAB,
                    hidden=12,
                    embed=6,
                    seed=10 + L,
                    num_layers=L,
                    bidirectional=True,
                    labels=["a", "b", "c"],
                ),
            )
            yield (
                f"{cell} L{L} classify",
                rnnsim.random_model(cell, VOCAB, hidden=12, embed=6, seed=20 + L, num_layers=L, labels=["a", "b"]),
            )
        yield f"{cell} L1 bi cloze", rnnsim.random_model(cell, VOCAB, hidden=12, embed=6, seed=7, bidirectional=True)
    yield "rnn relu", rnnsim.random_model("rnn", VOCAB, hidden=12, embed=6, seed=3, nonlinearity="relu")
    yield "lstm H64", rnnsim.random_model("lstm", VOCAB, hidden=64, embed=32, seed=5)
    yield "lstm H64 bi", rnnsim.random_model("lstm", VOCAB, hidden=64, embed=32, seed=6, bidirectional=True)
    yield "lstm fb1 L2", rnnsim.random_model("lstm", VOCAB, hidden=16, embed=8, seed=8, num_layers=2, forget_bias=1.0)


def surgeries(model):
    yield "plain", None
    if model.cell != "rnn":
        gate = "f" if model.cell == "lstm" else "z"
        yield "pin", Surgery().with_pin(gate, 1.0)
    yield "knockout", Surgery().with_knockout([1, 4])
    yield "scale+clip", Surgery().with_scale(1.5).with_clip(1.0)


def cases():
    toks = TEXT.split()
    for name, m in models():
        for sname, surg in surgeries(m):
            losses = ("all", "last") if m.task == "classify" else ("all", "last", 5)
            for loss in losses:
                kw = {} if surg is None else {"surgery": surg}
                yield (
                    f"run {name} {sname} {loss}",
                    lambda m=m, loss=loss, kw=kw: trace_parts(m.run(toks, loss=loss, **kw)),
                )
            kw = {} if surg is None else {"surgery": surg}
            yield f"stepper {name} {sname}", lambda m=m, kw=kw: step_parts(m.stepper(toks, **kw))
        if m.task == "classify":
            yield f"run {name} label", lambda m=m: trace_parts(m.run(toks, loss="all", label=1))
        yield f"forward only {name}", lambda m=m: trace_parts(m.run(toks, loss=None))
        yield f"minibatch {name}", lambda m=m: minibatch_parts(m)
        if m.task == "next":
            yield f"generate {name}", lambda m=m: generate_parts(m)


def minibatch_parts(m) -> list:
    ids = m.vocab.encode(TEXT.split())
    seqs = [ids[:9], ids[9:30], ids[30:34], ids[3:20]]
    if m.task == "next":
        pairs = [(s, [*s[1:], None]) for s in seqs]
        labels = None
    elif m.task == "cloze":
        pairs = [(s, list(s)) for s in seqs]
        labels = None
    else:
        pairs = [(s, [None] * len(s)) for s in seqs]
        labels = [0, 1, -1, 1]
    batch = make_batch(pairs, labels=labels)
    out = [batch_loss_and_grads(m, batch)]
    if not m.bidirectional:
        rng = np.random.default_rng(0)
        B, H = len(seqs), m.hidden
        h0 = {k: rng.standard_normal((B, H)) * 0.3 for k in range(m.num_layers)}
        c0 = {k: rng.standard_normal((B, H)) * 0.3 for k in range(m.num_layers)} if m.cell == "lstm" else None
        out.append(batch_loss_and_grads(m, batch, h0, c0))
        out.append(batch_loss_and_grads(m, batch, backward=False))
    return out


def generate_parts(m) -> list:
    out = []
    for t, seed in ((0.0, 0), (0.8, 1), (1.5, 2)):
        g = m.generate("the cat", tokens=12, temperature=t, seed=seed, stop=())
        out.append([g.tokens, g.ids, g.probs])
    return out


def main() -> None:
    hashes = {}
    total = hashlib.sha256()
    for name, fn in cases():
        h = hashlib.sha256()
        feed(h, fn())
        hashes[name] = h.hexdigest()
        total.update(h.digest())
    if ARGS.json:
        print(json.dumps(hashes))
    else:
        print(f"{len(hashes)} cases, sha256 over all: {total.hexdigest()}")


main()
