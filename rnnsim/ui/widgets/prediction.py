"""The head's output at the current position: the top five tokens with bars,
and the true token marked. A classifier's head speaks once, after the last token: every
class with its probability, the predicted one and the loss's label marked."""

from __future__ import annotations

import math

from rich.cells import cell_len

from ...explain import percent
from ..palette import hbar
from .base import SimWidget, clip
from .line import Line, Lines


class Prediction(SimWidget):
    DEFAULT_CSS = "Prediction { height: 1fr; }"

    def draw(self, sim) -> list[Line]:
        if sim.is_classifier:
            return self._decision(sim)
        out = Lines()
        t = sim.focus_position()
        cloze = sim.model.task == "cloze"
        if t is None:
            out.append("Nothing read yet:\nno prediction.", style="dim")  # (a line each: 30 columns at 80)
            return out.done()
        word = clip(sim.tokens[t], 12)
        if cloze:
            out.append(f"Blank at t={t}: ", style="bold")
            out.append(self._blank_context(sim, t, self.content_width - cell_len(f"Blank at t={t}: ")) + "\n")
            if not sim.prediction_ready(t):
                need = []
                if t > 0 and not sim.read_by("forward", t - 1):
                    need.append(f"→ to read t={t - 1}")
                if t < sim.T - 1 and not sim.read_by("reverse", t + 1):
                    need.append(f"← to read t={t + 1}")
                out.append("Needs h_fwd[t-1] and h_rev[t+1]: waiting for " + ", ".join(need), style="dim")
                return out.done()
        else:
            unit = "character" if sim.model.tokenizer == "char" else "word"  # a char model guesses characters
            self._heading(out, (f"Next {unit} after ", "Next after ", "After "), word, t)
        want = sim.target_token(t)
        pal = self.palette
        bar_w = max(4, self.content_width - 26)
        for tok, p in sim.top_predictions(t, 5):
            hit = want is not None and tok == want
            out.append(f"{clip(tok, 10):<10} ", style=f"bold {pal.hit}" if hit else "")
            out.append(hbar(p, bar_w), style=pal.hit if hit else pal.bar)
            out.append(f" {percent(p, 1):>5}")
            out.append(" ✓\n" if hit else "\n", style=pal.hit)
        if want is None:
            out.append("(end of text: nothing to check against)", style="dim")
        else:
            p_true = float(sim.trace.probs[t, sim.trace.targets[t]])
            out.append("the text has ", style="dim")
            out.append(f"“{clip(want, 12)}”", style=pal.hit)
            out.append(f" p={percent(p_true, 1)}, −log p = {-math.log(max(p_true, 1e-300)):.2f}", style="dim")
        return out.done()

    def _decision(self, sim) -> list[Line]:
        out = Lines()
        last = sim.T - 1
        if not sim.decision_ready():
            left = sim.T - sim.cursor
            out.append("The classifier decides once,\nafter the last token.\n", style="bold")
            out.append(f"{left} token{'s' if left > 1 else ''} still to read\n(End reads to the last).", style="dim")
            return out.done()
        pal = self.palette
        top, _ = sim.top_label()
        target = sim.target_label()
        self._heading(out, ("Class after ", "After "), clip(sim.tokens[last], 12), last)
        bar_w = max(2, self.content_width - 25)  # name 10, bar, " 52.8%", " ✓", " loss"
        for name, p in sim.class_probs():
            win = name == top
            out.append(f"{clip(name, 10):<10} ", style=f"bold {pal.hit}" if win else "")
            out.append(hbar(p, bar_w), style=pal.hit if win else pal.bar)
            out.append(f" {percent(p, 1):>5}")
            out.append(" ✓" if win else "  ", style=pal.hit)
            out.append(" loss\n" if name == target else "\n", style="dim")
        p_target = dict(sim.class_probs())[target]
        chosen = "chosen" if sim.label is not None else "predicted"
        loss = -math.log(max(p_target, 1e-300))
        # short lines: the panel is 34 columns wide at 80x24
        out.append(f"loss at “{clip(target, 10)}”: {loss:.2f}\n", style="dim")
        out.append(f"= −log p, the {chosen} label;\na scores another label", style="dim")
        return out.done()

    def _heading(self, out: Lines, openings: tuple[str, ...], word: str, t: int) -> None:
        """'Next word after “the” (t=17)' in the first of its shorter openings that fits the
        panel whole (the line's end, t, was cut with … in a lesson at 80 columns)."""
        width = self.content_width
        tail = f"“{word}” (t={t})"
        opening = next((o for o in openings if cell_len(o + tail) <= width), openings[-1])
        out.append(opening, style="bold")
        out.append(f"“{word}”", style="bold cyan")
        out.append(f" (t={t})\n", style="bold")

    @staticmethod
    def _blank_context(sim, t: int, width: int) -> str:
        """'cat sat ___ the mat': up to two words either side of the blank, fewer where the
        panel is narrow (the line was cut after "___" at 80 columns), never cut mid-word."""
        for n in (2, 1, 0):
            left = " ".join(clip(w, 8) for w in sim.tokens[max(0, t - n) : t])
            right = " ".join(clip(w, 8) for w in sim.tokens[t + 1 : t + 1 + n])
            context = f"{left} ___ {right}".strip()
            if cell_len(context) <= width:
                break
        return context
