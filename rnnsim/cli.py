"""The command line: `rnnsim [options] [TEXT]` opens the app; subcommands do the rest.

Only commands that open a screen import textual, so `rnnsim --help` and
`rnnsim trace` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from pathlib import Path

DEFAULT_TEXT = "The cat sat on the mat."
# subcommand -> (module, function); imported only when used, so each starts fast
SUBCOMMANDS = {
    "trace": ("rnnsim.cli", "cmd_trace"),
    "train": ("rnnsim.cli_train", "cmd_train"),
    "play": ("rnnsim.cli_scene", "cmd_play"),
    "record": ("rnnsim.cli_scene", "cmd_record"),
    "generate": ("rnnsim.cli_generate", "cmd_generate"),
}


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (through UserError), not usage + error."""

    def error(self, message: str):
        raise UserError(f"{message} (see {self.prog} --help)")


def number(name: str, kind=int, lo=None, hi=None, lo_open=False):
    """An argparse type: a whole number (kind=int) or a finite float within [lo, hi]
    (lo_open: above lo), with a message that names the option's meaning."""

    def parse(s: str):
        try:
            v = kind(s)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{name} must be {what}, got {s!r}") from None
        if kind is float and not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{name} must be a finite number, got {s!r}")
        too_low = lo is not None and (v <= lo if lo_open else v < lo)
        too_high = hi is not None and v > hi
        if (too_low or too_high) and lo is not None and hi is not None and not lo_open:
            raise argparse.ArgumentTypeError(f"{name} must be between {lo} and {hi}, got {s}")
        if too_low:
            raise argparse.ArgumentTypeError(f"{name} must be {'above' if lo_open else 'at least'} {lo}, got {s}")
        if too_high:
            raise argparse.ArgumentTypeError(f"{name} must be at most {hi}, got {s}")
        return v

    return parse


def _add_model_options(p: argparse.ArgumentParser) -> None:
    from .sim import DEFAULTS as D  # the one home of the defaults; numpy and the core only

    g = p.add_argument_group("model (a file, or a seeded random one)")
    g.add_argument("--model", metavar="FILE", help="a .safetensors or .npz model file, or a shipped model's name")
    g.add_argument(
        "--cell", choices=("rnn", "lstm", "gru"), default=None, help=f"cell of a random model (default: {D.cell})"
    )
    g.add_argument(
        "--bidirectional", action="store_true", help="two directions; the task becomes cloze (fill the blank)"
    )
    g.add_argument(
        "--hidden",
        type=number("hidden size", int, 1, 1024),
        default=None,
        help=f"hidden units of a random model (default: {D.hidden})",
    )
    g.add_argument(
        "--embed",
        type=number("embedding size", int, 1, 1024),
        default=None,
        help=f"embedding size of a random model (default: {D.embed})",
    )
    g.add_argument(
        "--seed",
        type=number("seed", int, 0, 2**32 - 1),
        default=None,
        help=f"seed of a random model (default: {D.seed})",
    )
    g.add_argument(
        "--forget-bias",
        type=number("forget bias", float, -20, 20),
        default=None,
        metavar="B",
        help=f"added to the LSTM forget-gate bias of a random model (default: {D.init_forget_bias})",
    )


def build_model(args: argparse.Namespace, text: str):
    """The model the options ask for: a file, or a seeded random one whose vocabulary
    is the text's own words (so nothing is <unk>)."""
    from .core import ModelError
    from .core.shipped import resolve_model
    from .sim import build_model as build_session_model

    try:
        if args.model:
            given = [o for o in ("cell", "hidden", "embed", "seed", "forget_bias") if getattr(args, o) is not None]
            if given or args.bidirectional:
                opt = "--" + (given[0].replace("_", "-") if given else "bidirectional")
                raise UserError(f"{opt} describes a random model; it cannot change --model FILE")
            return resolve_model(args.model)
        model, _, _ = build_session_model(random_settings(args, "random"), text)
        return model
    except ModelError as e:
        raise UserError(str(e)) from None


