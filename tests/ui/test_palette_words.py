"""The command palette finds a command by the word a teacher would type for it."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import OptionList

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp

from ..waiting import until


async def test_typing_speed_finds_both_play_speed_commands():
    app = RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings(source="random")))
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.speed
        await pilot.press("ctrl+p", *"speed")
        assert isinstance(app.screen, CommandPalette)

        def found() -> list[str]:
            options = app.screen.query_one(OptionList).options
            return [str(o.prompt).splitlines()[0] for o in options]

        await until(pilot, lambda: len(found()) == 2, "two commands found for “speed”")
        assert [f.split("(")[-1] for f in sorted(found())] == ["+, =)", "-)"], found()
        await pilot.press("enter")  # the first found: its key's action runs
        await pilot.pause()
        assert app.speed != before
