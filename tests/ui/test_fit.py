"""Nothing is cut without a sign at 80x24, 100x30 and 120x36: the Footer shows whole
entries only, panel titles fit their borders, and the state line's count of the values
it leaves out cannot be read as a value."""

import re

import pytest

from rnnsim.explain import explain
from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.scene_app import ScenePlayerApp, settle
from rnnsim.ui.widgets.cell import EQUATIONS, CellPanel
from rnnsim.ui.widgets.generation import KEYS_FORMS

from .test_layers import classifier_app, stacked_app
from .test_sizes import lesson_app, trained_app, words

SIZES = [(80, 24), (100, 30), (120, 36)]
IDS = [f"{w}x{h}" for w, h in SIZES]
TEXT = "The cat sat on the mat."


def footer_entries(app) -> list[str]:
    """The Footer's row read as whole "key label" entries of the screen's bindings; fails
    on anything else (a cut entry, a stray letter)."""
    line = app.screen_text().splitlines()[-1]
    keys, _, palette = line.partition("▏")
    assert palette.strip() == "^p palette", line
    entries = [
        f"{app.get_key_display(b)} {b.description}" for (_, b, _, _) in app.screen.active_bindings.values() if b.show
    ]
    found, rest = [], keys.strip()
    while rest:
        match = [e for e in entries if rest == e or rest.startswith(e + " ")]
        assert match, f"a cut entry at {rest!r} in {line!r}"
        found.append(max(match, key=len))
        rest = rest[len(found[-1]) :].lstrip()
    return found


@pytest.mark.parametrize("make", [trained_app, lesson_app, classifier_app], ids=["app", "lesson", "stacked-classifier"])
@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_footer_shows_only_whole_entries_help_and_quit_among_them(make, size):
    app = make()
    async with app.run_test(size=size) as pilot:
        for keys in ([], ["b", "right"]):  # the forward view, then the gradient view
            await pilot.press(*keys)
            await settle(pilot)
            found = footer_entries(app)
            assert "? Help" in found and "q Quit" in found, found
            assert len(found) >= 4, found  # not only the two that always stay


async def test_a_wider_footer_shows_the_keys_a_narrow_one_left_out():
    app = trained_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        narrow = footer_entries(app)
        await pilot.resize_terminal(120, 36)
        await settle(pilot)
        wide = footer_entries(app)
        assert set(narrow) < set(wide), (narrow, wide)
        assert "m Compare" in wide


async def test_the_lessons_compact_footer_leaves_no_stray_letter_after_the_palette_key():
    app = ScenePlayerApp(lesson_app().scene, autoplay=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen_text().splitlines()[-1].rstrip().endswith("^p palette")


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_state_line_says_in_words_how_many_values_it_leaves_out(size, bidirectional):
    sim = Simulation.from_settings(TEXT, Settings(bidirectional=bidirectional))
    app = RnnsimApp(sim)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "right")
        await settle(pilot)
        lines = [line for line in app.screen_text().splitlines() if re.search(r"│ h←?\[\d+\] ", line)]
        assert len(lines) == len(sim.model.directions)
        for line, d in zip(lines, sim.model.directions, strict=True):
            _, t, rest = re.search(r"│ (h←?)\[(\d+)\] (.*?)\s*│", line).groups()
            values = sim.layer_directions()[d].h[int(t)]
            shown = re.findall(r"[+-]\d\.\d\d", rest)
            assert shown == [f"{v:+.2f}" for v in values[: len(shown)]], line
            assert not re.search(r"(^|\s)\+\d+(\s|$)", rest), line  # a count read as a value
            if len(shown) < len(values):
                assert rest.endswith(f"… {len(values) - len(shown)} more"), line


@pytest.mark.parametrize(
    "make, keys",
    [(lesson_app, ["right"] * 4), (classifier_app, ["end"]), (stacked_app, ["right"] * 3 + ["left_square_bracket"])],
    ids=["lesson", "stacked-classifier", "stacked"],
)
@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_every_panel_title_and_the_predictions_heading_are_shown_whole(make, keys, size):
    app = make()
    async with app.run_test(size=size) as pilot:
        for more in ([], ["b"]):  # the forward view, then the gradient view
            await pilot.press(*keys, *more)
            await settle(pilot)
            text = app.screen_text()
            for box in app.screen.query(".panel, #chain-box"):
                title = str(box.border_title)
                if box.display and box.outer_size.width:
                    assert f"─ {title} ─" in text, (title, box.outer_size.width)
            heading = [line for line in text.splitlines() if re.search(r"(after|After) “", line)]
            for line in heading:
                assert re.search(r"“[^”]+” \(t=\d+\)", line), line


