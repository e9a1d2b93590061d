"""`rnnsim trace`'s surgery flags: --pin, --knockout, --scale-recurrent, --clip (the same
names as the app's surgery and the scene actions; the numbers: rnnsim.core.surgery)."""

from __future__ import annotations

import argparse


def add_surgery_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("surgery (see the README's Surgery section)")
    g.add_argument(
        "--pin",
        action="append",
        metavar="GATE=VALUE",
        default=[],
        help="hold a gate at VALUE for every unit, step, layer and direction (LSTM i f g o, GRU r z n); "
        "no gradient flows through it; repeat to pin several",
    )
    g.add_argument(
        "--knockout",
        metavar="U[,U...]",
        help="hold these units of h (and c) at 0 after every step, in every layer and direction",
    )
    g.add_argument("--scale-recurrent", metavar="X", help="every recurrent weight W_hh times X")
    g.add_argument(
        "--clip",
        metavar="NORM",
        help="clip the parameter gradient's norm at NORM as torch's clip_grad_norm_ (the JSON gains clip_scale)",
    )


def surgery_from_args(args: argparse.Namespace, model):
    """The Surgery the flags ask for, checked against the model; raises ValueError (one line)."""
    from .core.surgery import Surgery, check_positive, parse_pin, parse_units

    s = Surgery()
    for spec in args.pin:
        s = s.with_pin(*parse_pin(spec))
    if args.knockout is not None:
        s = s.with_knockout(parse_units(args.knockout))
    if args.scale_recurrent is not None:
        s = s.with_scale(check_positive("--scale-recurrent", _number(args.scale_recurrent, "--scale-recurrent")))
    if args.clip is not None:
        s = s.with_clip(check_positive("--clip", _number(args.clip, "--clip")))
    s.check(model)
    return s


def _number(text: str, flag: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{flag} needs a number, not {text!r}") from None


def surgery_lines(tr) -> list[str]:
    """The table's lines about the surgery applied (none without surgery)."""
    s = tr.surgery
    if s is None or not s.active:
        return []
    lines = [f"surgery: {s.describe()}"]
    scale = tr.clip_scale()
    if scale is not None:
        norm = tr.grad_norm()
        lines.append(f"clip_scale {scale:.6g}: gradient norm {norm:.6g} -> {norm * scale:.6g} after clipping")
    return lines
