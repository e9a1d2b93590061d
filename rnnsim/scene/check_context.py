"""What every expect check is built from: Ctx (what a check reads: the Simulation, the
position, the direction), Check (a name, its value checker, its run and its help), and the
shared wording of a failed comparison. The checks themselves live in checks.py (the table
of every check), measure_checks.py and layer_checks.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..sim import Simulation
from .errors import _Invalid, _show
from .value_checkers import _pos


@dataclass(frozen=True)
class Ctx:
    """What a check reads: the Simulation, the position (`at`), the direction."""

    sim: Simulation
    at: int | None
    direction: str

    def position(self) -> int:
        if self.at is not None:
            return _pos(self.sim, self.at)
        t = self.sim.focus_position()
        if t is None:
            raise _Invalid("nothing is read yet, so there is no current position: add at = <position>")
        return t

    def dtrace(self):
        d = self.sim.layer_directions().get(self.direction)  # the shown layer's (`layer = k`)
        if d is None:
            raise _Invalid('direction "reverse" needs a bidirectional model')
        return d

    def word(self, w: str) -> int:
        vocab = self.sim.model.vocab
        i = vocab.lookup(w)
        if i == vocab.unk_id and w != vocab.tokens[vocab.unk_id]:
            raise _Invalid(f"{w!r} is not in the model's vocabulary")
        return i


def _fmt(x: float) -> str:
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 or x == 0 else f"{x:.2e}"


def _cmp(name: str, value: float, limit: float, what: str) -> str | None:
    above = name.endswith("_above")
    ok = value > limit if above else value < limit
    if ok:
        return None
    return f"{what} = {_fmt(value)}, not {'above' if above else 'below'} {_fmt(limit)}"


def _extreme(name: str, values: dict, limit: float, what: str, at: str = "t=", before: str = "") -> str | None:
    """A `*_min_*` check's smallest or a `*_max_*` check's largest of `values` (where ->
    value, in order: the first of equal ones) against `limit`; the message names which and
    where ("smallest f from t=1 to t=5 (at t=3)"). A claim about every step is a claim
    about its extreme, not its average."""
    use_max = "_max_" in name
    k = (max if use_max else min)(values, key=values.get)
    which = "largest" if use_max else "smallest"
    return _cmp(name, float(values[k]), limit, f"{before}{which} {what} (at {at}{k})")


@dataclass(frozen=True)
class Check:
    name: str
    check: Callable  # validates the TOML value
    run: Callable  # run(ctx, value) -> failure message or None; may raise _Invalid
    help: str


def _c(name, check, run, help):
    return name, Check(name, check, run, help)


def _equal(what: str, get: Callable):
    def check(ctx: Ctx, v):
        have = get(ctx.sim)
        return None if have == v else f"{what} is {_show(have)}, not {_show(v)}"

    return check
