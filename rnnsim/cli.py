"""The command line: `rnnsim [options] [TEXT]` opens the app; subcommands do the rest.

Only commands that open a screen import textual, so `rnnsim --help` and
`rnnsim trace` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys

from .sim.build import DEFAULT_TEXT  # the one home of the defaults (with DEFAULTS)

DISTRIBUTION = "rnnsim-tui"  # the name on PyPI ("rnnsim" there is another project)
# subcommand -> (module, function); imported only when used, so each starts fast
SUBCOMMANDS = {
    "trace": ("rnnsim.cli", "cmd_trace"),
    "train": ("rnnsim.cli_train", "cmd_train"),
    "play": ("rnnsim.cli_scene", "cmd_play"),
    "record": ("rnnsim.cli_scene", "cmd_record"),
    "serve": ("rnnsim.cli_serve", "cmd_serve"),
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
    from .sim.build import MAX_LAYERS

    g = p.add_argument_group(
        "model",
        f"By default the trained {D.cell} that ships with rnnsim (hidden 32, embed 16); --cell and "
        "--bidirectional pick another trained one where it ships (rnn, lstm, gru, bilstm); any of "
        "--hidden, --embed, --seed, --forget-bias makes a seeded random one instead.",
    )
    g.add_argument(
        "--model",
        metavar="FILE",
        help="a .safetensors or .npz model file, or a shipped model's name (rnn, lstm, gru, bilstm)",
    )
    g.add_argument(
        "--cell",
        choices=("rnn", "lstm", "gru"),
        default=None,
        help=f"the trained model of this cell, or a random one's cell (default: {D.cell})",
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
        "--layers",
        type=number("number of layers", int, 1, MAX_LAYERS),
        default=None,
        metavar="N",
        help=f"stacked recurrent layers of a random model, 1 to {MAX_LAYERS} (default: {D.layers})",
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


# Options that describe a random model (the cell first: alone, it picks a trained model).
RANDOM_OPTIONS = ("cell", "hidden", "embed", "layers", "seed", "forget_bias")


def build_model(args: argparse.Namespace, text: str):
    """The model the options ask for: a file, or a seeded random one whose vocabulary
    is the text's own words (so nothing is <unk>)."""
    from .core import ModelError
    from .core.shipped import resolve_model
    from .sim import build_model as build_session_model

    try:
        if args.model:
            given = [o for o in RANDOM_OPTIONS if getattr(args, o) is not None]
            if given or args.bidirectional:
                opt = "--" + (given[0].replace("_", "-") if given else "bidirectional")
                raise UserError(f"{opt} describes a random model; it cannot change --model FILE")
            return resolve_model(args.model)
        model, _, _ = build_session_model(random_settings(args, "random"), text)
        return model
    except ModelError as e:
        raise UserError(str(e)) from None


