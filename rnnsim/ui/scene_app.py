"""Playing a scene in the app: a caption area above the usual panels, and keys to move
through the scene. The scene's logic (steps, replay, checks) is rnnsim.scene.ScenePlayer;
this module only shows it and times it.

Keys: space pauses and resumes, → / ← go to the next / previous scene step; every other
key of the app still works (l / h read a token forward / back, b backpropagates, ...):
the user takes over, the scene pauses, and → carries on from the scene's own next step.

Headless (`render_scene`): no terminal; the steps run one after another as fast as the
app can draw them, and each `snapshot` step's frame is handed to a callback as SVG or text.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from ..core.safe_text import safe_text, xml_safe
from ..scene import Failure, Scene, SceneError, ScenePlayer, Step
from .app import RnnsimApp
from .layout import wrapped_lines
from .screens.compare import CompareScreen, CompareView
from .screens.help import HelpScreen
from .screens.learning import LearningScreen, LearningView
from .screens.prompt import PromptScreen
from .screens.saturation import SaturationScreen, SaturationView
from .svg import export_svg

POINTS_AT_EXPLANATION = "under the panels"  # a caption's words for the explanation line


class Caption(Static):
    """The lesson's voice: a status line (title, step, keys) and the step's caption."""

    DEFAULT_CSS = """
    Caption { height: 4; padding: 0 1; overflow: hidden; background: $accent 12%; color: $text;
        border-left: outer $accent; }
    """

    said: str | None = None  # the plain text it shows (the app writes it only when it changes)


class _SceneView:
    """A view over the panels (compare, saturation, learning) with the scene's caption
    above it (the view takes the rest of the height: screens/view.py's SimView)."""

    def compose(self) -> ComposeResult:
        yield Caption(classes="scene-caption", markup=False)
        yield from super().compose()

    def on_mount(self) -> None:
        self.app.show_caption()


class SceneCompareScreen(_SceneView, CompareScreen):
    pass


class SceneSaturationScreen(_SceneView, SaturationScreen):
    pass


class SceneLearningScreen(_SceneView, LearningScreen, inherit_bindings=False):
    """In a lesson → and ← move through the scene; l and h still step the epochs."""

    BINDINGS = [
        Binding("escape,q", "close", "Back", id="view.close"),
        Binding("l", "epoch(1)", "Epoch+", id="learning.next", tooltip="replay one more epoch"),
        Binding("h", "epoch(-1)", "Epoch−", id="learning.previous", tooltip="one epoch back"),
    ]


# a scene's view action -> (its screen, the widget that draws it)
SCENE_VIEWS = {
    "compare": (SceneCompareScreen, CompareView),
    "saturation": (SceneSaturationScreen, SaturationView),
    "learning": (SceneLearningScreen, LearningView),
}
VIEW_SCREENS = (CompareScreen, SaturationScreen, LearningScreen)


class ScenePlayerApp(RnnsimApp):
    BINDINGS = [
        Binding("right", "scene_next", "Next", id="scene.next", tooltip="the scene's next step"),
        Binding("left", "scene_previous", "Prev", id="scene.previous", tooltip="the scene's previous step"),
        Binding("space", "scene_pause", "Pause", id="scene.pause", tooltip="pause / resume the scene"),
    ]

    def __init__(self, scene: Scene, *, autoplay: bool = True, headless: bool = False, **kw) -> None:
        self.player = ScenePlayer(scene)
        super().__init__(self.player.sim, **kw)
        self.scene = scene
        self.headless = headless
        self.scene_playing = autoplay and not headless
        self.exploring = False
        self._advance = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Caption(id="caption", classes="scene-caption", markup=False)
        for widget in super().compose():
            if isinstance(widget, Footer):
                widget.compact = True  # the scene's three keys come on top of the app's: fit them all
            yield widget

    def on_mount(self) -> None:
        # Textual calls RnnsimApp.on_mount itself (handlers run for every class in the MRO).
        self.show_caption()
        self._schedule()

    # ------------------------------------------------------------ showing

    def caption_text(self, width: int | None = None) -> Text:
        """The status line and the caption. The status line keeps to one row where it can:
        in `width` columns (the terminal's by default) the state loses its keys (the
        footer has them) before the line would wrap, so a caption at 80 columns leaves
        one row more to the panels."""
        p = self.player
        width = (self.size.width if width is None else width) - 3  # (the caption's border and padding)
        t = Text(no_wrap=False, overflow="ellipsis")
        t.append(safe_text(self.scene.title), style="bold")  # a scene file's words may hold escapes
        forms = [f"  ·  scene step {p.done}/{p.total}"]
        if not self.headless:
            keys, state = self._state_forms()
            forms = [f"{forms[0]}  ·  {keys}", f"{forms[0]}  ·  {state}", f"  ·  step {p.done}/{p.total}  ·  {state}"]
        t.append(next((f for f in forms if t.cell_len + cell_len(f) <= width), forms[-1]), style="dim")
        t.append("\n")
        t.append(safe_text(p.caption, keep="\n\t"))  # line breaks and tabs drawn as before
        for f in p.failures:
            t.append(f"\n✗ {f}", style="bold red")
        return t

    def _state_forms(self) -> tuple[str, str]:
        """Where the scene is, with its keys and without them."""
        if self.exploring:
            return "exploring: → continues the scene", "exploring"
        if self.player.at_end:
            return "end: explore freely, ← goes back, q quits", "end"
        if self.scene_playing:
            return f"▶ playing ×{self.speed:g} (space pauses, +/- speed)", f"▶ playing ×{self.speed:g}"
        return "❚❚ paused (space plays, → next step)", "❚❚ paused"

    def show_caption(self) -> None:
        self.fit_layout()  # (writes the caption where it changed, then fits the rows to it)

    def fit_layout(self) -> None:
        # the caption area grows to hold the whole caption, wrapped (never cut), at the width
        # there is now: on a resize too (a terminal shrunk to 80x24 kept the wider terminal's
        # rows and cut the caption; its status line is worded for the width, so it is
        # written again)
        if self.is_running and self.screen_stack:
            text = self.caption_text()
            rows = self.caption_rows(text, self.size.width)
            for screen in self.screen_stack:
                for w in screen.query(".scene-caption"):
                    if w.styles.height is None or w.styles.height.value != rows:
                        w.styles.height = rows
                    if w.said != text.plain:
                        w.said = text.plain
                        w.update(text, layout=False)
        super().fit_layout()

    def caption_rows(self, text: Text, width: int) -> int:
        return wrapped_lines(text, width - 3, self.console)  # (its left border and padding)

    def fixed_rows(self, width: int, height: int) -> int:
        return self.caption_rows(self.caption_text(width), width)

    def hide_explain(self, short: bool) -> bool:
        # On a short terminal the lesson's caption speaks; the app's own explanation gives
        # its rows to the panels, unless the caption points at it ("91% ..., under the
        # panels"): then it stays, and the panels scroll.
        return short and POINTS_AT_EXPLANATION not in self.player.caption

    def _sync_view(self) -> None:
        """After the player moved: the app's sim, the view open over the panels, every panel,
        the caption."""
        p = self.player
        self.sim = p.sim
        want = SCENE_VIEWS.get(p.view)
        showing = self.screen if isinstance(self.screen, VIEW_SCREENS) else None
        if showing is not None and (want is None or not isinstance(showing, want[0]) or showing.sim is not p.sim):
            self.pop_screen()
            showing = None
        if want is not None and showing is None:
            self.push_screen(want[0](p.sim))
        elif showing is not None:
            showing.query_one(want[1]).refresh()  # the text, model or epoch may have changed
        self.show_sim()
        self.show_caption()

    # ------------------------------------------------------------ moving

    def play_step(self) -> Step | None:
        """Apply the scene's next step (and show it); None at the end."""
        step = self.player.next()
        self.exploring = False
        self._sync_view()
        if step is not None and self.player.failures and not self.headless:
            self.notify("; ".join(self.player.failures), title="a check failed", severity="error", timeout=8)
        return step

    def _schedule(self) -> None:
        if self._advance is not None:
            self._advance.stop()
            self._advance = None
        if self.scene_playing and not self.player.at_end and not self.exploring:
            self._advance = self.set_timer(self.player.pause() / self.speed, self._auto_next)

    def _auto_next(self) -> None:
        self._advance = None
        if not self.is_running:  # the timer fired while the app shuts down: no screen to draw on
            return
        if self.scene_playing and not self.exploring:
            self.play_step()
            if self.player.at_end:
                self.scene_playing = False
                self.show_caption()
            self._schedule()

    def action_scene_next(self) -> None:
        if self.player.at_end and not self.exploring:
            self.notify("the scene is over: ← goes back, q quits", timeout=3)
            return
        if self.exploring:  # back into the lesson: the scene's own state, then its next step
            self.exploring = False
        self.play_step()
        self._schedule()

    def action_scene_previous(self) -> None:
        self.exploring = False
        self.player.previous()
        self._sync_view()
        self._schedule()

    def action_scene_pause(self) -> None:
        if self.player.at_end and not self.scene_playing:
            self.player.goto(0)  # play again from the start
            self.exploring = False
            self._sync_view()
        self.scene_playing = not self.scene_playing
        if self.scene_playing:
            self.exploring = False
        self.show_caption()
        self._schedule()

    def check_action(self, action: str, parameters) -> bool | None:
        if action.startswith("scene_"):  # on the main and compare screens, not under help or a prompt
            return not isinstance(self.screen, (HelpScreen, PromptScreen))
        return super().check_action(action, parameters)

    # ------------------------------------------------------------ the user takes over

    def action_speed(self, direction: int) -> None:
        super().action_speed(direction)
        self.show_caption()
        self._schedule()

    def run_command(self, command, *args) -> None:
        super().run_command(command, *args)
        if self.player.user_changed and not self.exploring:
            self.exploring = True
            self.scene_playing = False
            self._schedule()
        self.show_caption()


# ------------------------------------------------------------------ headless


def footer_is_current(app) -> bool:
    """Does the Footer list the actions the screen's bindings allow right now?

    Textual rebuilds the Footer a few message rounds after a screen is pushed or popped
    (refresh_bindings runs after a refresh, then the Footer recomposes after another), so
    a frame taken too early shows the keys of the screen that just closed."""
    footers = app.screen.query(Footer)
    if not footers:
        return True
    bindings = app.screen.active_bindings
    palette = bindings.get(app.COMMAND_PALETTE_BINDING)
    wanted = {b.action for (_, b, _, _) in bindings.values() if b.show}
    shown = {key.action for key in footers.first().query("FooterKey")}  # (the class is private)
    if palette is not None:
        shown.discard(palette.binding.action)
    return shown == wanted


async def settle(pilot, rounds: int = 500) -> None:
    """Wait until the screen shows the app's state, Footer included. One pilot.pause()
    is not enough: it waits for the messages queued when it starts, and on a busy machine
    the Footer's rebuild comes after that (a frame-equality test failed this way in CI)."""
    for _ in range(rounds):
        await pilot.pause()
        if footer_is_current(pilot.app):
            break
    else:
        raise RuntimeError(f"the Footer did not catch up with the bindings in {rounds} rounds")
    # Then until the picture stops changing: a panel that appears resizes its neighbours, and
    # their border hints ("u0–u19 of 32 units") follow a refresh later (a lesson frame
    # caught the stale hint once in CI).
    last = export_text(pilot.app)
    for _ in range(rounds):
        await pilot.pause()
        now = export_text(pilot.app)
        if now == last:
            return
        last = now
    raise RuntimeError(f"the screen kept changing for {rounds} rounds")


def export_text(app) -> str:
    """The screen as plain text, one line per row (what export_screenshot draws, unstyled)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    lines = console.export_text(styles=False).splitlines()
    return "\n".join(line.rstrip() for line in lines) + "\n"


def svg_to_png(svg: str) -> bytes:
    """PNG from a Textual SVG, in a monospace font that exists offline (cairosvg: the
    optional extra `png`)."""
    try:
        import cairosvg
    except ImportError:
        raise SceneError(
            "PNG frames need cairosvg: pip install 'rnnsim-tui[png]' (or use --format svg or txt)", "--format png"
        ) from None
    svg = svg.replace("Fira Code", "DejaVu Sans Mono")
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"))


async def _render(
    scene: Scene, on_frame: Callable[[Step, ScenePlayerApp], None], notices: list | None = None
) -> list[Failure]:
    app = ScenePlayerApp(scene, autoplay=False, headless=True)
    failures: list[Failure] = []
    async with app.run_test(size=scene.size) as pilot:
        await pilot.pause()
        while not app.player.at_end:
            # Only frames that are kept are drawn: the panels are a function of the
            # Simulation, so skipping the pictures in between changes nothing in them.
            step = app.player.next()
            failures += [Failure(step, m, scene.file) for m in app.player.failures]
            if step.snapshot is not None:
                app._sync_view()
                app.clear_notifications()
                await settle(pilot)
                on_frame(step, app)
        if notices is not None:
            notices[:] = app.player.notices
    return failures


def render_scene(
    scene: Scene, on_frame: Callable[[Step, ScenePlayerApp], None], notices: list | None = None
) -> list[Failure]:
    """Play the whole scene headless; call on_frame(step, app) at every snapshot step.
    Returns the expect failures (the scene plays on after one); `notices`, if given,
    receives what the Simulation said along the way: (step number, 0 = start; text)."""
    return asyncio.run(_render(scene, on_frame, notices))


def frames(scene: Scene, fmt: str = "svg", notices: list | None = None) -> tuple[dict[str, str | bytes], list[Failure]]:
    """Every snapshot of the scene as {name: SVG text | plain text | PNG bytes}, and the
    failures. `notices`, if given, receives what the Simulation said: (step number, text)."""
    out: dict[str, str | bytes] = {}

    def grab(step: Step, app: ScenePlayerApp) -> None:
        if fmt == "txt":
            out[step.snapshot] = export_text(app)
        else:
            # Valid XML whatever the scene or model file holds (the last guard; drawn text is safe)
            out[step.snapshot] = xml_safe(export_svg(app, safe_text(scene.title)))

    failures = render_scene(scene, grab, notices)
    if fmt == "png":
        out = {k: svg_to_png(v) for k, v in out.items()}
    return out, failures
