"""The step-through app. It owns one Simulation, turns keys, clicks and palette
commands into Simulation commands, and pushes the result down to the widgets."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.scalar import Unit
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..explain import explain
from ..sim import SimError, Simulation
from ..textsafe import printable
from .messages import TokenClicked
from .screens.compare import CompareScreen
from .screens.edit import EditScreen
from .screens.help import HelpScreen, key_names
from .widgets.base import SimWidget
from .widgets.cell import CellPanel
from .widgets.chain import SHORT, Chain
from .widgets.generation import GENERATION_BINDINGS, GenerationPanel
from .widgets.gradient import GradientPanel
from .widgets.heatmap import Heatmap, StateLine
from .widgets.prediction import Prediction
from .widgets.tokens import TokenStrip

MIN_SIZE = (60, 20)
PLAY_INTERVAL = 0.6  # seconds per step while playing, at speed 1
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0)  # play speeds the + and - keys step through
NARROW = 110  # columns: below this the gradient view takes the prediction's place
EXPLAIN_LINES = 4  # at most; the explanation wraps and its area grows to hold it


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
        # ? and q come next: the Footer lists keys in this order and cuts the last ones on a
        # narrow terminal, and help and quit must stay in reach at 80 columns.
        _b("question_mark,f1", "help", "Help", "help", "keys and panels"),
        _b("q", "quit", "Quit", "quit", "quit rnnsim"),
        _b(
            "S",
            "save_model",
            "Save model",
            "save_model",
            "save the model in use (a live-trained one too) as a .safetensors file",
            show=False,
        ),
        # Shown only where they do something: a stacked model's layers, a classifier's labels.
        _b("left_square_bracket", "layer_down", "Layer↓", "layer_down", "stacked model: show the layer below"),
        _b("right_square_bracket", "layer_up", "Layer↑", "layer_up", "stacked model: show the layer above"),
        _b(
            "a",
            "cycle_label",
            "Label",
            "label",
            "classifier: score the loss at the next label (then the predicted one)",
        ),
        _b("home", "start", "Start", "start", "back to the start", show=False),
        _b("end", "end", "End", "end", "to the end", show=False),
        _b("space", "play", "Play", "play", "play / pause"),
        _b("plus,equals_sign", "speed(1)", "Faster", "faster", "play faster (the speed shows at the top)", show=False),
        _b("minus", "speed(-1)", "Slower", "slower", "play slower", show=False),
        _b("b", "backward", "Backprop", "backward", "run backpropagation through time and trace the gradient"),
        _b("L", "loss_mode", "Loss", "loss", "switch the loss between all positions and one word's"),
        _b("c", "cycle_cell", "Cell", "cell", "cycle the cell: rnn → lstm → gru"),
        _b("d", "bidirectional", "Bidir", "bidirectional", "toggle a bidirectional network"),
        _b("f", "forget(0.5)", "Forget+", "forget_up", "LSTM: raise the forget-gate bias by 0.5", show=False),
        _b("F", "forget(-0.5)", "Forget−", "forget_down", "LSTM: lower the forget-gate bias by 0.5", show=False),
        _b("r", "reseed", "Reseed", "reseed", "a random model with the next seed", show=False),
        _b("e", "edit", "Edit", "edit", "edit the text"),
        _b("m", "compare", "Compare", "compare", "RNN, LSTM and GRU gradients side by side"),
        _b("t", "train", "Train", "train", "train this cell on the shipped corpus, live", show=False),
        _b("escape", "leave_backward", "Forward", "forward", "leave the gradient view", show=False),
        _b(
            "w",
            "record",
            "Save",
            "record",
            "save this session as a scene (a TOML file rnnsim play replays)",
            show=False,
        ),
        *GENERATION_BINDINGS,
    ]

    def __init__(self, sim: Simulation, **kw) -> None:
        super().__init__(**kw)
        self.sim = sim
        self.theme = "textual-dark"
        self._timer = None
        self._shape = self._model_shape()  # the keys shown change only when this does

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
        self.query_one("#pred-box").border_title = "prediction"  # a classifier's: see show_sim
        self.query_one("#grad-box").border_title = "gradient through time"
        self._timer = self.set_interval(PLAY_INTERVAL / self.speed, self._tick, pause=True)
        self._check_size()
        self.show_sim()

    speed = 1.0  # play speed: steps per PLAY_INTERVAL

    def watch_theme(self, theme: str) -> None:
        # Cached pictures carry the old theme's colours: draw them again, once the new
        # theme's styles are in place (they are applied after this watcher runs).
        if self.is_running and self.screen_stack:
            self.call_after_refresh(self.redraw_panels)

    def redraw_panels(self) -> None:
        """Draw every panel's picture anew (its cached rows included)."""
        if not self.screen_stack:
            return
        for widget in self.screen_stack[0].query("SimWidget, Heatmap"):
            if isinstance(widget, SimWidget):
                widget.forget_style()
            widget.redraw()
            widget.refresh()

    def show_sim(self) -> None:
        """Push the Simulation down to every widget (attributes down)."""
        sim = self.sim
        for w in (TokenStrip, Chain, Heatmap, StateLine, CellPanel, Prediction, GradientPanel, GenerationPanel):
            self.query_one(w).show(sim)
        self._title_layer_panels()
        shape = self._model_shape()
        if shape != self._shape:  # the layer and label keys show only where they act
            self._shape = shape
            self.refresh_bindings()
        # Bars of a fitted height: a layout pass only when the number of lines changes
        self.query_one("#topbar", Static).update(self._topbar(), layout=False)
        self.query_one("#explain", Static).update(explain(sim), layout=False)
        self.fit_layout()
        if sim.notice:
            self.notify(sim.notice, timeout=4)
            sim.notice = ""
        if self._timer is not None:
            if sim.playing:
                self._timer.resume()
            else:
                self._timer.pause()

    PANEL_TITLES = {"#chain-box": "the chain: one cell applied at every step", "#cell-box": "inside the cell"}

    def _title_layer_panels(self) -> None:
        """The panels that show one layer of a stacked model say which ("layer 2 of 3");
        a one-layer model's titles stay as they are."""
        where = self.sim.layer_caption()
        titles = {box: f"{title} · {where}" if where else title for box, title in self.PANEL_TITLES.items()}
        titles["#pred-box"] = "decision after the last token" if self.sim.is_classifier else "prediction"
        for box, title in titles.items():
            widget = self.query_one(box)
            if widget.border_title != title:  # an unchanged title costs no refresh
                widget.border_title = title

    def _topbar(self) -> Text:
        """Where the session is first (step, loss, playing), then the model; a shorter
        description of the model when the full one does not fit."""
        sim = self.sim
        phase = f"gradient at t={sim.grad_cursor}" if sim.phase == "backward" else f"step {sim.cursor}/{sim.T}"
        mode = sim.loss_mode if isinstance(sim.loss_mode, str) else f"t={sim.loss_mode}"
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{phase}  ·  loss {mode}  ·  ", style="bold")
        if sim.playing:
            t.append(f"▶ playing ×{self.speed:g} (+/−)  ·  ", style="bold green")
        elif self.speed != 1.0:
            t.append(f"play speed ×{self.speed:g}  ·  ", style="dim")
        full = f"{sim.model.describe()} ({printable(sim.origin)})"  # origin: maybe a file name
        width = self.size.width - 2
        if t.cell_len + len(full) > width:
            m = sim.model
            kind = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[m.cell]
            origin = printable(sim.origin)
            full = f"{'bi' if m.bidirectional else ''}{kind} H={m.hidden} E={m.embed} V={len(m.vocab)} ({origin})"
        t.append(full)
        return t

    # ------------------------------------------------------------ fitting the screen

    def fixed_rows(self, width: int, height: int) -> int:
        """Rows taken above the panels by what a subclass adds (a scene's caption)."""
        return 0

    def fit_layout(self) -> None:
        """Give every area the rows it needs, by priority: the bars and the explanation
        (wrapped, never cut), then the cell panel and the gradient table; what still
        does not fit scrolls, and its panel says so on its lower border."""
        if not self.is_running or not self.screen_stack:
            return
        screen = self.screen_stack[0]  # the panels' screen, under any help or compare screen
        w, h = self.size
        sim = self.sim
        short = h < SHORT
        screen.set_class(w < NARROW and sim.phase == "backward", "-narrow-backward")
        screen.set_class(short, "-short")
        explain_box = screen.query_one("#explain", Static)
        explain_rows = 0
        if not self.hide_explain(short):
            explain_rows = min(EXPLAIN_LINES, wrapped_lines(explain(sim), w - 2, self.console))
        _set_height(explain_box, explain_rows)
        chain_rows = 2 * len(sim.model.directions) if (short or sim.model.bidirectional) else 4
        chain = screen.query_one(Chain)
        _set_height(chain, chain_rows)
        tokens = screen.query_one(TokenStrip)
        token_rows = 2 if (not short or sim.model.bidirectional or any(sim.unknown)) else 1
        _set_height(tokens, token_rows)
        rows = h - 1 - 1 - token_rows - (chain_rows + 2) - explain_rows - self.fixed_rows(w, h)
        middle = 2 + max(screen.query_one(CellPanel).wanted_height, 4)
        bottom = 2 + max(screen.query_one(Prediction).wanted_height, screen.query_one(GradientPanel).wanted_height)
        share = 0.5 if sim.phase == "backward" else 0.4
        if middle + bottom <= rows:
            give = bottom
        else:
            give = min(bottom, max(5, round(rows * share), rows - middle))
        _set_height(screen.query_one("#bottom"), max(5, give))

    def hide_explain(self, short: bool) -> bool:
        """Whether the explanation line gives its rows to the panels (a scene's caption
        speaks instead on a short terminal)."""
        return False

    def screen_text(self) -> str:
        """The current screen as plain text, one line per row (for tests and txt frames)."""
        return "\n".join(strip.text for strip in self.screen._compositor.render_strips())

    # ------------------------------------------------------------ size

    def on_resize(self, event) -> None:
        self._check_size(event.size)
        if self.is_mounted:
            self.query_one("#topbar", Static).update(self._topbar(), layout=False)
            # the panels draw again at their new widths first, then the rows are shared out
            self.call_after_refresh(self.fit_layout)

    def _check_size(self, size=None) -> None:
        w, h = size or self.size
        small = w < MIN_SIZE[0] or h < MIN_SIZE[1]
        # Every screen, not only the one on top: a resize while help is open must reach
        # the main screen under it too (it kept "make the terminal larger" after help closed).
        for screen in self.screen_stack:
            screen.set_class(small, "-too-small")
        if small:
            self.screen_stack[0].query_one("#too-small", Static).update(
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
            if not self._applies(action):
                return False  # hidden from the Footer, and the key does nothing
            return self._on_main_screen()
        return True

    def _model_shape(self) -> tuple[bool, bool]:
        """(stacked, classifier): what decides which of the model-specific keys show."""
        return self.sim.num_layers > 1, self.sim.is_classifier

    def _applies(self, action: str) -> bool:
        """Keys that act only on some models: the layer keys on a stacked one, the label
        key on a classifier (elsewhere they are neither shown nor offered)."""
        if action in ("layer_up", "layer_down"):
            return self.sim.num_layers > 1
        if action == "cycle_label":
            return self.sim.is_classifier
        return True

    def action_layer_up(self) -> None:
        self.run_command(self.sim.layer_up)

    def action_layer_down(self) -> None:
        self.run_command(self.sim.layer_down)

    def action_cycle_layers(self) -> None:
        self.run_command(self.sim.cycle_layers)

    def action_cycle_label(self) -> None:
        self.run_command(self.sim.cycle_label)

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

    def action_speed(self, direction: int) -> None:
        """Step through SPEEDS; the play timer (and a scene's pauses) follow."""
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + direction))]
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(PLAY_INTERVAL / self.speed, self._tick, pause=not self.sim.playing)
        self.notify(f"play speed ×{self.speed:g}: {self.speed / PLAY_INTERVAL:.2g} steps a second", timeout=2)
        self.show_sim()

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
        self.push_screen(HelpScreen([b for b in self.BINDINGS if self._applies(b.action)]))

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

    def action_save_model(self) -> None:
        """Write the model in use to a new rnnsim-model-*.safetensors here, atomically."""
        import time

        from ..core.modelfile import save_model

        stem = f"rnnsim-model-{time.strftime('%Y%m%d-%H%M%S')}"
        path, n = Path(f"{stem}.safetensors"), 1
        while path.exists():  # two saves in one second keep both
            n += 1
            path = Path(f"{stem}-{n}.safetensors")
        try:
            save_model(self.sim.model, path)
        except OSError as e:
            self.notify(f"could not save the model to {path}: {e.strerror or e}", severity="error", timeout=6)
            return
        self.notify(f"saved the model: {path} (open it with rnnsim --model {path})", timeout=6)

    def on_token_clicked(self, message: TokenClicked) -> None:
        self.run_command(self.sim.goto_position, message.position)

    # ------------------------------------------------------------ palette

    def action_command_palette(self) -> None:
        # Textual's palette, guarded against an Enter that arrives after it closed (it
        # popped the main screen: ScreenStackError).
        from textual.command import CommandPalette

        from .command_palette import GuardedCommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(GuardedCommandPalette(id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for b in self.BINDINGS:
            if b.action in ("quit",) or not self._applies(b.action):
                continue
            yield SystemCommand(f"{b.description}  ({key_names(b)})", b.tooltip, lambda a=b.action: self.run_action(a))
        if self._on_main_screen():
            # No key of its own (the keys are few): a random stacked model from the palette.
            yield SystemCommand(STACK_COMMAND, "a random model with 1, 2 or 3 layers", self.action_cycle_layers)


_MAIN_ACTIONS = {b.action.split("(")[0] for b in RnnsimApp.BINDINGS}
STACK_COMMAND = "Stack layers  (1 → 2 → 3)"


def wrapped_lines(text: str | Text, width: int, console) -> int:
    """Lines `text` takes when wrapped at `width` cells."""
    if isinstance(text, str):
        return _wrapped_str_lines(text, width, console)
    return max(1, len(text.wrap(console, max(1, width))))


@lru_cache(maxsize=256)
def _wrapped_str_lines(text: str, width: int, console) -> int:
    return max(1, len(Text(text).wrap(console, max(1, width))))


def _set_height(widget, rows: int) -> None:
    """Set a fixed height; only a change asks for a layout pass."""
    height = widget.styles.height
    if height is None or height.unit != Unit.CELLS or height.value != rows:
        widget.styles.height = rows