def _read_text(args) -> str:
    if getattr(args, "file", None):
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{args.file}: not UTF-8 text") from None
        except OSError as e:
            raise UserError(f"{args.file}: {e.strerror or e}") from None
    else:
        text = args.text if args.text is not None else DEFAULT_TEXT
    from .core import tokenize

    if not tokenize(text):
        raise UserError("the text is empty: give at least one word")
    return text


# ------------------------------------------------------------------ trace


def trace_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rnnsim trace",
        description="Run a model over TEXT, backpropagate through time, and print every step.",
    )
    _add_model_options(p)
    p.add_argument(
        "--loss", default="all", help="all (every scored position), last (only the last), or a position number"
    )
    p.add_argument(
        "--label", metavar="NAME", help="a classifier's target label for the loss (default: the predicted one)"
    )
    p.add_argument("--json", action="store_true", help="print the whole run as one JSON object")
    p.add_argument("--file", metavar="FILE", help="read the text from a UTF-8 file")
    p.add_argument("text", nargs="?", metavar="TEXT", help=f"the text (default: {DEFAULT_TEXT!r})")
    return p


def _loss_mode(s: str):
    if s in ("all", "last"):
        return s
    try:
        return int(s)
    except ValueError:
        raise UserError(f"unknown --loss {s!r}: use all, last or a position number") from None


def cmd_trace(argv: list[str]) -> int:
    args = trace_parser().parse_args(argv)
    text = _read_text(args)
    model = build_model(args, text)
    import numpy as np

    if args.label is not None and model.task != "classify":
        raise UserError(f"--label is for a classifier; this model's task is {model.task}")
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # said once below, not per operation
            tr = model.run(text, loss=_loss_mode(args.loss), label=args.label)
    except ValueError as e:
        raise UserError(str(e)) from None
    if not np.all(np.isfinite(tr.forward.h)):
        print("rnnsim: note: the hidden state overflowed to infinity or NaN (shown as null in JSON)", file=sys.stderr)
    if args.json:
        # Strict JSON: a state that overflowed (a relu network can) is written as null.
        json.dump(_finite(tr.to_dict()), sys.stdout, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_trace(tr))
    return 0


def _finite(obj):
    """The same structure with every NaN or infinity replaced by None (JSON null)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def format_trace(tr) -> str:
    """A readable table: one row per position, the top layer; then each lower layer's
    states and gradients, and a classifier's decision."""
    import numpy as np

    m = tr.model
    vocab = m.vocab.tokens
    classify = m.task == "classify"
    loss = "no loss" if tr.loss is None else f"loss {tr.loss:.4f}"
    norm = "" if tr.grad_norm() is None else f", gradient norm {tr.grad_norm():.4g}"
    lines = [f"{m.describe()}; loss mode {tr.loss_mode}: {loss}{norm}", ""]
    if len(tr.layers) > 1:
        lines[-1:] = [f"layer {len(tr.layers)} of {len(tr.layers)} (the top one, which the head reads)"]
    head = f"{'t':>3}  {'token':<12} "
    if not classify:
        head += f"{'target':<10} {'top guess':<16} "
    head += _state_heading(m) + f" {'|dL/dx|':>9}"  # at the word's embedding: the update it would get
    lines.append(head)
    input_norms = tr.input_grad_norms()
    for t, tok in enumerate(tr.tokens):
        row = f"{t:>3}  {_shown(tok):<12} "
        if not classify:
            y = tr.targets[t]
            tgt = "-" if y is None else vocab[y]
            k = int(np.argmax(tr.probs[t]))
            guess = f"{vocab[k]} {tr.probs[t, k]:.2f}"
            row += f"{tgt[:10]:<10} {guess[:16]:<16} "
        row += _state_row(m, tr.layers[-1], t)
        row += f" {input_norms[t]:>9.2e}" if input_norms is not None else f" {'-':>9}"
        lines.append(row)
    for k in range(len(tr.layers) - 2, -1, -1):
        lines += ["", f"layer {k + 1} of {len(tr.layers)}", f"{'t':>3}  {'token':<12} " + _state_heading(m)]
        lines += [f"{t:>3}  {_shown(tok):<12} " + _state_row(m, tr.layers[k], t) for t, tok in enumerate(tr.tokens)]
    if classify:
        probs = "  ".join(f"{name} {p:.3f}" for name, p in zip(m.labels, tr.probs, strict=True))
        lines += ["", f"after the last token: {probs}"]
        lines.append(f"predicted {m.labels[int(np.argmax(tr.probs))]}; the loss is taken at {m.labels[tr.label]}")
    return "\n".join(lines) + "\n"


