"""`rnnsim trace [options] [TEXT]`: run a model over TEXT, backpropagate through time and
print every step, as a table or (--json) as one JSON object.

The model is the one the app would open on with the same options (cli.app_settings); a
mistake is one line through UserError, as everywhere on the command line.
"""

from __future__ import annotations

import argparse
import math
import sys

from .cli import Parser, UserError, _add_model_options, _read_text, add_limit_options, app_settings
from .cli_surgery import add_surgery_options, surgery_from_args, surgery_lines
from .sim.build import DEFAULT_TEXT


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
        "(default: as in the app, the last prediction of a word it knows; all when bidirectional)",
    )
    p.add_argument(
        "--label", metavar="NAME", help="a classifier's target label for the loss (default: the predicted one)"
    )
    p.add_argument("--json", action="store_true", help="print the whole run as one JSON object")
    p.add_argument("--file", metavar="FILE", help="read the text from a UTF-8 file")
    p.add_argument("text", nargs="?", metavar="TEXT", help=f"the text (default: {DEFAULT_TEXT!r})")
    add_surgery_options(p)
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
        surgery = surgery_from_args(args, model)
        with np.errstate(over="ignore", invalid="ignore"):  # said once below, not per operation
            tr = model.run(text, loss=loss, label=args.label, surgery=surgery)
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
    if not classify and all(y is None for y in tr.targets):  # (the sum over no position: 0)
        loss = "no loss: one token has no next word to predict"
    norm = "" if tr.grad_norm() is None else f", gradient norm {tr.grad_norm():.4g}"
    lines = [f"{m.describe()}; loss mode {tr.loss_mode}: {loss}{norm}", *surgery_lines(tr), ""]
    if len(tr.layers) > 1:
        lines[-1:] = [f"layer {len(tr.layers)} of {len(tr.layers)} (the top one, which the head reads)"]
    head = f"{'t':>3}  {'token':<12} "
    if not classify:
        head += f"{'target':<10} {'top guess':<16} "
    head += _state_heading(m) + f" {'|∂L/∂x|':>9}"  # at the word's embedding: the update it would get
    lines.append(head)
    input_norms = tr.input_grad_norms()
    for t, tok in enumerate(tr.tokens):
        row = f"{t:>3}  {_shown(tok)} "
        if not classify:
            y = tr.targets[t]
            tgt = "-" if y is None else _visible(vocab[y])
            k = int(np.argmax(tr.probs[t]))
            guess = f"{_visible(vocab[k])} {tr.probs[t, k]:.2f}"
            row += f"{_cut(tgt, 10)} {_cut(guess, 16)} "
        row += _state_row(m, tr.layers[-1], t)
        row += f" {input_norms[t]:>9.2e}" if input_norms is not None else f" {'-':>9}"
        lines.append(row)
    for k in range(len(tr.layers) - 2, -1, -1):
        lines += ["", f"layer {k + 1} of {len(tr.layers)}", f"{'t':>3}  {'token':<12} " + _state_heading(m)]
        lines += [f"{t:>3}  {_shown(tok)} " + _state_row(m, tr.layers[k], t) for t, tok in enumerate(tr.tokens)]
    if classify:
        probs = "  ".join(f"{safe_text(name)} {p:.3f}" for name, p in zip(m.labels, tr.probs, strict=True))
        lines += ["", f"after the last token: {probs}"]
        predicted, scored = m.labels[int(np.argmax(tr.probs))], m.labels[tr.label]
        lines.append(f"predicted {safe_text(predicted)}; the loss is taken at {safe_text(scored)}")
    lines += _unknown_lines(tr)
    return "\n".join(lines) + "\n"


def _unknown_lines(tr, most: int = 8) -> list[str]:
    """Which tokens the model read as <unk>: the token column shows each as typed, and a
    classifier's table has no target column where <unk> would show."""
    import numpy as np

    unknown = np.flatnonzero(np.asarray(tr.ids) == tr.model.vocab.unk_id)
    if not unknown.size:
        return []
    named = ", ".join(f"t={t} {_visible(tr.tokens[t])}" for t in unknown[:most])
    more = ", …" if unknown.size > most else ""
    return ["", f"read as <unk>, not in the vocabulary: {unknown.size} of {len(tr.tokens)} tokens ({named}{more})"]


def _visible(tok: str) -> str:
    """A token as the table prints it: a character model's blanks made visible, then any
    control character."""
    from .core.safe_text import safe_text

    return safe_text(tok.replace(" ", "␠").replace("\n", "↵").replace("\t", "⇥"))


def _shown(tok: str) -> str:
    return _cut(_visible(tok), 12)


def _cut(text: str, width: int) -> str:
    """`text` in exactly `width` terminal cells, cut with "…" when longer: a wide character
    (an emoji, 猫) takes two, so padding by characters would push the row's numbers out of
    their columns."""
    out, used = "", 0
    for i, ch in enumerate(text):
        w = _cells(ch)
        if used + w > width or (used + w == width and i < len(text) - 1):
            return out + "…" + " " * (width - used - 1)
        out, used = out + ch, used + w
    return out + " " * (width - used)


def _cells(ch: str) -> int:
    """Terminal cells one character takes: 0 for a combining mark, 2 for a wide one."""
    import unicodedata

    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _state_heading(m) -> str:
    head = f"{'|h|':>6} {'|∂L/∂h|':>9}"
    if m.cell == "lstm":
        head += f" {'|∂L/∂c|':>9} {'mean f':>6}"
    if m.cell == "gru":
        head += f" {'mean z':>6}"
    if m.bidirectional:
        head += f" {'|h_rev|':>7} {'|∂L/∂h_rev|':>11}"
    return head


def _fit(x: float, width: int) -> str:
    """x in `width` characters: three decimals, or as 1.2e+69 when a huge (finite) state
    would push every later column out of line; a number is never cut."""
    s = f"{x:>{width}.3f}"
    for digits in (2, 1, 0):
        if len(s) <= width:
            break
        s = f"{x:>{width}.{digits}e}"
    return s


def _state_row(m, layer, t: int) -> str:
    import numpy as np

    def grad(x):
        return f"{np.linalg.norm(x[t]):>9.2e}" if x is not None else f"{'-':>9}"

    fwd = layer["forward"]
    row = f"{_fit(np.linalg.norm(fwd.h[t]), 6)} {grad(fwd.dh)}"
    if m.cell == "lstm":
        row += f" {grad(fwd.dc)} {fwd.gates['f'][t].mean():>6.3f}"
    if m.cell == "gru":
        row += f" {fwd.gates['z'][t].mean():>6.3f}"
    if m.bidirectional:
        rev = layer["reverse"]
        rg = f"{np.linalg.norm(rev.dh[t]):>11.2e}" if rev.dh is not None else f"{'-':>11}"
        row += f" {_fit(np.linalg.norm(rev.h[t]), 7)} {rg}"
    return row
