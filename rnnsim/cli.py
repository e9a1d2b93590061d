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
    "trace": ("rnnsim.cli_trace", "cmd_trace"),
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
    from .core.shipped import shipped_names
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
        help=f"a .safetensors or .npz model file, or a shipped model's name ({', '.join(shipped_names())})",
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
    if getattr(args, "file", None) and args.text is not None:  # (one would be dropped in silence)
        raise UserError("give the text or --file FILE, not both")
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


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from .cli_terminal import ascii_fallback
    from .malloc import keep_freed_memory

    keep_freed_memory()  # glibc: each run reuses the last run's pages (see malloc.py)

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
