"""The checks that measure the gradient: its norm at a position, the ratio between two
positions (per step too), the per-step measures of rnnsim.sim.measures, the compare view's
figures, and the trained cells' long-range accuracy. Each factory here makes a check's
run(ctx, value); checks.py registers them with the others, in its one table."""

from __future__ import annotations

import numpy as np

from ..core.cells import CELLS
from ..sim import Simulation
from ..sim.measures import MEASURES, MeasureError, per_step, steps_between
from .check_context import Ctx, _cmp, _extreme
from .errors import _Invalid
from .value_checkers import _choice, _int, _num, _pos, _position, _positive, _tuple

# The values these checks take (one TOML value each)
_ratio_v = _tuple(_position, _position, _positive, form="[position, position, number > 0]")
_per_step_v = _tuple(_choice(*MEASURES), _position, _position, _positive, form="[measure, position, position, x]")
_compare_v = _tuple(_choice(*CELLS), _positive, form="[cell, x]")
_long_range_v = _tuple(_choice(*CELLS), _int(1, 1000), _int(1, 1000), _num(0, 1), form="[cell, from, to, x]")


def _norms(ctx: Ctx, of: str = "h") -> np.ndarray:
    """Gradient norms per position: at the state h, the LSTM's cell c, or the word's
    embedding x (both directions together, so `direction` does not apply)."""
    if of == "x":
        return ctx.sim.input_grad_norms()
    d = ctx.dtrace()
    if of == "c":
        if d.dc is None:
            raise _Invalid("only an LSTM has a memory cell (∂L/∂c)")
        return d.cell_grad_norms()
    return d.grad_norms()


def _grad(name):
    def check(ctx: Ctx, v):
        t, limit = v
        t = _pos(ctx.sim, t)
        return _cmp(name, float(_norms(ctx)[t]), limit, f"|∂L/∂h[{t}]|")

    return check


def _ratio(name, of="h", per_step=False):

    def check(ctx: Ctx, v):
        a, b, limit = v
        a, b = _pos(ctx.sim, a), _pos(ctx.sim, b)
        if a == b:
            raise _Invalid("the two positions must differ")
        n = _norms(ctx, of)
        if n[b] == 0:
            raise _Invalid(f"|∂L/∂{of}[{b}]| is 0 (no loss reaches it): compare with a scored position")
        r = float(n[a] / n[b])
        what = f"|∂L/∂{of}[{a}]| / |∂L/∂{of}[{b}]|"
        if per_step:
            r = r ** (1 / abs(b - a))
            what = f"({what}) per step"
        return _cmp(name, r, limit, what)

    return check


def _compare_figures(sim: Simulation, cell: str) -> tuple[float, float]:
    """(first/last, per step) of the compare view's row for `cell`: as the screen shows them."""
    _, norms = sim.compare()[cell]
    nz = [(t, float(x)) for t, x in enumerate(norms) if x > 0]
    if len(nz) < 2:
        raise _Invalid("the text is too short to compare gradients: give it at least 3 tokens")
    (t0, a), (t1, b) = nz[0], nz[-1]
    return a / b, (a / b) ** (1 / (t1 - t0))


def _compare(name, per_step=False):
    def check(ctx: Ctx, v):
        cell, limit = v
        ratio, factor = _compare_figures(ctx.sim, cell)
        x = factor if per_step else ratio
        what = f"compare {cell}: " + ("×per step back" if per_step else "first/last")
        return _cmp(name, x, limit, what)

    return check


def _per_step(name):
    """The smallest or largest value of a per-step measure (rnnsim.measures) over the steps
    between two positions: "shrinks at every step" is max factor < 1, not a mean."""

    def check(ctx: Ctx, v):
        measure, a, b, limit = v
        a, b = _pos(ctx.sim, a), _pos(ctx.sim, b)
        if a == b:
            raise _Invalid("the two positions must differ")
        try:
            series = per_step(ctx.dtrace(), ctx.sim.model.cell, measure)
        except MeasureError as e:
            raise _Invalid(str(e)) from None
        steps = steps_between(ctx.direction, a, b)
        undefined = [t for t in steps if not np.isfinite(series[t])]
        if undefined:
            raise _Invalid(f"{measure} is undefined at t={undefined[0]} (no gradient or no memory there)")
        values = {t: series[t] for t in steps}
        return _extreme(name, values, limit, f"{measure} per step from t={min(a, b)} to t={max(a, b)}")

    return check


def _compare_step(name):
    """The smallest or largest single-step factor in the compare view's row for a cell."""

    def check(ctx: Ctx, v):
        cell, limit = v
        _, norms = ctx.sim.compare()[cell]
        nz = [t for t, x in enumerate(norms) if x > 0]
        if len(nz) < 2:
            raise _Invalid("the text is too short to compare gradients: give it at least 3 tokens")
        steps = range(nz[0] + 1, nz[-1] + 1)
        factors = {t: float(norms[t - 1] / norms[t]) for t in steps}
        return _extreme(name, factors, limit, "single-step factor", before=f"compare {cell}: ")

    return check


def _long_range(name):
    def check(ctx: Ctx, v):
        from .longrange import accuracy

        cell, lo, hi, limit = v
        acc, n = accuracy(cell, min(lo, hi), max(lo, hi))
        if n == 0:
            raise _Invalid(f"no long-range probe has its cue {lo} to {hi} words back (they have 5 and 15..35)")
        return _cmp(name, acc, limit, f"trained {cell}: long-range accuracy at {lo}..{hi} words ({n} probes)")

    return check