def _shown(tok: str) -> str:
    tok = tok.replace(" ", "␠").replace("\n", "↵").replace("\t", "⇥")  # a character model's blanks, visible
    return tok if len(tok) <= 12 else tok[:11] + "…"


def _state_heading(m) -> str:
    head = f"{'|h|':>6} {'|dL/dh|':>9}"
    if m.cell == "lstm":
        head += f" {'|dL/dc|':>9} {'mean f':>6}"
    if m.cell == "gru":
        head += f" {'mean z':>6}"
    if m.bidirectional:
        head += f" {'|h_rev|':>7} {'|dL/dh_rev|':>11}"
    return head


def _state_row(m, layer, t: int) -> str:
    import numpy as np

    def grad(x):
        return f"{np.linalg.norm(x[t]):>9.2e}" if x is not None else f"{'-':>9}"

    fwd = layer["forward"]
    row = f"{np.linalg.norm(fwd.h[t]):>6.3f} {grad(fwd.dh)}"
    if m.cell == "lstm":
        row += f" {grad(fwd.dc)} {fwd.gates['f'][t].mean():>6.3f}"
    if m.cell == "gru":
        row += f" {fwd.gates['z'][t].mean():>6.3f}"
    if m.bidirectional:
        rev = layer["reverse"]
        rg = f"{np.linalg.norm(rev.dh[t]):>11.2e}" if rev.dh is not None else f"{'-':>11}"
        row += f" {np.linalg.norm(rev.h[t]):>7.3f} {rg}"
    return row


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            module, function = SUBCOMMANDS[argv[0]]
            return getattr(importlib.import_module(module), function)(argv[1:])
        return cmd_app(argv)
    except UserError as e:
        print(f"rnnsim: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def app_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rnnsim",
        description="Step through a recurrent network one token at a time. Subcommands: "
        "trace (print a run), train (train a model on a corpus), play (play a scene), "
        "record (save what you do as a scene), generate (continue a text); see rnnsim SUBCOMMAND --help.",
    )
    _add_model_options(p)
    p.add_argument("--file", metavar="FILE", help="read the text from a UTF-8 file")
    p.add_argument("text", nargs="?", metavar="TEXT", help=f"the text (default: {DEFAULT_TEXT!r})")
    return p


def app_settings(args: argparse.Namespace):
    """The session's Settings from the command line: a shipped name or a file with
    --model, a random model when a random-only option (--hidden, --embed, --seed,
    --forget-bias) is given, else the trained model of the chosen cell."""
    from .core.naming import split_model_name
    from .core.shipped import shipped_names
    from .sim import Settings

    if args.model:
        build_model(args, DEFAULT_TEXT)  # refuses random-model options beside --model
        if args.model in shipped_names():
            cell, bi = split_model_name(args.model)
            return Settings(source="trained", cell=cell, bidirectional=bi)
        return Settings(source="file", path=args.model)
    random_only = any(getattr(args, o) is not None for o in ("hidden", "embed", "seed", "forget_bias"))
    return random_settings(args, "random" if random_only else "trained")


def random_settings(args: argparse.Namespace, source: str):
    """Settings from the model options; an option not given takes the one default."""
    from .sim import settings_from

    return settings_from(
        source,
        cell=args.cell,
        bidirectional=args.bidirectional,
        hidden=args.hidden,
        embed=args.embed,
        seed=args.seed,
        init_forget_bias=args.forget_bias,
    )


def cmd_app(argv: list[str]) -> int:
    args = app_parser().parse_args(argv)
    text = _read_text(args)
    from .core import ModelError
    from .sim import SimError, Simulation

    try:
        sim = Simulation.from_settings(text, app_settings(args))
    except (ModelError, SimError) as e:
        raise UserError(str(e)) from None
    from .ui.app import RnnsimApp

    RnnsimApp(sim).run()
    return 0
