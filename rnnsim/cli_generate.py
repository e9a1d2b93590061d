"""`rnnsim generate [--model NAME] [--tokens N] [--temperature T] [--seed S] PROMPT`:
print the prompt and the model's continuation on stdout.

The generation itself is rnnsim.core.generate (rules: temperature, seed, <unk>, where it
stops). Exit status 2 with one line for a mistake: a bad option value, an unknown
model, a model that cannot write on (a classifier, a bidirectional model).
"""

from __future__ import annotations

import argparse
import sys

from .cli import Parser, UserError, number

DEFAULT_MODEL = "lstm"


def generate_parser() -> argparse.ArgumentParser:
    from .core.generate import MAX_TEMPERATURE, MAX_TOKENS
    from .core.shipped import shipped_next_token_names

    p = Parser(
        prog="rnnsim generate",
        description="Continue PROMPT with a next-token model: each token is drawn from "
        "softmax(logits / T) and fed back as the next input. The same seed gives the same text.",
    )
    p.add_argument("prompt", metavar="PROMPT", help="the text to continue, e.g. 'The cat'")
    p.add_argument(
        "--model",
        metavar="NAME",
        default=DEFAULT_MODEL,
        help=f"a shipped model's name ({', '.join(shipped_next_token_names())}) or a model file "
        f"(default: {DEFAULT_MODEL})",
    )
    p.add_argument(
        "--tokens",
        type=number("the number of tokens", int, 1, MAX_TOKENS),
        default=20,
        metavar="N",
        help="at most N new tokens (words, or characters for a character model; default: 20)",
    )
    p.add_argument(
        "--temperature",
        type=number("the temperature", float, 0.0, MAX_TEMPERATURE),
        default=1.0,
        metavar="T",
        help="0: always the likeliest token; below 1 surer, above 1 wilder (default: 1)",
    )
    p.add_argument("--seed", type=number("the seed", int, 0), default=0, metavar="S", help="random seed (default: 0)")
    p.add_argument(
        "--no-stop",
        action="store_true",
        help="a word model stops after a sentence's end (. ! ?) by default; go on to N tokens",
    )
    return p


def cmd_generate(argv: list[str]) -> int:
    args = generate_parser().parse_args(argv)
    from .core import ModelError
    from .core.generate import GenerateError, generate
    from .core.shipped import resolve_model
    from .textsafe import printable

    try:
        model = resolve_model(args.model)
        result = generate(
            model, args.prompt, tokens=args.tokens, temperature=args.temperature, seed=args.seed,
            stop=() if args.no_stop else None,
        )  # fmt: skip
    except GenerateError as e:
        raise UserError(f"{args.model}: {e}") from None
    except ModelError as e:
        raise UserError(str(e)) from None
    sys.stdout.write(printable(result.text) + "\n")
    return 0
