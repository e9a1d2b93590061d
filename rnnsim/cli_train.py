"""`rnnsim train CORPUS.txt --out MODEL.safetensors [options]`: train a model on a corpus.

The training itself is rnnsim.core.train (NumPy, no screen); this module parses the
options, draws a Rich progress bar on stderr (loss, tokens/s; one line per epoch when
stderr is not a terminal), prints a summary on stdout, and writes the model atomically.

Exit status: 0 when training finished; 130 when Ctrl-C stopped it (the best model so
far is still written); 2 for a mistake in what was asked (one line: bad corpus, bad
option, an --out that cannot be written), checked before any training starts.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from .cli import Parser, UserError, number


def train_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rnnsim train",
        description="Train a model on a corpus (UTF-8 text, one sentence per line) with "
        "backpropagation through time and Adam, and write it as a model file. "
        "Ctrl-C stops and keeps the best model so far.",
    )
    p.add_argument("corpus", metavar="CORPUS", help="UTF-8 text file, one sentence per line")
    p.add_argument("--out", metavar="FILE", required=True, help="where to write the model (.safetensors or .npz)")
    g = p.add_argument_group("model")
    g.add_argument(
        "--model",
        metavar="FILE",
        help="continue training this model (a file or a shipped model's name) instead of a new one",
    )
    g.add_argument("--cell", choices=("rnn", "lstm", "gru"), default=None, help="recurrent cell (default: lstm)")
    g.add_argument(
        "--bidirectional", action="store_true", help="two directions; the task becomes cloze (fill the blank)"
    )
    g.add_argument(
        "--hidden", type=number("hidden size", int, 1, 1024), default=None, help="hidden units (default: 32)"
    )
    g.add_argument(
        "--embed", type=number("embedding size", int, 1, 1024), default=None, help="embedding size (default: 16)"
    )
    g.add_argument(
        "--forget-bias",
        type=number("forget bias", float),
        default=None,
        metavar="B",
        help="added at the start to the LSTM forget gate's bias (the GRU's update gate z "
        "for a GRU); default 1.0 for the LSTM, 0 for the GRU",
    )
    g.add_argument(
        "--min-count",
        type=number("min count", int, 1),
        default=None,
        metavar="N",
        help="words seen fewer times in training become <unk> (default: 1)",
    )
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=number("epochs", int, 1, 100000), default=20, help="default: 20")
    g.add_argument(
        "--lr",
        type=number("learning rate", float, 0.0, lo_open=True),
        default=0.01,
        help="Adam's learning rate (default: 0.01)",
    )
    g.add_argument(
        "--batch-size", type=number("batch size", int, 1, 100000), default=32, help="sentences per step (default: 32)"
    )
    g.add_argument(
        "--bptt",
        type=number("bptt", int, 2, 100000),
        default=64,
        help="longest stretch of tokens backpropagated through; longer lines are cut and "
        "their state carried over (default: 64)",
    )
    g.add_argument(
        "--clip",
        type=number("clip", float, 0.0),
        default=1.0,
        help="clip the gradient's global norm to this (0: off; default: 1)",
    )
    g.add_argument(
        "--holdout",
        type=number("holdout", float, 0.0, 0.9),
        default=0.1,
        help="fraction of the lines held out to pick the best epoch and report on (default: 0.1)",
    )
    g.add_argument(
        "--seed",
        type=number("seed", int, 0, 2**32 - 1),
        default=0,
        help="seed of the initial weights and the batch order (default: 0)",
    )
    g.add_argument("--quiet", action="store_true", help="no progress, only the summary")
    return p


def _check_out(out: str) -> Path:
    path = Path(out)
    if path.suffix not in (".safetensors", ".npz"):
        raise UserError(f"--out {out}: the name must end in .safetensors or .npz")
    if path.is_dir():
        raise UserError(f"--out {out}: is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"--out {out}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UserError(f"--out {out}: cannot write in {parent}")
    return path


def _build_trainer(args):
    from .core import ModelError
    from .core.corpus import CorpusError, _as_corpus, build_vocab
    from .core.train import TrainConfig, Trainer, new_model

    cfg = TrainConfig(
        epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, bptt=args.bptt,
        clip=args.clip, seed=args.seed, holdout=args.holdout,
        min_count=args.min_count or 1,
    )  # fmt: skip
    try:
        corpus = _as_corpus(args.corpus)
        if args.model:
            given = [o for o in ("cell", "hidden", "embed", "forget_bias", "min_count")
                     if getattr(args, o) is not None]  # fmt: skip
            if given or args.bidirectional:
                opt = "--" + (given[0].replace("_", "-") if given else "bidirectional")
                raise UserError(f"{opt} describes a new model; it cannot change --model {args.model}")
            from .core.shipped import resolve_model

            model = resolve_model(args.model)
        else:
            if args.forget_bias is not None and (args.cell or "lstm") == "rnn":
                raise UserError("--forget-bias: the Elman RNN has no gate to bias (LSTM and GRU only)")
            train_idx, _ = corpus.split(cfg.holdout)
            vocab = build_vocab((corpus.sentences[i] for i in train_idx), cfg.min_count)
            model = new_model(
                args.cell or "lstm", vocab, hidden=args.hidden or 32, embed=args.embed or 16,
                bidirectional=args.bidirectional, seed=args.seed, forget_bias=args.forget_bias,
            )  # fmt: skip
        return Trainer(model, corpus, cfg)
    except (CorpusError, ModelError, ValueError) as e:
        raise UserError(str(e)) from None


class _Display:
    """Progress on stderr: a live Rich bar on a terminal, one line per epoch otherwise."""

    def __init__(self, trainer, quiet: bool):
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False)
        self.quiet = quiet
        self.live = self.console.is_terminal and not quiet
        self.per_epoch = trainer.batches_per_epoch()
        self.epochs = trainer.config.epochs
        self.bar = None
        self.smooth = None

    def __enter__(self):
        if self.live:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
                BarColumn(),
                TextColumn("loss {task.fields[loss]:.3f}"),
                TextColumn("{task.fields[tps]:>9,.0f} tokens/s"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task(
                "train", total=self.per_epoch * self.epochs, epoch=1, epochs=self.epochs, loss=math.nan, tps=0.0
            )
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False

    def __call__(self, ev) -> None:
        if ev.kind == "batch":
            self.smooth = ev.loss if self.smooth is None else 0.9 * self.smooth + 0.1 * ev.loss
            if self.bar is not None:
                done = (ev.epoch - 1) * self.per_epoch + ev.batch
                self.bar.update(self.task, completed=done, epoch=ev.epoch, loss=self.smooth, tps=ev.tokens_per_s)
            return
        r = ev.record
        best = " *" if ev.trainer.best_epoch == r.epoch else ""
        line = (f"epoch {r.epoch:>3}/{self.epochs}: train loss {r.train_loss:.3f}, "
                f"held-out loss {r.heldout_loss:.3f}, accuracy {r.heldout_accuracy:.1%}, "
                f"{r.tokens_per_s:,.0f} tokens/s{best}")  # fmt: skip
        if self.bar is not None:
            self.bar.console.print(line, markup=False)
        elif not self.quiet:
            print(line, file=sys.stderr, flush=True)


def summary(result, corpus_name: str, out: Path | None) -> str:
    from .core.modelfile import model_file_bytes

    m = result.model
    task = "next-word" if m.task == "next" else "cloze (fill-the-blank)"
    where = "held-out" if result.heldout else "training (no lines to hold out)"
    epochs = len(result.history)
    lines = [
        f"trained: {m.describe()}",
        f"corpus {corpus_name}: {result.n_train} sentences for training, {result.n_heldout} held out",
    ]
    if result.interrupted:
        kept = f"epoch {result.best_epoch}" if result.best_epoch else "the weights as they were"
        lines.append(f"interrupted after {epochs} of {result.planned_epochs} epochs: kept the best model ({kept})")
    lines.append(
        f"{epochs} epochs in {result.seconds:.1f} s ({result.tokens_per_s:,.0f} tokens/s); "
        f"best epoch {result.best_epoch}"
    )
    lines.append(
        f"{where} loss {result.heldout_loss:.3f} nats/token (perplexity {result.perplexity:.2f}), "
        f"{task} accuracy {result.heldout_accuracy:.1%}"
    )
    if out is not None:
        size = out.stat().st_size if out.exists() else len(model_file_bytes(m))
        lines.append(f"wrote {out} ({size / 1024:.1f} KB)")
    return "\n".join(lines) + "\n"


def cmd_train(argv: list[str]) -> int:
    args = train_parser().parse_args(argv)
    out = _check_out(args.out)
    trainer = _build_trainer(args)
    from .core.modelfile import save_model

    with _Display(trainer, args.quiet) as display:
        trainer.callback = display
        result = trainer.run()
    save_model(result.model, out)
    sys.stdout.write(summary(result, args.corpus, out))
    return 130 if result.interrupted else 0
