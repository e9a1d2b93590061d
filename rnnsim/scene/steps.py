"""The parsed scene and running it: Step (one [[step]]: its action, caption, pause,
snapshot and expect checks, with their lines in the file) and Scene (the start and the
steps), apply_step (carry out a step's action), check_step (evaluate its checks), and
dry_run, which plays a whole scene on a Simulation without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import ModelError
from ..sim import Settings, SimError, Simulation
from .actions import ACTIONS, VIEWS
from .captions import reading_time
from .checks import CHECKS, Ctx
from .errors import SceneError, _Invalid, _show


@dataclass(frozen=True)
class Step:
    index: int  # 0-based
    line: int | None  # of its [[step]] header
    action: str | None
    value: Any
    caption: str = ""
    pause: float | None = None
    snapshot: str | None = None
    expect: tuple[tuple[str, Any, int | None, str], ...] = ()  # (check, value, at, direction)
    expect_line: int | None = None
    action_line: int | None = None

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def label(self) -> str:
        what = "" if self.action is None else f" ({self.action} = {_show(self.value, 24)})"
        return f"step {self.number}{what}"


@dataclass
class Scene:
    file: str
    title: str
    description: str
    size: tuple[int, int]
    text: str
    loss: str | int | None  # None: the model's default
    settings: Settings
    steps: list[Step]
    pause: float | None = None  # default pause per step (None: time to read the caption)
    line: int | None = None  # of [scene]
    loss_line: int | None = None

    # -------------------------------------------------------------- building

    def new_sim(self) -> Simulation:
        """A fresh Simulation at the scene's start (no step applied)."""
        try:
            sim = Simulation.from_settings(self.text, self.settings)
        except (ModelError, SimError, ValueError) as e:
            raise SceneError(str(e), self.file, self.line) from None
        if self.loss is not None and self.loss != sim.loss_mode:
            try:
                sim.set_loss_mode(self.loss)
            except (SimError, ValueError) as e:
                raise SceneError(f"loss: {e}", self.file, self.loss_line or self.line) from None
        return sim

    def pause_of(self, step: Step) -> float:
        if step.pause is not None:
            return step.pause
        if self.pause is not None:
            return self.pause
        return reading_time(step.caption)

    def error(self, step: Step, message: str, line: int | None = None) -> SceneError:
        return SceneError(f"{step.label}: {message}", self.file, line or step.line)


def apply_step(scene: Scene, sim: Simulation, step: Step) -> None:
    """Carry out the step's action on the Simulation (view actions are the player's)."""
    if step.action is None:
        return
    act = ACTIONS[step.action]
    if act.run is None:
        if step.value:  # a view opens: what it shows must exist
            try:
                VIEWS[step.action](sim)
            except (ModelError, SimError, ValueError) as e:
                raise scene.error(step, str(e), step.action_line) from None
        return
    try:
        act.run(sim, step.value)
    except _Invalid as e:
        raise scene.error(step, f"{step.action}: {e}", step.action_line) from None
    except (SimError, ModelError, ValueError) as e:
        raise scene.error(step, str(e), step.action_line) from None


def check_step(scene: Scene, sim: Simulation, step: Step) -> list[str]:
    """Evaluate the step's expect checks on the live numbers: the failures, one line each.
    A check that cannot be evaluated in this state is a SceneError."""
    failures = []
    for name, value, at, direction in step.expect:
        ctx = Ctx(sim, at, direction)
        try:
            msg = CHECKS[name].run(ctx, value)
        except _Invalid as e:
            raise scene.error(step, f"expect {name}: {e}", step.expect_line) from None
        except (SimError, ModelError, ValueError) as e:
            raise scene.error(step, f"expect {name}: {e}", step.expect_line) from None
        if msg is not None:
            failures.append(f"expect {name} = {_show(list(value) if isinstance(value, tuple) else value)}: {msg}")
    return failures


@dataclass(frozen=True)
class Failure:
    step: Step
    message: str
    file: str

    def __str__(self) -> str:
        where = self.file + (f":{self.step.expect_line or self.step.line}" if self.step.line else "")
        return f"{where}: {self.step.label}: {self.message}"


def dry_run(scene: Scene) -> list[Failure]:
    """Play the scene without a screen: every action and check runs on a Simulation.
    Returns the expect failures; raises SceneError for a step that cannot run."""
    sim = scene.new_sim()
    failures = []
    for step in scene.steps:
        apply_step(scene, sim, step)
        failures += [Failure(step, m, scene.file) for m in check_step(scene, sim, step)]
    return failures
