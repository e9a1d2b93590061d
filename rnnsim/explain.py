"""One line of plain language about the current step, with its live numbers.

Pure text from a Simulation; no screen. The app shows it under the panels and
scenes can check it.
"""

from __future__ import annotations

import numpy as np

from .core.safe_text import safe_text
from .sim import Simulation
from .sim.saturation import SATURATED


def _q(tok: str) -> str:
    # a model file's word may hold escape sequences; a character model's space is a token
    # too, shown as trace shows it (“ ” reads as nothing)
    return "“␠”" if tok == " " else f"“{safe_text(tok)}”"


def percent(x: float, decimals: int = 0) -> str:
    """A share or a probability as a percentage, the one rounding every panel and this
    line use. It reads 100% or 0% only when exact: where `decimals` would round to either
    end it keeps one decimal more (at least one), and never rounds onto the end itself (a
    gate passing 99.97% must not read as "all", nor 0.03% as "nothing"; a probability of
    0.9997 is "99.9%" in the panel and here)."""
    near = max(decimals, 1)
    if x < 1 and round(100 * x, decimals) >= 100:
        v = round(100 * x, near)
        if v >= 100:
            v = np.floor(100 * x * 10**near) / 10**near
        return f"{v:.{near}f}%"
    if x > 0 and round(100 * x, decimals) <= 0:
        v = round(100 * x, near)
        return f"<{10**-near:.{near}f}%" if v <= 0 else f"{v:.{near}f}%"
    return f"{100 * x:.{decimals}f}%"


_pct = percent


def _share(part: np.ndarray, whole: np.ndarray) -> float:
    n = float(np.linalg.norm(whole))
    return float(np.linalg.norm(part)) / n if n > 0 else 0.0


def _kept(sim: Simulation, t: int) -> str:
    """How much of the old memory survived the step into t: |f⊙c[t-1]|/|c[t-1]| (GRU:
    |z⊙h[t-1]|/|h[t-1]|), not the plain mean of the gate, where a unit holding almost
    nothing counts as much as one holding the sentence."""
    cell = sim.model.cell
    kept = sim.step_measure("kept")[t]  # the forward direction's, of the layer on screen
    gate, mem, sym = ("f", "memory", "f⊙c") if cell == "lstm" else ("z", "state", "z⊙h")
    if not np.isfinite(kept):
        return f"no old {mem} to keep yet"
    return f"{gate} kept {_pct(kept)} of the old {mem} (|{sym}|/|{sym[-1]}|)"


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
    if sim.model.bidirectional:
        return _both_directions(sim, t)
    return _cell_step(sim, t) + _guess(sim, t)


def _cell_step(sim: Simulation, t: int) -> str:
    """What the cell did reading position t, in shares of what it had (|a⊙b|/|b|)."""
    d = sim.layer_directions()["forward"]  # the layer on screen
    tok = _as_read(sim, t)
    cell = sim.model.cell
    if cell == "lstm":
        i, g, o, tanh_c = d.gates["i"][t], d.gates["g"][t], d.gates["o"][t], np.tanh(d.c[t])
        return (
            f"Read {tok}: {_kept(sim, t)}, i wrote {_pct(_share(i * g, g))} of the candidate "
            f"(|i⊙g|/|g|), o showed {_pct(_share(o * tanh_c, tanh_c))} of tanh(c)."
        )
    if cell == "gru":
        z, n = d.gates["z"][t], d.gates["n"][t]
        return (
            f"Read {tok}: {_kept(sim, t)}, took {_pct(_share((1 - z) * n, n))} of the candidate n "
            f"(|(1−z)⊙n|/|n|); mean reset gate r {float(d.gates['r'][t].mean()):.2f}."
        )
    h = d.h[t]
    nl = sim.model.nonlinearity
    where = (  # what saturates: tanh near ±1; relu is cut at 0
        f"{int((h == 0).sum())} of {len(h)} units at 0"
        if nl == "relu"
        else f"{int((np.abs(h) > SATURATED).sum())} of {len(h)} units near ±1"
    )
    return (
        f"Read {tok}: h[{t}] = {nl}(W_ih x + b_ih + W_hh h + b_hh), x the embedding of {tok}, h the old "
        f"state; |h[{t}]| = {np.linalg.norm(h):.2f}, {where}."
    )


def _guess(sim: Simulation, t: int) -> str:
    preds = sim.top_predictions(t, 1)
    if sim.is_classifier:  # a classifier decides once, after the last token
        if not sim.decision_ready():
            return ""
        name, p = sim.top_label()
        return f" After the last token the classifier decides {_q(name)} ({_pct(p)})."
    if not preds:
        return ""
    top, p = preds[0]
    want = sim.target_token(t)
    unit = "character" if sim.model.tokenizer == "char" else "word"
    guess = f" Next-{unit} guess: {_q(top)} ({_pct(p)})"
    if want is None:
        return guess + "."
    return guess + (", right." if want == top else f"; the text has {_as_read(sim, t + 1)}.")


