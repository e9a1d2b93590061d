"""The actions a [[step]] may take, one per step: ACTIONS maps each name to its value
checker, what it runs on the Simulation (the same commands as the keys) and a line of
help. An action without `run` (compare) is a view the player opens or closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core.cells import CELLS
from ..core.surgery import SurgeryError, parse_pin
from .errors import _Bad, _show
from .value_checkers import _bool, _choice, _int, _loss, _num, _pos, _position, _positive, _steps_in, _str, _text, _true

MAX_N = 100_000  # largest step count an action accepts


def _label(v):
    """A class name, or false for the predicted class (checked against the model's labels
    when the step runs)."""
    if v is False:
        return False
    if not isinstance(v, str) or not v:
        raise _Bad(f'must be a label in quotes (e.g. "positive"), or false for the predicted one, not {_show(v)}')
    return v


def _contrast(v):
    """A second text for the saturation view, or "" for none."""
    return v if v == "" else _text(v)


def _pin(v):
    """ "GATE=VALUE" (the gate and its range are checked against the model when the step runs)."""
    if not isinstance(v, str):
        raise _Bad(f'must be "GATE=VALUE" in quotes (e.g. "f=1"), not {_show(v)}')
    try:
        return parse_pin(v)
    except SurgeryError as e:
        raise _Bad(str(e)) from None


def _unpin(v):
    if v is True or (isinstance(v, str) and v):
        return v
    raise _Bad(f'must be a gate in quotes (e.g. "f"), or true for every pinned gate, not {_show(v)}')


def _units(v):
    if not isinstance(v, list) or not all(isinstance(u, int) and not isinstance(u, bool) and u >= 0 for u in v):
        raise _Bad(f"must be a list of unit numbers (e.g. [3, 7]; [] brings every unit back), not {_show(v)}")
    return v


def _unit(v):
    if v is False:
        return None
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    raise _Bad(f"must be a unit number (e.g. 7), or false to stop painting, not {_show(v)}")


def _clip(v):
    if v is False:
        return None
    return _positive(v)


@dataclass(frozen=True)
class Action:
    name: str
    check: Callable  # validates the TOML value
    run: Callable | None  # run(sim, value); None: a view action the player handles
    help: str
    sim_change: bool = True  # changes the Simulation (closes an open view, but those in `keeps`)
    keeps: tuple[str, ...] = ()  # the views this action changes what they show, left open


def _a(name, check, run, help, sim_change=True, keeps=()):
    return name, Action(name, check, run, help, sim_change, keeps)


# The view actions (run None): what each view needs from the Simulation, computed when the
# step runs, so a view that cannot be shown is a mistake found before playing.
VIEWS = {
    "compare": lambda s: s.compare(),
    "saturation": lambda s: s.saturation(),
    "learning": lambda s: s.learning_history(),
}


ACTIONS: dict[str, Action] = dict([
    _a("step", _int(1, MAX_N), lambda s, n: s.step(n),
       "read n more tokens (in the gradient view: trace n steps further back)"),
    _a("back", _int(1, MAX_N), lambda s, n: s.back(n), "undo n steps"),
    _a("goto", _int(0, MAX_N), lambda s, k: s.goto(_steps_in(s, k)), "the state after k steps (0 = nothing read)"),
    _a("position", _position, lambda s, t: s.goto_position(_pos(s, t)),
       "make position t current (as clicking its token)"),
    _a("start", _true, lambda s, v: s.to_start(), "back to the start (Home)"),
    _a("end", _true, lambda s, v: s.to_end(), "to the end (End)"),
    _a("backward", _true, lambda s, v: s.backward(), "run BPTT and enter the gradient view at the loss"),
    _a("forward", _true, lambda s, v: s.leave_backward(), "leave the gradient view"),
    _a("grad_step", _int(1, MAX_N), lambda s, n: s.grad_step(n), "trace the gradient n steps further back"),
    _a("grad_back", _int(1, MAX_N), lambda s, n: s.grad_back(n), "undo n gradient steps"),
    _a("loss", _loss, lambda s, m: s.set_loss_mode(m), "the loss: \"all\", \"last\" or a position"),
    _a("cycle_loss", _true, lambda s, v: s.cycle_loss_mode(), "switch the loss between all and last"),
    _a("text", _text, lambda s, t: s.set_text(t), "replace the text"),
    _a("cell", _choice(*CELLS), lambda s, c: s.set_cell(c), "switch the cell: rnn, lstm or gru"),
    _a("cycle_cell", _true, lambda s, v: s.cycle_cell(), "the next cell: rnn -> lstm -> gru"),
    _a("bidirectional", _bool, lambda s, b: s.set_bidirectional(b), "one direction or two"),
    _a("toggle_bidirectional", _true, lambda s, v: s.toggle_bidirectional(), "flip one/two directions"),
    _a("hidden", _int(1, 256), lambda s, n: s.set_hidden(n), "a random model with n hidden units"),
    _a("seed", _int(0, 2**32 - 1), lambda s, n: s.reseed(n), "a random model with this seed"),
    _a("reseed", _true, lambda s, v: s.reseed(), "a random model with the next seed"),
    _a("forget_bias", _num(-20, 20), lambda s, b: s.set_forget_bias(b), "LSTM: set the mean forget-gate bias"),
    _a("layer", _int(1, 8), lambda s, n: s.set_layer(n),
       "show layer n of a stacked model in the chain, heatmap and cell panel (1 = the bottom)",
       keeps=("saturation",)),
    _a("layers", _int(1, 8), lambda s, n: s.set_layers(n), "a random model with n stacked layers"),
    _a("label", _label, lambda s, name: s.set_label(name or None),
       "classifier: score the loss at this label (false: at the predicted one, the default)"),
    _a("sample", _int(1, MAX_N), lambda s, n: s.sample(n),
       "write n tokens on: the model's own picks at the current temperature (the g key)"),
    _a("temperature", _num(0, 100), lambda s, t: s.set_temperature(t),
       "the generation temperature: 0 picks the likeliest token, higher is wilder"),
    _a("free_run", _bool, lambda s, b: s.set_free_run(b),
       "show (true) or hide the teacher-forcing and free-running rows of guesses"),
    _a("pin", _pin, lambda s, gv: s.pin(*gv),
       'surgery: hold a gate at a value everywhere ("f=1"; LSTM i f g o, GRU r z n); no gradient through it'),
    _a("unpin", _unpin, lambda s, g: s.unpin(None if g is True else g),
       'compute a pinned gate again ("f", or true: all)'),
    _a("knockout", _units, lambda s, u: s.knockout(u),
       "surgery: hold these units of h and c at 0 at every step ([3, 7]; [] brings them back)"),
    _a("scale_recurrent", _positive, lambda s, x: s.scale_recurrent(x), "surgery: every W_hh times x (1: as trained)"),
    _a("clip", _clip, lambda s, n: s.clip(n),
       "clip the gradient's norm at this value, as torch's clip_grad_norm_ (false: off)"),
    _a("watch_unit", _unit, lambda s, u: s.watch_unit(u),
       "paint this unit's value over the text (blue < 0 < red; false: stop)"),
    _a("trained", _true, lambda s, v: s.use_trained(),
       "the shipped trained model of the current cell (from a random one)"),
    _a("clear_surgery", _true, lambda s, v: s.clear_surgery(), "undo every pin, knockout, scale and clip"),
    _a("model", _str, lambda s, path: s.use_model_file(path),
       "use the model in this file (relative paths start at the scene's folder): what w writes for a "
       "model trained here"),
    _a("compare", _bool, None, "show (true) or close (false) RNN vs LSTM vs GRU", sim_change=False),
    _a("contrast", _contrast, lambda s, t: s.set_contrast(t),
       "a second text (one word changed, say) whose states the saturation view compares with the text's "
       '("" for none)',
       keeps=("saturation",)),
    _a("saturation", _bool, None, "show (true) or close (false) how far tanh pins the state (the saturation view)",
       sim_change=False),
    _a("epoch", _int(0, MAX_N), lambda s, n: s.set_epoch(n),
       "replay the recorded training of the shipped LSTM and RNN up to epoch n (0: untrained)",
       keeps=("learning",)),
    _a("learning", _bool, None, "show (true) or close (false) the recorded training curves (the learning view)",
       sim_change=False),
])  # fmt: skip
