"""Benchmark: what hostile sizes cost, before and after (side by side, one run). Prints
figures; asserts nothing.

    python bench/bench_hostile.py

- trace's table over 1,000 .. 10,000 tokens: before, every row recomputed its column's
  norms over the whole [T, H] array (quadratic); now each column once.
- a vocabulary's duplicate-word search over 2,000 .. 20,000 words with the repeat at the end:
  before, tokens.count(t) per word (quadratic; 1,000,000 words took about 4 hours); now one pass.
- a .npz whose header claims 4 TiB: refused from its header, without reading data.
- Ctrl-C in the first epoch of training with a 200,000-word vocabulary: seconds from the
  interrupt to the result. Before, the current weights were scored on the whole held-out
  part (a row of 200,000 logits per token: minutes on a real corpus); now until
  INTERRUPT_EVAL_LOGITS logits are done. "before" is that whole evaluation, timed here.
"""

from __future__ import annotations

import platform
import struct
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnnsim.cli_trace import format_trace  # noqa: E402
from rnnsim.core import ModelError, Vocab, load_model, random_model  # noqa: E402


def old_format_trace(tr) -> int:
    """The per-row work of the table before: norms over the whole array for every row."""
    n = 0
    for t in range(len(tr.tokens)):
        n += len(f"{np.linalg.norm(tr.forward.h[t]):>6.3f} {tr.forward.grad_norms()[t]:>9.2e}")
        n += len(f" {tr.forward.cell_grad_norms()[t]:>9.2e} {tr.forward.gates['f'][t].mean():>6.3f}")
    return n


def old_duplicate(tokens):
    return next(t for t in tokens if tokens.count(t) > 1)


def timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main() -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print("\ntrace table (lstm, hidden 16), seconds")
    print(f"{'tokens':>8} {'before':>8} {'after':>8}")
    for T in (1000, 3000, 10_000):
        text = " ".join(["the cat sat on the mat ."] * (T // 7 + 1)).split()[:T]
        model = random_model("lstm", vocab=Vocab.from_texts([" ".join(text)]), hidden=16, embed=8, seed=0)
        tr = model.run(" ".join(text))
        before = timed(old_format_trace, tr) if T <= 3000 else float("nan")
        print(
            f"{T:>8} {before:>8.2f} {timed(format_trace, tr):>8.2f}"
            + ("   (before: too slow to wait for)" if T > 3000 else "")
        )
    print("\nvocabulary duplicate search (repeat at the end), seconds")
    print(f"{'words':>8} {'before':>8} {'after':>8}")
    for n in (2000, 6000, 20_000):
        words = ["<unk>", *(f"w{i}" for i in range(n))]
        words.append(words[-1])
        before = timed(old_duplicate, words) if n <= 6000 else float("nan")

        def after(words=words):
            try:
                Vocab(words)
            except ValueError:
                pass

        print(f"{n:>8} {before:>8.3f} {timed(after):>8.3f}")
    with tempfile.TemporaryDirectory() as d:
        header = repr({"descr": "<f4", "fortran_order": False, "shape": (1 << 20, 1 << 20)}).encode()
        header += b" " * (-(len(header) + 11) % 64) + b"\n"
        path = Path(d) / "huge.npz"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("embedding.weight.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header)
        t0 = time.perf_counter()
        try:
            load_model(path)
        except ModelError as e:
            print(f"\n.npz claiming 4 TiB: refused in {time.perf_counter() - t0:.4f} s: {e}")
    interrupt_in_first_epoch()


def interrupt_in_first_epoch(vocab_size: int = 200_000, heldout_lines: int = 200) -> None:
    from rnnsim.core import trainer as trainer_module
    from rnnsim.core.corpus import Corpus
    from rnnsim.core.train import TrainConfig, Trainer, new_model

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(vocab_size)]
    n = heldout_lines * 5  # holdout 0.2
    corpus = Corpus.from_lines(" ".join(words[i] for i in rng.integers(0, vocab_size, 12)) for _ in range(n))
    model = new_model("lstm", Vocab(["<unk>", *words]), hidden=32, embed=16, seed=0)
    stamp: dict = {}

    def callback(ev):
        if ev.kind == "batch" and ev.batch == 2:
            stamp["t"] = time.perf_counter()
            raise KeyboardInterrupt

    trainer = Trainer(model, corpus, TrainConfig(epochs=1, batch_size=4, holdout=0.2), callback=callback)
    res = trainer.run()
    after = time.perf_counter() - stamp["t"]
    before = timed(trainer.evaluate)  # what the interrupt used to wait for: every held-out token
    done, total = res.heldout_partial or (0, 0)
    print(f"\nCtrl-C in the first epoch, vocabulary {len(model.vocab):,}, {len(trainer.held_idx)} held-out lines "
          f"({total:,} tokens), seconds from the interrupt to the result")  # fmt: skip
    print(f"{'before':>8} {'after':>8}   (after: scored {done:,} of {total:,} held-out tokens, "
          f"budget {trainer_module.INTERRUPT_EVAL_LOGITS:,} logits)")  # fmt: skip
    print(f"{before:>8.2f} {after:>8.2f}")


if __name__ == "__main__":
    main()
