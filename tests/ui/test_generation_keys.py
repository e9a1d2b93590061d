"""Pilot tests for the generation keys: g writes on, < and > set the temperature (shown),
o shows the teacher-forcing and free-running rows; a model that cannot write says why."""

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.widgets.generation import GenerationPanel

from ..waiting import until


def app_for(text="The cat", **kw) -> RnnsimApp:
    return RnnsimApp(Simulation.from_settings(text, Settings(source="trained", **kw)))


def rows(app) -> list[str]:
    return app.screen_text().splitlines()


async def test_generation_row_hidden_until_a_generation_key():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        assert not app.query_one(GenerationPanel).display
        assert "T=1" not in app.screen_text()
        await pilot.press("greater_than_sign")
        assert app.sim.temperature == 1.5
        assert app.query_one(GenerationPanel).display
        # the row appears after a layout refresh: on a busy machine one more frame later
        await until(pilot, lambda: any("generate T=1.5" in r for r in rows(app)), "the generation row")


async def test_bracket_keys_walk_the_temperature_and_show_it():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(4):
            await pilot.press("less_than_sign")
        assert app.sim.temperature == 0.0
        await until(pilot, lambda: any("generate T=0 (the likeliest)" in r for r in rows(app)), "the generation row")
        await pilot.press("less_than_sign")  # already the lowest
        assert app.sim.temperature == 0.0
        await pilot.press("greater_than_sign")
        assert app.sim.temperature == 0.25
        await until(pilot, lambda: any("T=0.25 (surer)" in r for r in rows(app)), "the new temperature shown")


async def test_g_writes_the_models_next_word():
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(4):
            await pilot.press("less_than_sign")
        await pilot.press("g", "g", "g", "g", "g")
        assert app.sim.text == "The cat sat on the mat."
        assert app.sim.cursor == app.sim.T
        await until(pilot, lambda: "The cat sat on the mat ." in app.screen_text(), "the written words on screen")


async def test_o_shows_both_rows_of_guesses():
    app = app_for("The cat sat on the mat.")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign", "less_than_sign")
        await pilot.press("right", "right", "o")
        assert app.sim.show_free_run
        # the rows need a layout pass (the panel grows by three lines): wait for that frame
        await until(pilot, lambda: any(r.strip().startswith("free run ") for r in rows(app)), "the free-run row")
        lines = rows(app)
        reads = next(r for r in lines if r.strip().startswith("reads "))
        teacher = next(r for r in lines if r.strip().startswith("teacher "))
        free = next(r for r in lines if r.strip().startswith("free run "))
        assert reads.split()[1:8] == ["The", "cat", "sat", "on", "the", "mat", "."]
        assert teacher.split()[1:6] == ["old", "sat", "on", "the", "mat"]  # the greedy guesses, real words read
        assert "reads “The cat”, then its own guesses" in free
        await pilot.press("o")
        assert not app.sim.show_free_run
        await until(pilot, lambda: not any(r.strip().startswith("teacher ") for r in rows(app)), "the rows to go")


async def test_a_bidirectional_model_refuses_in_one_notice():
    app = app_for("The cat sat", cell="lstm", bidirectional=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("g")
        await pilot.pause()
        assert app.sim.text == "The cat sat"
        notes = [n.message for n in app._notifications]
        assert any("bidirectional" in m and "cannot write on" in m for m in notes)


async def test_the_pick_row_names_the_token_it_follows_not_the_cursors():
    """g appends after the text's last token wherever the cursor is: the row says so (it
    read as if it were about the word under the cursor)."""
    from rnnsim.explain import percent

    app = app_for("The dog slept on the rug.")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign", "less_than_sign", "home")
        assert app.sim.cursor == 0
        await until(pilot, lambda: any("g takes the likeliest of:" in r for r in rows(app)), "the pick row")
        (row,) = [r for r in rows(app) if "g takes the likeliest of:" in r]
        word, p = app.sim.next_pick(1)[0]
        assert "after “.” (the end of the text)" in row and f"{word} {percent(p)}" in row
