#!/usr/bin/env python
"""Record how the shipped LSTM and RNN learned, epoch by epoch, for the `learning` lesson.

    python scripts/record_learning.py            # train both, write rnnsim/data/learning.json
    python scripts/record_learning.py --check    # train again, compare with the shipped file

Each run is the training that makes the shipped model (scripts/make_models.py's SPECS:
the same corpus, options and seed), run for twice as many epochs as the longer of the
two, for both cells, so their curves share one axis and show what longer training would
change. With the same seed the first epochs are the very ones make_models trains; the
shipped model is the epoch with the lowest held-out loss among those (`best_epoch`;
`shipped_epochs` says how many make_models trains).

Before training (epoch 0) and after every epoch the current weights are measured: the
epoch's training loss, the held-out loss and accuracy, and on the 64 long-range probes
(rnnsim/data/longrange.txt) the accuracy and the share of the gradient that gets back to
the animal (rnnsim.core.probes.long_range_report). The file is JSON, written whole or not
at all; the app and the lessons replay it (rnnsim/sim/learning.py) without training.

--check compares the figures to 1e-9 relative: the same NumPy/BLAS build gives the same
weights, another may sum some products in another order and differ in the last digits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # as make_models.py
    os.environ[_var] = "1"

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import make_models  # noqa: E402  (SPECS, CORPUS: the shipped models' training)

OUT = ROOT / "rnnsim" / "data" / "learning.json"
FORMAT = "rnnsim learning history 1"
CELLS = ("lstm", "rnn")


def _figures(model, train_loss, heldout_loss, heldout_accuracy) -> dict:
    from rnnsim.core.probes import long_range_report

    report = long_range_report(model)
    return {
        "train_loss": train_loss,
        "heldout_loss": heldout_loss,
        "heldout_accuracy": heldout_accuracy,
        "long_range_accuracy": report.accuracy,
        "cue_gradient": report.ratio,
    }


def record(cell: str, epochs: int, corpus_path: Path | None = None) -> dict:
    """Train `cell` as make_models.py does (rnnsim.core.train.train's own steps, with a
    measurement after every epoch) and return its record."""
    import dataclasses

    from rnnsim.core.corpus import read_corpus
    from rnnsim.core.train import TrainConfig, Trainer, model_for

    opts = dict(make_models.SPECS[cell], epochs=epochs)
    corpus = read_corpus(corpus_path or make_models.CORPUS)
    # as train() splits its options: the loop's settings, then the untrained model's (the
    # seed serves both: the initial weights and the batch order)
    loop = {f.name for f in dataclasses.fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in opts.items() if k in loop})
    model_opts = {k: v for k, v in opts.items() if (k not in loop or k == "seed") and k != "cell"}
    model = model_for(corpus, config, opts["cell"], **model_opts)
    rows = []

    def on_progress(ev) -> None:
        if ev.kind == "epoch":
            r = ev.record
            rows.append(_figures(ev.trainer.current_model(), r.train_loss, r.heldout_loss, r.heldout_accuracy))
            print(f"  {cell} epoch {r.epoch:>2}: held-out loss {r.heldout_loss:.3f}, "
                  f"long range {rows[-1]['long_range_accuracy']:.0%}", file=sys.stderr)  # fmt: skip

    trainer = Trainer(model, corpus, config, callback=on_progress)
    loss0, acc0 = trainer.evaluate()  # the untrained weights (no shuffling: the batch order stays)
    rows.insert(0, _figures(model, None, loss0, acc0))
    trainer.run()
    shipped = make_models.SPECS[cell]["epochs"]  # make_models keeps the best of these
    best = min(range(1, min(shipped, epochs) + 1), key=lambda k: rows[k]["heldout_loss"])
    return {"options": opts, "shipped_epochs": shipped, "best_epoch": best, "epochs": rows}


def history() -> dict:
    # Twice the longer of the two trainings: the first epochs are the shipped models' own
    # (the same seed), the rest show what training longer would have changed.
    epochs = 2 * max(make_models.SPECS[c]["epochs"] for c in CELLS)
    corpus_hash = hashlib.sha256(make_models.CORPUS.read_bytes()).hexdigest()
    return {"format": FORMAT, "corpus_sha256": corpus_hash, "runs": {c: record(c, epochs) for c in CELLS}}


def _close(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)
    return a == b


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = ap.parse_args(argv)
    start = time.process_time()
    doc = history()
    print(f"recorded in {time.process_time() - start:.0f} s of CPU time", file=sys.stderr)
    if args.check:
        shipped = json.loads(OUT.read_text(encoding="utf-8"))
        if not _close(doc, shipped):
            print(f"{OUT.name} differs from a new recording: run scripts/record_learning.py", file=sys.stderr)
            return 1
        print(f"{OUT.name} matches", file=sys.stderr)
        return 0
    text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, OUT)  # whole or not at all
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text)} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
