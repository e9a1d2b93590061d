"""A learner types their own sentence (`e`): capitals, an emoji, a name the vocabulary
lacks. Each word is shown as typed, and where the model reads <unk> instead, the screen
says so."""

from __future__ import annotations

from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp


def rows(app) -> list[str]:
    return app.screen_text().splitlines()


async def typed(pilot, text: str) -> None:
    await pilot.press("e")
    pilot.app.screen.query_one("Input").value = text  # pasted: no key press makes 🍕
    await pilot.press("enter")
    await pilot.pause()


def trained_app() -> RnnsimApp:
    return RnnsimApp(Simulation.from_settings("The cat sat on the mat.", Settings(source="trained")))


async def test_a_word_the_vocabulary_lacks_is_named_and_said_to_be_unk():
    app = trained_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await typed(pilot, "My dog Rex ate 🍕 today")
        assert app.sim.tokens == ["My", "dog", "Rex", "ate", "🍕", "today"]
        await pilot.press("right", "right", "right", "right")  # reads "ate": the text has 🍕 next
        text = " ".join(" ".join(rows(app)).split())
        assert "the text has “🍕” (as <unk>: not in the vocabulary)" in text, text
        await pilot.press("right")  # reads the emoji itself
        text = " ".join(" ".join(rows(app)).split())
        assert "Read “🍕” (as <unk>: not in the vocabulary)" in text, text


async def test_the_cell_panel_names_a_wide_word_whole():
    # An emoji takes two cells: the head line, padded by characters, came out one cell too
    # wide and was cut with "…" at its right end.
    app = trained_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await typed(pilot, "My dog ate 🍕 today")
        await pilot.press("right", "right", "right", "right")
        head = next(r for r in rows(app) if "→ 🍕 t=3" in r)
        assert "…" not in head, head


async def test_a_character_model_speaks_of_characters_and_shows_its_blanks():
    # The char model said "Next word after" and "Next-word guess", and showed the space it
    # reads or guesses as a blank: an empty box, a nameless guess, “ ”.
    from rnnsim import cli

    app = RnnsimApp(cli.app_simulation(["--model", "char", "I ❤ it"]))  # as `rnnsim --model char` builds it
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right")  # reads "I"; the text has a space next, its likeliest guess
        text = " ".join(" ".join(rows(app)).split())
        assert "Next character after “I”" in text, text
        assert "Next-character guess: “␠”" in text, text
        assert "word" not in text.split("Read “I”")[1], text
        guesses = [r for r in rows(app) if "%" in r and "✓" in r]
        assert guesses and "␠" in guesses[0], guesses  # the right guess, the space, by name
        chain = next(r for r in rows(app) if "│  I   │" in r or "┃  I   ┃" in r)
        assert "␠" in chain, chain


async def test_backpropagating_a_one_word_text_says_there_is_no_loss():
    # One token has no next word to score: b opened a table of zeros under "loss last = 0"
    # and asked to "step back (→) to carry it to earlier words".
    app = trained_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await typed(pilot, "Hi")
        await pilot.press("end", "b")
        await pilot.pause()
        assert app.sim.phase == "forward"
        notes = [n.message for n in app._notifications]
        assert any("one token has no next word to predict, so there is no loss" in n for n in notes), notes
        await typed(pilot, "Hi there")  # two tokens: a loss, and the view opens
        await pilot.press("b")
        assert app.sim.phase == "backward"


async def test_two_unknown_words_side_by_side_keep_their_marks_apart():
    # A short unknown word's cut mark ran into the next one's: "42 pizzas" read "<un<unk>".
    app = trained_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await typed(pilot, "Dr Smith ate 42 pizzas")
        lines = rows(app)
        at = next(i for i, r in enumerate(lines) if "42 pizzas" in r)
        tokens, marks = lines[at], lines[at + 1]
        x42, xp = tokens.index("42"), tokens.index("pizzas")
        assert marks[x42:xp] == "<u ", marks  # the mark under "42", then a blank
        assert marks[xp : xp + 5] == "<unk>", marks