def add_limit_options(p: argparse.ArgumentParser, *names: str) -> None:
    """Options that raise the limits on what rnnsim reads (rnnsim.core.limits; README: Security)."""
    from .core.limits import LIMITS, MB

    g = p.add_argument_group("limits (what rnnsim reads before it refuses; README: Security)")
    helps = {
        "input": ("--max-input-mb", "largest text file or corpus, in MB", LIMITS.input_bytes // MB),
        "model": ("--max-model-mb", "largest model file (its tensors together), in MB", LIMITS.model_bytes // MB),
        "vocab": ("--max-vocab", "most words in a vocabulary", LIMITS.vocab_size),
        "tokens": ("--max-tokens", "most tokens of text", LIMITS.tokens),
        "memory": ("--max-memory-mb", "memory one training batch may take, in MB", LIMITS.memory_bytes // MB),
    }
    for name in names:
        flag, what, default = helps[name]
        g.add_argument(
            flag, type=number(flag, int, 1), default=None, metavar="N", help=f"{what} (default: {default:,})"
        )


def apply_limits(args: argparse.Namespace) -> None:
    """Raise (or lower) the limits the options name; the others keep their defaults."""
    from .core.limits import LIMITS, MB

    for option, attr, scale in (("max_input_mb", "input_bytes", MB), ("max_model_mb", "model_bytes", MB),
                                ("max_vocab", "vocab_size", 1), ("max_tokens", "tokens", 1),
                                ("max_memory_mb", "memory_bytes", MB)):  # fmt: skip
        value = getattr(args, option, None)
        if value is not None:
            setattr(LIMITS, attr, value * scale)


def _read_text(args) -> str:
    from .core.bounded_read import BadInput, read_limited
    from .core.limits import LIMITS
    from .core.safe_text import safe_text

    apply_limits(args)
    if getattr(args, "file", None):
        try:  # bounded: /dev/zero stops at the limit instead of filling memory
            text = read_limited(args.file, LIMITS.input_bytes).decode("utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{safe_text(args.file)}: not UTF-8 text") from None
        except BadInput as e:
            raise UserError(f"{safe_text(args.file)}: {e}") from None
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
        "--loss",
        default=None,
        help="all (every scored position), last (only the last), or a position number "
        "(default: as in the app, the last prediction of a word; all when bidirectional)",
    )
    p.add_argument(
        "--label", metavar="NAME", help="a classifier's target label for the loss (default: the predicted one)"
    )
    p.add_argument("--json", action="store_true", help="print the whole run as one JSON object")
    p.add_argument("--file", metavar="FILE", help="read the text from a UTF-8 file")
    p.add_argument("text", nargs="?", metavar="TEXT", help=f"the text (default: {DEFAULT_TEXT!r})")
    add_limit_options(p, "tokens", "input", "model", "vocab")
    return p


def trace_model(args: argparse.Namespace, text: str):
    """The model the app would open on with these options (the same defaults)."""
    from .core import ModelError
    from .sim import SimError
    from .sim import build_model as build_session_model

    try:
        model, _, notice = build_session_model(app_settings(args), text)
    except (ModelError, SimError) as e:
        raise UserError(str(e)) from None
    if notice:
        print(f"rnnsim: note: {notice}", file=sys.stderr)
    return model


def _loss_mode(s: str):
    if s in ("all", "last"):
        return s
    try:
        return int(s)
    except ValueError:
        raise UserError(f"unknown --loss {s!r}: use all, last or a position number") from None


def _default_loss(model, text: str):
    """The app's default loss, from its one home."""
    from .sim import default_loss

    return default_loss(model, model.tokenize(text))


def cmd_trace(argv: list[str]) -> int:
    args = trace_parser().parse_args(argv)
    text = _read_text(args)
    from .core import tokenize
    from .core.limits import LIMITS, raise_hint

    n = len(tokenize(text))
    if n > LIMITS.tokens:
        raise UserError(f"the text has {n:,} tokens, over the limit of {LIMITS.tokens:,}; {raise_hint('tokens')}")
    model = trace_model(args, text)
    import numpy as np

    if args.label is not None and model.task != "classify":
        raise UserError(f"--label is for a classifier; this model's task is {model.task}")
    from .core.safe_text import safe_json

    loss = _default_loss(model, text) if args.loss is None else _loss_mode(args.loss)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # said once below, not per operation
            tr = model.run(text, loss=loss, label=args.label)
    except ValueError as e:
        raise UserError(str(e)) from None
    if not np.all(np.isfinite(tr.forward.h)):
        print("rnnsim: note: the hidden state overflowed to infinity or NaN (shown as null in JSON)", file=sys.stderr)
    elif not _all_finite(tr):
        print("rnnsim: note: some numbers (loss or gradients) overflowed to infinity or NaN", file=sys.stderr)
    if args.json:
        # Strict JSON: a state that overflowed (a relu network can) is written as null; words
        # from the model file are escaped so no control character reaches the terminal.
        sys.stdout.write(safe_json(_finite(tr.to_dict()), allow_nan=False))
        sys.stdout.write("\n")
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # the norms of an overflowed state: inf
            sys.stdout.write(format_trace(tr))
    return 0


def _all_finite(tr) -> bool:
    import numpy as np

    parts = [tr.logits, tr.forward.h, tr.forward.dh, tr.dx, [tr.loss]]
    if tr.reverse is not None:
        parts += [tr.reverse.h, tr.reverse.dh]
    return all(p is None or bool(np.all(np.isfinite(p))) for p in parts)


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
    states and gradients, and a classifier's decision. Every word is made safe (safe_text)
    so a vocabulary's control characters never reach the terminal; rows index columns
    computed once (per-row norms of whole arrays made a 10,000-token table quadratic).
    """
    import numpy as np

    from .core.safe_text import safe_text

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
            tgt = "-" if y is None else safe_text(vocab[y])
            k = int(np.argmax(tr.probs[t]))
            guess = f"{safe_text(vocab[k])} {tr.probs[t, k]:.2f}"
            row += f"{tgt[:10]:<10} {guess[:16]:<16} "
        row += _state_row(m, tr.layers[-1], t)
        row += f" {input_norms[t]:>9.2e}" if input_norms is not None else f" {'-':>9}"
        lines.append(row)
    for k in range(len(tr.layers) - 2, -1, -1):
        lines += ["", f"layer {k + 1} of {len(tr.layers)}", f"{'t':>3}  {'token':<12} " + _state_heading(m)]
        lines += [f"{t:>3}  {_shown(tok):<12} " + _state_row(m, tr.layers[k], t) for t, tok in enumerate(tr.tokens)]
    if classify:
        probs = "  ".join(f"{safe_text(name)} {p:.3f}" for name, p in zip(m.labels, tr.probs, strict=True))
        lines += ["", f"after the last token: {probs}"]
        predicted, scored = m.labels[int(np.argmax(tr.probs))], m.labels[tr.label]
        lines.append(f"predicted {safe_text(predicted)}; the loss is taken at {safe_text(scored)}")
    return "\n".join(lines) + "\n"


def _shown(tok: str) -> str:
    from .core.safe_text import safe_text

    # a character model's blanks made visible, then any control character
    tok = safe_text(tok.replace(" ", "␠").replace("\n", "↵").replace("\t", "⇥"))
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
    from .cli_terminal import ascii_fallback

    ascii_fallback()  # PYTHONIOENCODING=latin-1: ASCII symbols, not a UnicodeEncodeError
    try:
        if argv and argv[0] in SUBCOMMANDS:
            module, function = SUBCOMMANDS[argv[0]]
            return getattr(importlib.import_module(module), function)(argv[1:])
        return cmd_app(argv)
    except UserError as e:  # it may quote a file name or a word: made safe for the terminal
        from .core.safe_text import safe_text

        print(f"rnnsim: error: {safe_text(e)}", file=sys.stderr)
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
        "record (save what you do as a scene), serve (the app in web browsers, for a class), "
        "generate (continue a text); see rnnsim SUBCOMMAND --help.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _add_model_options(p)
    p.add_argument("--file", metavar="FILE", help="read the text from a UTF-8 file")
    p.add_argument("text", nargs="?", metavar="TEXT", help=f"the text (default: {DEFAULT_TEXT!r})")
    add_limit_options(p, "input", "model", "vocab")
    return p


def _version() -> str:
    """The installed distribution's version (pyproject's), without importing the package."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "(not installed)"


def app_settings(args: argparse.Namespace):
    """The session's Settings from the command line: a shipped name or a file with
    --model, a random model when a random-only option (--hidden, --embed, --layers, --seed,
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
    random_only = any(getattr(args, o) is not None for o in RANDOM_OPTIONS[1:])
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
        layers=args.layers,
    )


def app_simulation(argv: list[str]):
    """The Simulation the app opens on for these arguments (also what each visitor of
    `rnnsim serve` gets)."""
    args = app_parser().parse_args(argv)
    text = _read_text(args)
    from .core import ModelError
    from .sim import SimError, Simulation

    try:
        return Simulation.from_settings(text, app_settings(args))
    except (ModelError, SimError) as e:
        raise UserError(str(e)) from None


def cmd_app(argv: list[str]) -> int:
    sim = app_simulation(argv)
    from . import cli_terminal

    if problem := cli_terminal.terminal_problem():  # say so now, not wait forever or draw garbage
        raise UserError(problem)
    from .ui.app import RnnsimApp

    signum = cli_terminal.run_app(RnnsimApp(sim))  # SIGTERM / SIGHUP close it as q does
    return 128 + signum if signum else 0