def _as_read(sim: Simulation, t: int) -> str:
    """The word at t as the text spells it, and, when the vocabulary lacks it, that the
    model reads <unk> there: the learner typed “Zoë”, the numbers are those of <unk>."""
    word = _q(sim.tokens[t])
    return f"{word} (as <unk>: not in the vocabulary)" if sim.unknown[t] else word


def _both_directions(sim: Simulation, t: int) -> str:
    """Two directions leave no room for the gates on two lines (the panel shows them): where
    each direction is, and what the blank's guess reads."""
    line = (
        f"Read {_q(sim.tokens[t])} →, {_q(sim.tokens[sim.reverse_pos])} ←; {sim.combined_count()} of "
        f"{sim.T} positions have both halves, cat(h_fwd[t], h_rev[t])."
    )
    if sim.model.task == "cloze" and sim.prediction_ready(t):
        # The head never reads the combined state at t: that has read the word it guesses.
        left = f"h_fwd[{t - 1}]" if t > 0 else "zeros"
        right = f"h_rev[{t + 1}]" if t < sim.T - 1 else "zeros"
        line += f" The guess at t={t} reads {left} and {right}, not the word."
    return line


def _loss_words(sim: Simulation) -> str:
    mode = sim.loss_mode
    if mode == "all":
        return "the loss summed over every position"
    if mode == "last":
        return "the loss at the last word"
    target = mode + 1 if sim.model.task == "next" else mode  # (a blank's target is its own word)
    unk = ", as <unk>: not in the vocabulary" if sim.unknown[target] else ""
    return f"the loss on {_q(sim.tokens[target])} (predicted at t={mode}{unk})"


def _explain_backward(sim: Simulation) -> str:
    t = sim.grad_cursor
    d = sim.layer_directions()["forward"]
    norms = sim.grad_norms()
    start = sim.loss_start()
    tok = _q(sim.tokens[t])
    what = _loss_words(sim)
    if sim.is_classifier:
        what = f"the classifier's loss at label {_q(sim.target_label())}"
    if sim.model.bidirectional:
        # Two walks at once, in opposite directions of time: name both, briefly.
        r = sim.reverse_grad_pos
        return (
            f"{what[0].upper()}{what[1:]}: → at {tok} |∂L/∂h_fwd[{t}]| = {norms[t]:.2e}; the reverse "
            f"direction's gradient runs the other way in time: ← at {_q(sim.tokens[r])} "
            f"|∂L/∂h_rev[{r}]| = {sim.grad_norms('reverse')[r]:.2e}."
        )
    line = f"{what[0].upper()}{what[1:]}: at {tok} |∂L/∂h[{t}]| = {norms[t]:.2e}"
    if sim.loss_mode == "all" and not sim.is_classifier:  # (a classifier's one loss is at the end)
        # Every word adds its own loss here, so a ratio to the last word says nothing about
        # how much of one loss survives the way back.
        line += (
            ": its own word's loss plus what flows back from every later word. "
            "Press L to follow one word's loss alone and watch it shrink."
        )
    elif t < start and norms[start] > 0:
        ratio = norms[t] / norms[start]
        steps = start - t
        mean = ratio ** (1 / steps) if ratio > 0 else 0.0
        line += f", {ratio:.1e} of |∂L/∂h[{start}]|"
        line += f" (×{mean:.2f} per step on average)." if steps > 1 else "."
    else:
        line += ". Step back (→) to carry it to earlier words."
    if sim.is_classifier:
        dx = sim.input_grad_norms()[t]
        line += f" |∂L/∂x| = {dx:.1e}: how much {tok} moved the decision."
    cell = sim.model.cell
    if cell in ("lstm", "gru") and t < start:
        # What the gate's own path hands back, weighted by where the gradient is: the plain
        # mean of the gate counts units that carry no gradient at all.
        carried = sim.step_measure("carried")[t + 1]
        if np.isfinite(carried):
            g, of = ("f", "c") if cell == "lstm" else ("z", "h")
            line += f" {g} hands back {_pct(carried)} of ∂L/∂{of}[{t + 1}] (|{g}⊙∂L/∂{of}|/|∂L/∂{of}|)"
            if cell == "lstm":
                # The rest of ∂L/∂c[t] comes from h[t]: what makes the cell's gradient grow.
                line += f", h adds {_pct(sim.step_measure('inflow')[t + 1])}"
            line += f"; mean {g} {float(d.gates[g][t + 1].mean()):.2f}."
    return line
