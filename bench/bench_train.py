#!/usr/bin/env python
"""Training speed: tokens/s per cell, and the time to train each shipped model.

    python bench/bench_train.py            # both (about two minutes on a 2-core machine)
    python bench/bench_train.py --quick    # tokens/s only (a few seconds)

Prints figures; asserts nothing (DESIGN.md: no timed assertions in tests). The issue's
target: each shipped model trains in under 60 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _make_models():
    spec = importlib.util.spec_from_file_location("make_models", ROOT / "scripts" / "make_models.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def tokens_per_second(epochs: int = 3) -> None:
    from rnnsim.core.train import train

    corpus = ROOT / "rnnsim" / "data" / "corpus.txt"
    print(f"tokens/s, hidden 32, embed 16, batch 32, {epochs} epochs of rnnsim/data/corpus.txt "
          "(forward + BPTT + Adam; held-out evaluation not counted)")  # fmt: skip
    for cell, bi in (("rnn", False), ("lstm", False), ("gru", False), ("lstm", True)):
        res = train(corpus, cell, bidirectional=bi, hidden=32, embed=16, epochs=epochs, seed=0)
        name = ("bi" if bi else "") + cell
        print(f"  {name:7s} {res.tokens_per_s:>10,.0f} tokens/s   ({res.seconds:.1f} s with evaluation)")


def shipped_models() -> None:
    mm = _make_models()
    print("time to train each shipped model (scripts/make_models.py specs)")
    total = 0.0
    for name, spec in mm.SPECS.items():
        t0 = time.perf_counter()
        _, res = mm.build(name)
        dt = time.perf_counter() - t0
        total += dt
        flag = "" if dt < 60 else "   over the 60 s target"
        print(f"  {name:7s} {dt:6.1f} s  {spec['epochs']:3d} epochs  {res.tokens_per_s:>9,.0f} tokens/s{flag}")
    print(f"  all     {total:6.1f} s")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tokens/s only")
    args = p.parse_args(argv)
    import numpy as np

    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs")
    tokens_per_second()
    if not args.quick:
        shipped_models()
    return 0


if __name__ == "__main__":
    sys.exit(main())
