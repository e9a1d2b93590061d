"""`rnnsim train CORPUS.txt --out MODEL.safetensors [options]`: train a model on a corpus.

The training itself is rnnsim.core.train (NumPy, no screen); this module parses the
options, draws a Rich progress bar on stderr (loss, tokens/s; one line per epoch when
stderr is not a terminal), prints a summary on stdout, and writes the model atomically.

Exit status: 0 when training finished; 130 when Ctrl-C stopped it (the best model so
far is still written; a second Ctrl-C while the kept weights of an unfinished first epoch
are scored skips the scoring, and the model is written without held-out figures; a
Ctrl-C while the file is being written leaves nothing, and says so); 2 for a mistake in
what was asked (one line: bad corpus, bad option, an --out that exists without --force or
cannot be written, a batch too large for the memory limit), checked before any training
starts; 1 when training diverged
(the loss became infinite or NaN) or the model could not be written: nothing is written
then, and a file already at --out is left as it was.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from .cli import Parser, UserError, add_limit_options, apply_limits, number

SHIPPED = "shipped"  # the corpus's name, which works from an installed wheel too


def train_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rnnsim train",
        description="Train a model on a corpus (UTF-8 text, one sentence per line) with "
        "backpropagation through time and Adam, and write it as a model file. "
        "Ctrl-C stops and keeps the best model so far.",
    )
    p.add_argument(
        "corpus",
        nargs="?",
        metavar="CORPUS",
        help=f"UTF-8 text file, one sentence per line; or `{SHIPPED}`: the corpus the shipped models learned from",
    )
    p.add_argument("--corpus", dest="corpus_option", metavar="CORPUS", help="the same, as an option")
    p.add_argument("--out", metavar="FILE", required=True, help="where to write the model (.safetensors or .npz)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists (as rnnsim record --force)")
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
        "--layers", type=number("number of layers", int, 1, 8), default=None, help="stacked layers, 1 to 8 (default: 1)"
    )
    g.add_argument(
        "--task",
        choices=("next", "cloze", "classify"),
        default=None,
        help="next word (default), cloze (bidirectional: fill the blank), or classify: "
        "every CORPUS line is label<TAB>text",
    )
    g.add_argument(
        "--tokenizer",
        choices=("word", "char"),
        default=None,
        help="word (default) or char: every character is a token, as written",
    )
    g.add_argument(
        "--hidden", type=number("hidden size", int, 1, 1024), default=None, help="hidden units (default: 32)"
    )
    g.add_argument(
        "--embed", type=number("embedding size", int, 1, 1024), default=None, help="embedding size (default: 16)"
    )
    g.add_argument(
        "--forget-bias",
        type=number("forget bias", float, -20, 20),
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
        type=number("learning rate", float, 0.0, 10.0, lo_open=True),
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
        type=number("clip", float, 0.0, 1e6),
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
    add_limit_options(p, "input", "model", "vocab", "memory")
    return p


def _corpus_path(positional: str | None, option: str | None) -> str:
    if positional is not None and option is not None:
        raise UserError("give the corpus once: as CORPUS or as --corpus, not both")
    corpus = positional if positional is not None else option
    if corpus is None:
        raise UserError(f"give a corpus: a text file, or --corpus {SHIPPED} for the one rnnsim ships")
    if corpus == SHIPPED:  # a file of that name is still ./shipped
        from .core.shipped import DATA_DIR

        return str(DATA_DIR / "corpus.txt")
    return corpus


def _check_out(out: str, force: bool = False) -> Path:
    path = Path(out)
    if path.suffix not in (".safetensors", ".npz"):
        raise UserError(f"--out {out}: the name must end in .safetensors or .npz")
    if path.is_dir():
        raise UserError(f"--out {out}: is a directory; give a file name")
    if os.path.lexists(path) and not force:  # one rule with rnnsim record
        raise UserError(f"--out {out} exists: choose another name, or add --force to overwrite it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"--out {out}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UserError(f"--out {out}: cannot write in {parent}")
    return path


def _build_trainer(args):
    from .core import ModelError
    from .core.corpus import CorpusError, _as_corpus
    from .core.train import TrainConfig, Trainer, model_for

    cfg = TrainConfig(
        epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, bptt=args.bptt,
        clip=args.clip, seed=args.seed, holdout=args.holdout,
        min_count=args.min_count or 1,
    )  # fmt: skip
    try:
        if args.model:
            given = [o for o in ("cell", "hidden", "embed", "forget_bias", "min_count", "layers", "task", "tokenizer")
                     if getattr(args, o) is not None]  # fmt: skip
            if given or args.bidirectional:
                opt = "--" + (given[0].replace("_", "-") if given else "bidirectional")
                raise UserError(f"{opt} describes a new model; it cannot change --model {args.model}")
            from .core.shipped import resolve_model

            model = resolve_model(args.model)
            corpus = _as_corpus(args.corpus, model.tokenizer, classify=model.task == "classify")
        else:
            if args.forget_bias is not None and (args.cell or "lstm") == "rnn":
                raise UserError("--forget-bias: the Elman RNN has no gate to bias (LSTM and GRU only)")
            corpus = _as_corpus(args.corpus, args.tokenizer or "word", classify=args.task == "classify")
            model = model_for(
                corpus, cfg, args.cell or "lstm", hidden=args.hidden or 32, embed=args.embed or 16,
                bidirectional=args.bidirectional, seed=args.seed, forget_bias=args.forget_bias,
                num_layers=args.layers or 1, task=args.task,
            )  # fmt: skip
        _check_memory(model, corpus, cfg)
        return Trainer(model, corpus, cfg)
    except (CorpusError, ModelError, ValueError) as e:
        raise UserError(str(e)) from None


def training_bytes(model, corpus, cfg) -> int:
    """About how many bytes one training batch takes: the padded [T, B] batch's logits and
    probabilities over the vocabulary, and the states, gates and their gradients. An
    estimate of the order of magnitude, made before anything is allocated."""
    longest = max(len(s) for s in corpus.sentences)
    T = min(cfg.bptt, longest)
    B = min(cfg.batch_size, len(corpus.sentences))
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[model.cell] * len(model.directions)
    per_token = 3 * len(model.vocab) + 6 * gates * model.hidden + 2 * model.embed
    return 8 * T * B * per_token


def _check_memory(model, corpus, cfg) -> None:
    from .core.limits import LIMITS, raise_hint, size_mb

    need = training_bytes(model, corpus, cfg)
    if need > LIMITS.memory_bytes:
        raise UserError(
            f"a batch of {min(cfg.batch_size, len(corpus.sentences)):,} sentences would take about {size_mb(need)} "
            f"of memory, over {size_mb(LIMITS.memory_bytes)}: lower --batch-size or --bptt, "
            f"or {raise_hint('memory_bytes')}"
        )


class Diverged(Exception):
    """The loss became infinite or NaN: the weights are lost to overflow."""


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
        self._said = 0.0

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

    every = 30.0  # seconds between progress lines when stderr is not a terminal (and none before)

    def __call__(self, ev) -> None:
        if ev.kind == "batch" and not math.isfinite(ev.loss):
            raise Diverged(ev.epoch, ev.batch)
        if ev.kind == "batch":
            self.smooth = ev.loss if self.smooth is None else 0.9 * self.smooth + 0.1 * ev.loss
            if self.bar is not None:
                done = (ev.epoch - 1) * self.per_epoch + ev.batch
                self.bar.update(self.task, completed=done, epoch=ev.epoch, loss=self.smooth, tps=ev.tokens_per_s)
            elif not self.quiet and ev.elapsed - self._said >= self.every:
                # Not a terminal (a log, CI): a line now and then, so a slow epoch shows life.
                self._said = ev.elapsed
                line = (f"epoch {ev.epoch:>3}/{self.epochs}: batch {ev.batch}/{ev.batches}, "
                        f"loss {self.smooth:.3f}, {ev.tokens_per_s:,.0f} tokens/s")  # fmt: skip
                print(line, file=sys.stderr, flush=True)
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
    task = {"next": "next-word", "cloze": "cloze (fill-the-blank)", "classify": "label"}[m.task]
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
    done, total = result.heldout_partial or (None, None)
    if done == 0:  # a second Ctrl-C skipped the evaluation: no figure rather than NaN
        on = "held-out" if result.heldout else "training-line"
        lines.append(f"no {on} figures: a second Ctrl-C skipped scoring the kept weights")
    else:
        lines.append(
            f"{where} loss {result.heldout_loss:.3f} nats/token (perplexity {result.perplexity:.2f}), "
            f"{task} accuracy {result.heldout_accuracy:.1%}"
        )
    if done:
        lines.append(f"held-out figures from the first {done:,} of {total:,} held-out tokens: "
                     "the rest was skipped to answer the interrupt at once")  # fmt: skip
    if out is not None:
        size = out.stat().st_size if out.exists() else len(model_file_bytes(m))
        lines.append(f"wrote {out} ({size / 1024:.1f} KB)")
    return "\n".join(lines) + "\n"


def _unloadable(model) -> str | None:
    """Why the model would not load back once written as float32 (None: it would)."""
    import numpy as np

    for name, value in model.params.items():
        with np.errstate(over="ignore"):
            if not np.all(np.isfinite(np.asarray(value, dtype=np.float32))):
                return f"the weights of {name} overflowed to infinity or NaN"
    return None


def cmd_train(argv: list[str]) -> int:
    args = train_parser().parse_args(argv)
    apply_limits(args)
    args.corpus = _corpus_path(args.corpus, args.corpus_option)
    out = _check_out(args.out, args.force)
    trainer = _build_trainer(args)
    from .core.modelfile import save_model

    try:
        with _Display(trainer, args.quiet) as display:
            trainer.callback = display
            result = trainer.run()
    except Diverged as e:
        epoch, batch = e.args
        print(f"rnnsim: error: training diverged: the loss became infinite or NaN at epoch {epoch}, "
              f"batch {batch}; lower --lr (it was {args.lr:g}); nothing was written", file=sys.stderr)  # fmt: skip
        return 1
    if reason := _unloadable(result.model):
        print(f"rnnsim: error: {reason}; lower --lr (it was {args.lr:g}); nothing was written", file=sys.stderr)
        return 1
    from .core.safe_text import safe_text

    kept = " and the previous file is unchanged"
    try:
        save_model(result.model, out)
    except OSError as e:  # a full disk: the temp file is gone and a previous file untouched
        print(f"rnnsim: error: cannot write {safe_text(out)}: {e.strerror or e}; nothing was written"
              f"{kept if out.exists() else ''}", file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt:  # one more Ctrl-C: the same rule, whole or not at all
        print(f"rnnsim: stopped while writing {safe_text(out)}: nothing was written{kept if out.exists() else ''}",
              file=sys.stderr)  # fmt: skip
        return 130
    sys.stdout.write(summary(result, args.corpus, out))
    return 130 if result.interrupted else 0
