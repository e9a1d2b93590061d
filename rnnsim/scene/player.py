"""ScenePlayer: where a scene is (how many steps are applied to its Simulation), with
next, previous and goto. It holds the scene's logic only; the screen (rnnsim.ui.scene_app)
shows it and times it.
"""

from __future__ import annotations

from .actions import ACTIONS
from .captions import reading_time
from .steps import Scene, Step, apply_step, check_step


class ScenePlayer:
    """Where a scene is: `done` steps applied to `sim`. Stepping back replays the scene
    from its start (commands are not invertible; replaying a few steps takes milliseconds).

    The screen reads `sim`, `caption`, `failures`, `view` (the view open over the panels:
    "compare", "saturation", "learning" or None); the user may change `sim`
    with any command between scene steps (`user_changed` says so), and the next scene
    step then starts from the scene's own state again."""

    def __init__(self, scene: Scene):
        self.scene = scene
        self.sim = scene.new_sim()
        self.done = 0
        self.failures: list[str] = []
        self.view: str | None = None
        # what the Simulation said along the way (e.g. a random model standing in for a
        # trained one that is not shipped): (step number or 0 for the start, notice)
        self.notices: list[tuple[int, str]] = [(0, self.sim.notice)] if self.sim.notice else []
        self._version = self.sim.version

    @property
    def compare_open(self) -> bool:
        return self.view == "compare"

    @property
    def total(self) -> int:
        return len(self.scene.steps)

    @property
    def at_end(self) -> bool:
        return self.done >= self.total

    @property
    def current(self) -> Step | None:
        return self.scene.steps[self.done - 1] if self.done else None

    @property
    def caption(self) -> str:
        step = self.current
        if step is None:
            return self.scene.description or self.scene.title
        return step.caption

    @property
    def user_changed(self) -> bool:
        return self.sim.version != self._version

    def pause(self) -> float:
        step = self.current
        if step is None:
            return reading_time(self.caption) if self.scene.pause is None else self.scene.pause
        return self.scene.pause_of(step)

    def next(self) -> Step | None:
        """Apply the next step (after resyncing if the user changed things); None at the end."""
        if self.at_end:
            return None
        if self.user_changed:
            self.goto(self.done)
        step = self.scene.steps[self.done]
        self._apply(step)
        self.done += 1
        self._version = self.sim.version
        return step

    def previous(self) -> None:
        self.goto(max(0, self.done - 1))

    def goto(self, k: int) -> None:
        """The scene's state after its first k steps, on a fresh Simulation."""
        k = max(0, min(k, self.total))
        old = self.sim
        sim = self.scene.new_sim()
        # Views cache by version: keep counting up so nothing stale is ever reused.
        sim.version += old.version + 1
        sim.data_version += old.data_version + 1
        self.sim, self.done, self.failures, self.view = sim, 0, [], None
        for step in self.scene.steps[:k]:
            self._apply(step)
            self.done += 1
        self._version = self.sim.version

    def _apply(self, step: Step) -> None:
        before = self.sim.notice
        apply_step(self.scene, self.sim, step)
        if self.sim.notice and self.sim.notice != before:
            self.notices.append((step.number, self.sim.notice))
        act = ACTIONS[step.action] if step.action is not None else None
        if act is not None and act.run is None:  # a view action opens or closes its view
            if step.value:
                self.view = step.action
            elif self.view == step.action:
                self.view = None
        elif act is not None and act.sim_change and self.view not in act.keeps:
            self.view = None
        self.failures = check_step(self.scene, self.sim, step)
