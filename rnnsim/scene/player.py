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

    The screen reads `sim`, `caption`, `failures`, `compare_open`; the user may change `sim`
    with any command between scene steps (`user_changed` says so), and the next scene
    step then starts from the scene's own state again."""

    def __init__(self, scene: Scene):
        self.scene = scene
        self.sim = scene.new_sim()
        self.done = 0
        self.failures: list[str] = []
        self.compare_open = False
        # what the Simulation said along the way (e.g. a random model standing in for a
        # trained one that is not shipped): (step number or 0 for the start, notice)
        self.notices: list[tuple[int, str]] = [(0, self.sim.notice)] if self.sim.notice else []
        self._version = self.sim.version

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
        self.sim, self.done, self.failures, self.compare_open = sim, 0, [], False
        for step in self.scene.steps[:k]:
            self._apply(step)
            self.done += 1
        self._version = self.sim.version

    def _apply(self, step: Step) -> None:
        before = self.sim.notice
        apply_step(self.scene, self.sim, step)
        if self.sim.notice and self.sim.notice != before:
            self.notices.append((step.number, self.sim.notice))
        if step.action == "compare":
            self.compare_open = bool(step.value)
        elif step.action is not None and ACTIONS[step.action].sim_change:
            self.compare_open = False
        self.failures = check_step(self.scene, self.sim, step)
