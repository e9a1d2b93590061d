"""The step-through app. It owns one Simulation, turns keys, clicks and palette
commands into Simulation commands, and pushes the result down to the widgets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from ..sim import SimError, Simulation
from .footer import FittedFooter
from .keys import (
    PLAY_INTERVAL,
    SURGERY_BINDINGS,
    FileKeys,
    GenerationKeys,
    ModelKeys,
    SteppingKeys,
    SurgeryKeys,
    ViewKeys,
)
from .layout import check_size, fit_panels, title_layer_panels, topbar
from .messages import TokenClicked
from .screens.compare import CompareScreen
from .screens.edit import EditScreen
from .screens.help import HelpScreen, key_names
from .titles import TitledBox
from .widgets.bars import TextBar
from .widgets.base import SimWidget
from .widgets.cell import CellPanel
from .widgets.chain import Chain
from .widgets.generation import GENERATION_BINDINGS, GenerationPanel
from .widgets.gradient import GradientPanel
from .widgets.heatmap import Heatmap, StateLine
from .widgets.kept import Column, KeptScreen, Row
from .widgets.prediction import Prediction
from .widgets.surgery import SurgeryBar
from .widgets.tokens import TokenStrip


def _b(key, action, description, id, tooltip, show=True):
    # Not priority bindings: nothing on the main screen takes focus (the heatmap can't), so the
    # arrows reach the app, while an Input on the edit screen still gets its own arrows and space.
    return Binding(key, action, description, show=show, id=id, tooltip=tooltip)


class RnnsimApp(SteppingKeys, ModelKeys, GenerationKeys, FileKeys, ViewKeys, SurgeryKeys, App[None]):
    """The main screen; its keys' actions are written by concern in ui/keys/ and its
    layout fitting in ui/layout.py."""

    TITLE = "rnnsim"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    BINDINGS = [
        _b("right,l", "step", "Step", "step", "read the next token (in the gradient view: one step back in time)"),
        _b("left,h", "back", "Back", "back", "undo one step"),
        # The Footer shows the keys in this order, as many whole ones as the width holds (help
        # and quit always: ui/footer.py); the rest stay in help and the palette.
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
            "classifier: score the loss at the next label (round to the predicted one)",
        ),
        _b("home", "start", "Start", "start", "back to the start", show=False),
        _b("end", "end", "End", "end", "to the end", show=False),
        _b("space", "play", "Play", "play", "play / pause"),
        _b(
            "plus,equals_sign",
            "speed(1)",
            "Speed: faster",
            "faster",
            "play faster (the speed shows at the top)",
            show=False,
        ),
        _b("minus", "speed(-1)", "Speed: slower", "slower", "play slower", show=False),
        _b("b", "backward", "Backprop", "backward", "run backpropagation through time and trace the gradient"),
        _b("L", "loss_mode", "Loss", "loss", "switch the loss between all positions and one word's"),
        _b("c", "cycle_cell", "Cell", "cell", "cycle the cell: rnn → lstm → gru"),
        _b("d", "bidirectional", "Bidir", "bidirectional", "toggle a bidirectional network"),
        _b("f", "forget(0.5)", "Forget+", "forget_up", "LSTM: raise the forget-gate bias by 0.5", show=False),
        _b("F", "forget(-0.5)", "Forget−", "forget_down", "LSTM: lower the forget-gate bias by 0.5", show=False),
        _b("r", "reseed", "Reseed", "reseed", "a random model with the next seed", show=False),
        _b("e", "edit", "Edit", "edit", "edit the text"),
        _b("m", "compare", "Compare", "compare", "RNN, LSTM and GRU gradients side by side"),
        _b(
            "s",
            "saturation",
            "Saturation",
            "saturation",
            "why the plain RNN forgets: how far tanh pins its state, word by word",
            show=False,
        ),
        _b(
            "T",
            "learning",
            "Learning",
            "learning",
            "replay the recorded training of the shipped LSTM and RNN, epoch by epoch",
            show=False,
        ),
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
        *SURGERY_BINDINGS,
    ]

    def __init__(self, sim: Simulation, **kw) -> None:
        super().__init__(**kw)
        self.sim = sim
        self.theme = "textual-dark"
        self._shape = self._model_shape()  # the keys shown change only when this does

    # ------------------------------------------------------------ layout

    def get_default_screen(self) -> Screen:
        return KeptScreen(id="_default")  # (its lines kept between frames: widgets/kept.py)

    def compose(self) -> ComposeResult:
        with Column(id="main"):
            yield TextBar(id="topbar")
            yield SurgeryBar(id="surgery", markup=False)
            with Column(id="tokens-box"):
                yield TokenStrip(id="tokens")
            with TitledBox(id="chain-box"):
                yield Chain(id="chain")
            with Row(id="middle"):
                with TitledBox(id="heat-box", classes="panel"):
                    yield Heatmap(id="heatmap")
                    yield StateLine(id="state")
                with TitledBox(id="cell-box", classes="panel"):
                    yield CellPanel(id="cell")
            with Row(id="bottom"):
                with TitledBox(id="pred-box", classes="panel"):
                    yield Prediction(id="prediction")
                with TitledBox(id="grad-box", classes="panel"):
                    yield GradientPanel(id="gradient")
            yield GenerationPanel(id="generation")
            yield TextBar(id="explain")
        yield Static(id="too-small", markup=False)
        yield FittedFooter()

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
        check_size(self, self.size)
        self.show_sim()

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
        for w in (
            TokenStrip, Chain, Heatmap, StateLine, CellPanel, Prediction, GradientPanel, GenerationPanel, SurgeryBar
        ):  # fmt: skip
            self.query_one(w).show(sim)
        title_layer_panels(self)
        shape = self._model_shape()
        if shape != self._shape:  # the layer and label keys show only where they act
            self._shape = shape
            self.refresh_bindings()
        self.query_one("#topbar", TextBar).say(sim, [topbar(sim, self.speed, self.size.width - 2)])
        self.fit_layout()  # (the explanation too: it is wrapped to fit its rows)
        if sim.notice:
            self.notify(sim.notice, timeout=4)
            sim.notice = ""
        if self._timer is not None:
            if sim.playing:
                self._timer.resume()
            else:
                self._timer.pause()

    # ------------------------------------------------------------ fitting the screen

    def fixed_rows(self, width: int, height: int) -> int:
        """Rows taken above the panels by what a subclass adds (a scene's caption)."""
        return 0

    def fit_layout(self) -> None:
        """Share the rows out among the areas (ui/layout.py says how)."""
        if not self.is_running or not self.screen_stack:
            return
        fit_panels(self)
        title_layer_panels(self)  # again at the boxes' new widths (a title is fitted to its box)

    def hide_explain(self, short: bool) -> bool:
        """Whether the explanation line gives its rows to the panels (a scene's caption
        speaks instead on a short terminal)."""
        return False

    def screen_text(self) -> str:
        """The current screen as plain text, one line per row (for tests and txt frames)."""
        return "\n".join(strip.text for strip in self.screen._compositor.render_strips())

    # ------------------------------------------------------------ size

    def on_resize(self, event) -> None:
        check_size(self, event.size)
        if self.is_mounted:
            # (self.size is still the old size here)
            self.query_one("#topbar", TextBar).say(self.sim, [topbar(self.sim, self.speed, event.size.width - 2)])
            # the panels draw again at their new widths first, then the rows are shared out
            self.call_after_refresh(self.fit_layout)

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

    def action_edit(self) -> None:
        def done(text: str | None) -> None:
            if text is not None:
                self.run_command(self.sim.set_text, text)

        self.push_screen(EditScreen(self.sim.text, Simulation._check_text), done)

    def action_compare(self) -> None:
        self.push_screen(CompareScreen(self.sim))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.action_close()
            return
        self.push_screen(HelpScreen([b for b in bindings_in_effect(type(self)) if self._applies(b.action)]))

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
        for b in bindings_in_effect(type(self)):
            if b.action in ("quit",) or not self._applies(b.action):
                continue
            yield SystemCommand(f"{b.description}  ({key_names(b)})", b.tooltip, lambda a=b.action: self.run_action(a))
        if self._on_main_screen():
            # No key of its own (the keys are few): a random stacked model from the palette.
            yield SystemCommand(STACK_COMMAND, "a random model with 1, 2 or 3 layers", self.action_cycle_layers)


def bindings_in_effect(cls: type[RnnsimApp]) -> list[Binding]:
    """The keys an app of this class answers, for its help and palette: a lesson's own
    first (its →, ← and space), then the app's, each without the keys a lesson took over
    (the app's "→, l" is "l" there, its space to play is gone). A lesson listed only its
    own three, though every other key works as usual in it."""
    taken: set[str] = set()
    out = []
    for klass in cls.__mro__:
        if not issubclass(klass, RnnsimApp):
            continue  # (Textual's own App keys: its palette lists them)
        for b in klass.__dict__.get("BINDINGS", []):
            keys = b.key.split(",")
            free = [k for k in keys if k not in taken]
            if free:
                out.append(b if free == keys else replace(b, key=",".join(free)))
            taken.update(keys)
    return out


_MAIN_ACTIONS = {b.action.split("(")[0] for b in RnnsimApp.BINDINGS}
STACK_COMMAND = "Stack layers  (1 → 2 → 3)"
