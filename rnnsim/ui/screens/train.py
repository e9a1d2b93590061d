"""Train a model live on the shipped corpus: the loss falling, the gradient reaching each
word of the session's text changing as the network learns, pause/resume, and "use this
model" to step through what it learned. Training runs in a thread worker; this screen
only draws LiveTraining's snapshots."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from ...sim.training import LiveTraining, TrainingSnapshot
from ..palette import hbar
from ..widgets.base import clip
from ..widgets.gradient import decades_spanned, log_fraction

REDRAW = 0.25  # seconds between redraws while training


def status_text(snap: TrainingSnapshot, live: LiveTraining) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    kind = f"{'bidirectional ' if live.bidirectional else ''}{live.cell.upper()}, hidden {live.hidden}"
    out.append(f"Training a new {kind} on the shipped corpus ({live.trainer.corpus.n_tokens} tokens)\n", style="bold")
    state = {
        "ready": "starting",
        "training": "training",
        "paused": "paused (space resumes)",
        "done": "done",
        "stopped": "stopped",
        "failed": "failed",
    }[snap.state]
    out.append(f"epoch {snap.epoch}/{snap.epochs}, batch {snap.batch}/{snap.batches} · {state}")
    if snap.tokens_per_s:
        out.append(f" · {snap.tokens_per_s:,.0f} tokens/s")
    if snap.batch_losses:
        out.append(f" · batch loss {snap.batch_losses[-1]:.3f}")
    if snap.error:
        out.append(f"\n{snap.error}", style="red")
    return out


def epochs_text(snap: TrainingSnapshot, height: int) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{'epoch':>5} {'train loss':>11} {'held-out loss':>14} {'accuracy':>9}\n", style="dim")
    for e in snap.epochs_done[-max(1, height - 1) :]:
        out.append(f"{e.epoch:>5} {e.train_loss:>11.3f} {e.heldout_loss:>14.3f} {e.heldout_accuracy:>9.1%}\n")
    return out


def probe_text(snap: TrainingSnapshot, tokens: list[str], width: int) -> Text:
    """The gradient from one word's loss (the one the app's gradient view starts with)
    back to every word: before training (dim) and now (bright), on one log scale."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if not snap.probe_norms:
        return out
    first, now = snap.probe_norms[0], snap.probe_norms[-1]
    target = tokens[snap.probe_position + 1] if snap.probe_position + 1 < len(tokens) else None
    loss = f"the loss on “{clip(target, 12)}”" if target is not None else "the loss at the last word"
    out.append(
        f"Gradient reaching each word of your text from {loss} "
        f"(log scale): untrained vs after epoch {len(snap.probe_norms) - 1}\n",
        style="bold",
    )
    after = clip(tokens[snap.probe_position], 12)
    out.append(
        f"top guess after “{after}”: untrained “{snap.probe_guess[0]}”, now “{snap.probe_guess[-1]}”\n", style="dim"
    )
    peak = float(max(np.max(first), np.max(now))) or 1.0
    decades = decades_spanned(first, now)
    bar_w = max(4, (width - 40) // 2)
    for t in range(min(len(tokens), 12)):
        out.append(f"{t:>3} {clip(tokens[t], 8):<8} ")
        out.append(hbar(log_fraction(float(first[t]), peak, decades), bar_w), style="grey50")
        out.append(f" {first[t]:7.1e} ")
        out.append(hbar(log_fraction(float(now[t]), peak, decades), bar_w), style="yellow")
        out.append(f" {now[t]:7.1e}\n")
    return out


class TrainScreen(Screen[None]):
    BINDINGS = [
        Binding("space", "pause", "Pause/resume", id="train.pause"),
        Binding("u", "use", "Use this model", id="train.use", tooltip="stop and step through the model as it is now"),
        Binding("escape,q", "close", "Back", id="train.close", tooltip="stop training and go back"),
    ]
    DEFAULT_CSS = """
    TrainScreen #status { height: 3; padding: 0 1; }
    TrainScreen #loss-title { height: 1; padding: 0 1; color: $text-muted; }
    TrainScreen Sparkline { height: 6; margin: 0 1; }
    TrainScreen #epochs { height: 1fr; padding: 0 1; }
    TrainScreen #probe { height: 2fr; padding: 0 1; }
    """

    def __init__(self, live: LiveTraining, on_use) -> None:
        super().__init__()
        self.live = live
        self._on_use = on_use

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="status", markup=False)
            yield Static(id="loss-title", markup=False)
            yield Sparkline([], id="loss")
            yield Static(id="epochs", markup=False)
            yield Static(id="probe", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.run_worker(self.live.run, thread=True, exclusive=True, name="training")
        self.set_interval(REDRAW, self.redraw)
        self.redraw()

    def on_unmount(self) -> None:
        # Leaving by any way (quitting the app included) stops the worker at its next batch;
        # otherwise the app waits for the training thread before it exits.
        self.live.stop()

    def redraw(self) -> None:
        try:
            self._redraw()
        except NoMatches:  # the interval fired while the screen closes: its panels are gone
            pass

    def _redraw(self) -> None:
        snap = self.live.snapshot()
        width = self.size.width
        self.query_one("#status", Static).update(status_text(snap, self.live))
        losses = snap.batch_losses
        if losses:  # at most two points per cell of width: the mean of each bucket
            n = max(1, len(losses) // max(1, 2 * width))
            data = [sum(losses[i : i + n]) / len(losses[i : i + n]) for i in range(0, len(losses), n)]
            self.query_one("#loss", Sparkline).data = data
            self.query_one("#loss-title", Static).update(
                f"loss per batch (nats per word): {losses[0]:.2f} at the start, {losses[-1]:.2f} now"
            )
        self.query_one("#epochs", Static).update(epochs_text(snap, self.query_one("#epochs").size.height))
        self.query_one("#probe", Static).update(probe_text(snap, self.live.tokens, width))

    def action_pause(self) -> None:
        self.live.toggle_pause()
        self.redraw()

    def action_use(self) -> None:
        self.live.stop()
        snap = self.live.snapshot()
        self._on_use(self.live.latest, f"trained here: {len(snap.epochs_done)} epochs")
        if self.app.screen is self:  # on top (is_current is also true under the palette)
            self.dismiss()

    def action_close(self) -> None:
        self.live.stop()
        if self.app.screen is self:  # on top (is_current is also true under the palette)
            self.dismiss()
