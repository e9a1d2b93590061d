"""The step-through app. It owns one Simulation, turns keys, clicks and palette
commands into Simulation commands, and pushes the result down to the widgets."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..explain import explain
from ..sim import SimError, Simulation
from .messages import TokenClicked
from .screens.compare import CompareScreen
from .screens.edit import EditScreen
from .screens.help import HelpScreen
from .widgets.cell import CellPanel
from .widgets.chain import Chain
from .widgets.generation import GENERATION_BINDINGS, GenerationPanel
from .widgets.gradient import GradientPanel
from .widgets.heatmap import Heatmap, StateLine
from .widgets.prediction import Prediction
from .widgets.tokens import TokenStrip

MIN_SIZE = (60, 20)
PLAY_INTERVAL = 0.6  # seconds per step while playing


def _b(key, action, description, id, tooltip, show=True):
    # Not priority bindings: nothing on the main screen takes focus (the heatmap can't), so the
    # arrows reach the app, while an Input on the edit screen still gets its own arrows and space.
    return Binding(key, action, description, show=show, id=id, tooltip=tooltip)


class RnnsimApp(App[None]):
    TITLE = "rnnsim"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    BINDINGS = [
        _b("right,l", "step", "Step", "step", "read the next token (in the gradient view: one step back in time)"),
        _b("left,h", "back", "Back", "back", "undo one step"),
        _b("home", "start", "Start", "start", "back to the start", show=False),
        _b("end", "end", "End", "end", "to the end", show=False),
        _b("space", "play", "Play", "play", "play / pause"),
        _b("b", "backward", "Backprop", "backward", "run backpropagation through time and trace the gradient"),
        _b("L", "loss_mode", "Loss", "loss", "switch the loss between all positions and the last one"),
        _b("c", "cycle_cell", "Cell", "cell", "cycle the cell: rnn → lstm → gru"),
        _b("d", "bidirectional", "Bidir", "bidirectional", "toggle a bidirectional network"),
        _b("f", "forget(0.5)", "Forget+", "forget_up", "LSTM: raise the forget-gate bias by 0.5", show=False),
        _b("F", "forget(-0.5)", "Forget−", "forget_down", "LSTM: lower the forget-gate bias by 0.5", show=False),
        _b("r", "reseed", "Reseed", "reseed", "a random model with the next seed", show=False),
        _b("e", "edit", "Edit", "edit", "edit the text"),
        _b("m", "compare", "Compare", "compare", "RNN, LSTM and GRU gradients side by side"),
        _b("t", "train", "Train", "train", "train this cell on the shipped corpus, live", show=False),
        _b("escape", "leave_backward", "Forward", "forward", "leave the gradient view", show=False),
        _b("question_mark", "help", "Help", "help", "keys and panels"),
        _b(
            "w",
            "record",
            "Save",
            "record",
            "save this session as a scene (a TOML file rnnsim play replays)",
            show=False,
        ),
        *GENERATION_BINDINGS,
        _b("q", "quit", "Quit", "quit", "quit rnnsim"),
    ]

    def __init__(self, sim: Simulation, **kw) -> None:
        super().__init__(**kw)
        self.sim = sim
        self.theme = "textual-dark"
        self._timer = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            yield Static(id="topbar", markup=False)
            with Vertical(id="tokens-box"):
                yield TokenStrip(id="tokens")
            with Vertical(id="chain-box"):
                yield Chain(id="chain")
            with Horizontal(id="middle"):
                with Vertical(id="heat-box", classes="panel"):
                    yield Heatmap(id="heatmap")
                    yield StateLine(id="state")
                with Vertical(id="cell-box", classes="panel"):
                    yield CellPanel(id="cell")
            with Horizontal(id="bottom"):
                with Vertical(id="pred-box", classes="panel"):
                    yield Prediction(id="prediction")
                with Vertical(id="grad-box", classes="panel"):
                    yield GradientPanel(id="gradient")
            yield GenerationPanel(id="generation")
            yield Static(id="explain", markup=False)
        yield Static(id="too-small", markup=False)
        yield Footer()

    async def on_event(self, event: events.Event) -> None:
        # Keys typed just before quitting can still sit in the queue when the screens are
        # gone; Textual would look up bindings on a missing screen and raise.
        if isinstance(event, events.Key) and not self.is_running:
            return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.query_one("#chain-box").border_title = "the chain: one cell applied at every step"
        self.query_one("#heat-box").border_title = "hidden state"
        self.query_one("#cell-box").border_title = "inside the cell"
        self.query_one("#pred-box").border_title = "prediction"
        self.query_one("#grad-box").border_title = "gradient through time"
        self._timer = self.set_interval(PLAY_INTERVAL, self._tick, pause=True)
        self._check_size()
        self.show_sim()

    def show_sim(self) -> None:
        """Push the Simulation down to every widget (attributes down)."""
        sim = self.sim
        for w in (TokenStrip, Chain, Heatmap, StateLine, CellPanel, Prediction, GradientPanel, GenerationPanel):
            self.query_one(w).show(sim)
        # fixed-height bars: no layout pass needed when their text changes
        self.query_one("#topbar", Static).update(self._topbar(), layout=False)
        self.query_one("#explain", Static).update(explain(sim), layout=False)
        if sim.notice:
            self.notify(sim.notice, timeout=4)
            sim.notice = ""
        if self._timer is not None:
            if sim.playing:
                self._timer.resume()
            else:
                self._timer.pause()

    def _topbar(self) -> Text:
        sim = self.sim
        src = sim.origin
        phase = f"gradient at t={sim.grad_cursor}" if sim.phase == "backward" else f"step {sim.cursor}/{sim.T}"
        mode = sim.loss_mode if isinstance(sim.loss_mode, str) else f"t={sim.loss_mode}"
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("rnnsim  ", style="bold")
        t.append(f"{sim.model.describe()} ({src})  ·  {phase}  ·  loss {mode}")
        if sim.playing:
            t.append("  ▶ playing", style="bold green")
        return t

    def screen_text(self) -> str:
        """The current screen as plain text, one line per row (for tests and txt frames)."""
        return "\n".join(strip.text for strip in self.screen._compositor.render_strips())

    # ------------------------------------------------------------ size

    def on_resize(self, event) -> None:
        self._check_size(event.size)

    def _check_size(self, size=None) -> None:
        w, h = size or self.size
        small = w < MIN_SIZE[0] or h < MIN_SIZE[1]
        self.screen.set_class(small, "-too-small")
        if small:
            self.query_one("#too-small", Static).update(
                f"Make the terminal larger: rnnsim needs {MIN_SIZE[0]}×{MIN_SIZE[1]}, this one is {w}×{h}."
            )

    # ------------------------------------------------------------ commands

    def run_command(self, command, *args) -> None:
        """Call a Simulation command; a user's mistake becomes a notice, never a crash."""
        try:
            command(*args)
        except SimError as e:
            self.notify(str(e), severity="warning", timeout=5)
        self.show_sim()

    def _on_main_screen(self) -> bool:
        """No help, edit, compare or training screen on top of the main one."""
        return len(self.screen_stack) == 1

    def check_action(self, action: str, parameters) -> bool | None:
        # The main screen's own keys do nothing while a help/edit/compare screen is up
        # (quit and help excepted); Textual's actions (pop_screen, ...) always run.
        if action in _MAIN_ACTIONS and action not in ("quit", "help"):
            return self._on_main_screen()
        return True

    def action_step(self) -> None:
        self.run_command(self.sim.step)

    def action_back(self) -> None:
        self.run_command(self.sim.back)

    def action_start(self) -> None:
        self.run_command(self.sim.to_start)

    def action_end(self) -> None:
        self.run_command(self.sim.to_end)

    def action_play(self) -> None:
        self.run_command(self.sim.toggle_play)

    def _tick(self) -> None:
        if not self.is_running:  # a tick that fires while the app shuts down finds no screen
            return
        self.run_command(self.sim.tick)

    def action_backward(self) -> None:
        self.run_command(self.sim.backward)

    def action_leave_backward(self) -> None:
        self.run_command(self.sim.leave_backward)

    def action_loss_mode(self) -> None:
        self.run_command(self.sim.cycle_loss_mode)

    def action_cycle_cell(self) -> None:
        self.run_command(self.sim.cycle_cell)

    def action_bidirectional(self) -> None:
        self.run_command(self.sim.toggle_bidirectional)

    def action_forget(self, delta: float) -> None:
        if self.sim.model.cell != "lstm":
            self.notify("only an LSTM has a forget gate: press c to switch cells", severity="warning")
            return
        self.run_command(self.sim.set_forget_bias, self.sim.model.forget_bias() + delta)

    def action_reseed(self) -> None:
        self.run_command(self.sim.reseed)

    def action_edit(self) -> None:
        def done(text: str | None) -> None:
            if text is not None:
                self.run_command(self.sim.set_text, text)

        self.push_screen(EditScreen(self.sim.text, Simulation._check_text), done)

    def action_train(self) -> None:
        from ..core.corpus import CorpusError
        from ..sim.training import LiveTraining
        from .screens.train import TrainScreen

        sim = self.sim
        try:
            live = LiveTraining(
                sim.tokens, cell=sim.model.cell, bidirectional=sim.model.bidirectional,
                hidden=max(4, min(64, sim.model.hidden)), seed=sim.settings.seed,
            )  # fmt: skip
        except (CorpusError, ValueError) as e:
            self.notify(f"cannot train: {e}", severity="error")
            return

        def use(model, origin: str) -> None:
            self.run_command(sim.set_model, model, origin)

        self.push_screen(TrainScreen(live, use))

    def action_sample(self) -> None:
        self.run_command(self.sim.sample_next)

    def action_temperature(self, direction: int) -> None:
        self.run_command(self.sim.temperature_up if direction > 0 else self.sim.temperature_down)

    def action_free_run(self) -> None:
        self.run_command(self.sim.toggle_free_run)

    def action_compare(self) -> None:
        self.push_screen(CompareScreen(self.sim))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.action_close()
            return
        self.push_screen(HelpScreen(self.BINDINGS))

    def action_record(self) -> None:
        """Write sim.history as a scene file, atomically (to `record_path` if set, as by
        `rnnsim record FILE`; else a new rnnsim-session-*.toml here)."""
        from ..scene import SceneError, save_session

        try:
            path = save_session(self.sim, getattr(self, "record_path", None), size=tuple(self.size))
        except SceneError as e:
            self.notify(str(e), severity="error", timeout=6)
            return
        self.notify(f"saved this session as a scene: {path}", timeout=5)

    def on_token_clicked(self, message: TokenClicked) -> None:
        self.run_command(self.sim.goto_position, message.position)

    # ------------------------------------------------------------ palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for b in self.BINDINGS:
            if b.action in ("quit",):
                continue
            yield SystemCommand(b.description, b.tooltip, lambda a=b.action: self.run_action(a))


_MAIN_ACTIONS = {b.action.split("(")[0] for b in RnnsimApp.BINDINGS}