async def test_panel_titles_and_the_top_bar_take_their_short_form_when_the_terminal_shrinks():
    app = stacked_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right")
        await settle(pilot)
        assert "─ hidden state · layer 3 of 3 (top), blue<0<red" in app.screen_text()
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert "─ h · layer 3/3, blue<0<red ±" in app.screen_text()
        assert app.screen_text().splitlines()[0].rstrip().endswith("(random, seed 0)")  # the top bar's short form


def bidirectional_app() -> RnnsimApp:
    return RnnsimApp(Simulation.from_settings(TEXT, Settings(bidirectional=True)))


@pytest.mark.parametrize(
    "make, keys",
    [(classifier_app, ["end", "b", "right"]), (bidirectional_app, ["b", "right"])],
    ids=["stacked-classifier", "bidirectional"],
)
@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_long_explanation_is_shown_whole(size, make, keys):
    """The stacked classifier's gradient view explains itself in five lines at 80 columns
    (the explanation's area stopped at four, cutting "z hands back 60% of" mid-sentence);
    the bidirectional gradient view's third line went under the footer at 80x24."""
    app = make()
    async with app.run_test(size=size) as pilot:
        await pilot.press(*keys)
        await settle(pilot)
        assert words(str(explain(app.sim))) in words(app.screen_text())


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_blanks_heading_shows_whole_words_around_the_blank(size):
    sim = Simulation.from_settings(TEXT, Settings(bidirectional=True))
    app = RnnsimApp(sim)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "right", "right")
        await settle(pilot)
        line = next(line for line in app.screen_text().splitlines() if "Blank at t=" in line)
        heading = re.search(r"Blank at t=(\d+): (.*?)\s*│", line)
        assert heading, line
        t, context = int(heading.group(1)), heading.group(2)
        assert "…" not in context and "___" in context, line
        left, right = (side.split() for side in context.split("___"))
        assert left == sim.tokens[t - len(left) : t] and right == sim.tokens[t + 1 : t + 1 + len(right)], line


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_generation_rows_and_keys_are_shown_whole(size):
    app = trained_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "o")
        await settle(pilot)
        lines = [line.strip() for line in app.screen_text().splitlines()]
        keys = next(line for line in lines if line.startswith("generate T="))
        assert keys.endswith(KEYS_FORMS) and "…" not in keys, keys
        teacher = next(line for line in lines if line.startswith("teacher "))
        free = next(line for line in lines if line.startswith("free run "))
        assert teacher.endswith(("reads the real words", "real words")), teacher
        assert free.endswith(("then its own guesses", "reads its own guesses", "own guesses")), free


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_bidirectional_heatmaps_hint_is_shown_whole(size):
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings(bidirectional=True)))
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right")
        await settle(pilot)
        hint = str(app.query_one("#heat-box").border_subtitle)
        assert hint.startswith("→ "), hint
        assert f"─ {hint} ─" in app.screen_text(), hint


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_cell_panel_cuts_no_line(size, bidirectional, cell):
    """The lines the cell panel scrolls through show both directions' heads and every equation
    whole (the reverse column and the equations' ends were cut with … at 80 columns)."""
    sim = Simulation.from_settings(TEXT, Settings(cell=cell, bidirectional=bidirectional))
    app = RnnsimApp(sim)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right", "right")
        await settle(pilot)
        panel = app.query_one(CellPanel)
        seen = [strip.text for strip in panel._strips]  # every line it scrolls through, as drawn
        assert panel.wanted_height <= panel.size.height or "more line" in str(panel.parent.border_subtitle)
        text = " ".join(seen)
        assert "…" not in text, text
        for d, arrow in (("forward", "→"), ("reverse", "←"))[: len(sim.model.directions)]:
            assert f"{arrow} sat t=2" in text or f"{arrow} on t=3" in text or arrow + " " in text, (d, text)
        for equation in EQUATIONS[cell]:
            assert equation.split()[-1] in text and words(equation) in words(text), equation
