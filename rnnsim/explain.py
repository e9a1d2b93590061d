"""One line of plain language about the current step, with its live numbers.

Pure text from a Simulation; no screen. The app shows it under the panels and
scenes can check it.
"""

from __future__ import annotations

import numpy as np

from .sim import Simulation


def _q(tok: str) -> str:
    return f"“{tok}”"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def explain(sim: Simulation) -> str:
    line = _explain_backward(sim) if sim.phase == "backward" else _explain_forward(sim)
    # A stacked model: the numbers are the shown layer's (the selector's), say which.
    where = sim.layer_caption()
    return f"{where[0].upper()}{where[1:]}: {line}" if where and sim.cursor > 0 else line


def _explain_forward(sim: Simulation) -> str:
    if sim.cursor == 0:
        first = _q(sim.tokens[0])
        if sim.model.bidirectional:
            return (
                f"Nothing read yet: both hidden states start at zero. Step to let the forward "
                f"direction read {first} and the reverse direction read {_q(sim.tokens[-1])}."
            )
        return f"Nothing read yet: the hidden state starts at zero. Step to read {first}."
    t = sim.forward_pos
    shown = sim.layer_directions()["forward"]
    tok = _q(sim.tokens[t])
    g = {k: float(v[t].mean()) for k, v in shown.gates.items()}
    cell = sim.model.cell
    if cell == "lstm":
        body = (
            f"Read {tok}: the forget gate kept {_pct(g['f'])} of the old memory, the input gate "
            f"let in {_pct(g['i'])} of the new candidate, the output gate showed {_pct(g['o'])}."
        )
    elif cell == "gru":
        body = (
            f"Read {tok}: the update gate kept {_pct(g['z'])} of the old state and took "
            f"{_pct(1 - g['z'])} from the candidate; the reset gate let {_pct(g['r'])} "
            "of the old state into it."
        )
    else:
        h = shown.h[t]
        body = (
            f"Read {tok}: new state = tanh(input of {tok} + W_hh · old state); "
            f"|h| = {np.linalg.norm(h):.2f}, {int((np.abs(h) > 0.9).sum())} of {len(h)} units "
            "near ±1."
        )
    if sim.is_classifier and sim.decision_ready():
        name, p = sim.top_label()
        body += f" After the last token the classifier decides {_q(name)} ({_pct(p)})."
    if sim.model.bidirectional:
        r = sim.reverse_pos
        both = sim.combined_count()
        return (
            f"{body} Reverse read {_q(sim.tokens[r])}; {both} of {sim.T} positions "
            "have both halves of cat(h_fwd, h_rev)."
        )
    preds = sim.top_predictions(t, 1)
    if not preds or sim.is_classifier:  # a classifier decides once, after the last token (above)
        return body
    top, p = preds[0]
    want = sim.target_token(t)
    guess = f" Next-word guess: {_q(top)} ({_pct(p)})"
    if want is not None:
        guess += ", right." if want == top else f"; the text has {_q(want)}."
    else:
        guess += "."
    return body + guess


def _explain_backward(sim: Simulation) -> str:
    t = sim.grad_cursor
    d = sim.layer_directions()["forward"]
    norms = sim.grad_norms()
    start = sim.loss_start()
    tok = _q(sim.tokens[t])
    what = {"all": "the loss summed over every position", "last": "the loss at the last word"}.get(
        sim.loss_mode, f"the loss at position {sim.loss_mode}"
    )  # type: ignore[arg-type]
    if sim.is_classifier:
        what = f"the classifier's loss at label {_q(sim.target_label())}"
    if sim.model.bidirectional:
        # Two walks at once, in opposite directions of time: name both, briefly.
        r = sim.reverse_grad_pos
        return (
            f"Backpropagating {what}: → at {tok} (t={t}) |dL/dh| = {norms[t]:.2e}; the reverse "
            f"direction's gradient runs the other way in time: ← at {_q(sim.tokens[r])} (t={r}) "
            f"|dL/dh←| = {sim.grad_norms('reverse')[r]:.2e}."
        )
    line = f"Backpropagating {what}: at {tok} (t={t}) |dL/dh| = {norms[t]:.2e}"
    if sim.loss_mode == "all":
        # Every word adds its own loss here, so a ratio to the last word says nothing about
        # how much of one loss survives the way back.
        line += (
            ": its own word's loss plus what flows back from every later word. "
            "Press L to follow the last word's loss alone and watch it shrink."
        )
    elif t < start and norms[start] > 0:
        ratio = norms[t] / norms[start]
        steps = start - t
        per_step = ratio ** (1 / steps) if ratio > 0 else 0.0
        line += (
            f", {ratio:.1e} of its size at {_q(sim.tokens[start])}: ×{per_step:.2f} per step "
            f"over {steps} step{'s' if steps > 1 else ''}."
        )
    else:
        line += ". Step back (→) to carry it to earlier words."
    if sim.is_classifier:
        dx = sim.input_grad_norms()[t]
        line += f" |dL/dx| = {dx:.1e}: how much {tok} moved the decision."
    if sim.model.cell == "lstm" and d.dc is not None and t < start:
        f = float(d.gates["f"][t + 1].mean())
        line += f" Along the cell path it is scaled by the forget gate ({f:.2f} on average)."
    return line
