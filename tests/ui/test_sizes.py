"""Every terminal size from 80x24 up shows the whole lesson: what a panel cannot show is
named on its border (and scrolls), captions wrap whole, the Footer keeps ? and q.

Snapshots of the default screen, the gradient view, a lesson and help at four sizes, one
test per feature. After an intended change: look at the pictures, then
`pytest tests/ui/test_sizes.py --snapshot-update`.
"""

import re

import pytest

from rnnsim.explain import explain
from rnnsim.scene import load_scene
from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp
from rnnsim.ui.scene_app import ScenePlayerApp, settle
from rnnsim.ui.widgets.cell import CellPanel
from rnnsim.ui.widgets.gradient import GradientPanel
from rnnsim.ui.widgets.heatmap import Heatmap

TEXT = "The cat sat on the mat."
SIZES = [(80, 24), (100, 30), (120, 36), (160, 50)]
IDS = [f"{w}x{h}" for w, h in SIZES]


def trained_app() -> RnnsimApp:
    """The default screen: `rnnsim` with no arguments (the trained LSTM)."""
    return RnnsimApp(Simulation.from_settings(TEXT, Settings()))


def lesson_app() -> ScenePlayerApp:
    return ScenePlayerApp(load_scene("lstm"), autoplay=False)


def words(text: str) -> str:
    """Text with its line breaks and the screen's box drawing taken out, for 'is it all there'."""
    return " ".join(re.sub(r"[│▌]", " ", text).split())


# ------------------------------------------------------------------ pictures


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_default_screen(snap_compare, size):
    assert snap_compare(trained_app(), press=["right"] * 3, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_gradient_view(snap_compare, size):
    assert snap_compare(trained_app(), press=["b", "right"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_lesson(snap_compare, size):
    assert snap_compare(lesson_app(), press=["right"] * 4, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_help(snap_compare, size):
    assert snap_compare(trained_app(), press=["f1"], terminal_size=size)


# ------------------------------------------------------------------ nothing cut silently


def footer_line(app) -> str:
    return app.screen_text().splitlines()[-1]


@pytest.mark.parametrize("make", [trained_app, lesson_app], ids=["app", "lesson"])
@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_footer_keeps_help_and_quit(make, size):
    app = make()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)  # (the Footer composes its keys a few message rounds after start)
        line = footer_line(app)
        assert "? Help" in line and "q Quit" in line, line


@pytest.mark.parametrize(
    "keys",
    [["right"] * 3, ["b", "right"], ["c", "right"], ["right", "o"], ["right", "o", "b"]],
    ids=["lstm", "gradient", "gru", "free-run", "free-run-gradient"],  # free running: 5 rows more
)
@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_explanation_is_shown_whole(size, keys):
    app = trained_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        assert words(explain(app.sim)) in words(app.screen_text())


async def test_an_explanation_too_long_for_the_terminal_says_what_is_cut():
    """Free running and a surgery bar open at 80x24: even the squeezed panels leave it two
    of its three lines, and the second says how much is left out instead of stopping
    mid-sentence."""
    app = trained_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "o", "p")
        await pilot.pause()
        whole = words(explain(app.sim))
        lines = app.screen_text().splitlines()
        first = next(i for i, r in enumerate(lines) if r.strip().startswith("Read “The”"))
        assert lines[first + 1].rstrip().endswith("… (1 more line in a taller terminal)"), lines[first + 1]
        assert whole not in words(app.screen_text())
        await pilot.resize_terminal(80, 26)  # taller: whole again, the note gone
        await pilot.pause()
        assert whole in words(app.screen_text()) and "taller terminal" not in app.screen_text()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_lessons_caption_is_shown_whole(size):
    app = lesson_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["right"] * 4)
        await pilot.pause()
        caption = app.player.caption
        assert len(caption) > 100  # a caption long enough to wrap at 80 columns
        assert words(caption) in words(app.screen_text())


def box_subtitle(widget) -> str:
    return str(widget.parent.border_subtitle or "")


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_cell_panel_too_short_says_so_and_scrolls_to_the_end(size):
    app = trained_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        panel = app.query_one(CellPanel)
        hidden = panel.wanted_height - panel.size.height
        if hidden > 0:
            assert f"↓ {hidden} more line" in box_subtitle(panel)
            assert "forget-gate bias" not in app.screen_text()
            panel.scroll_end(animate=False)
            await pilot.pause()
            assert "above" in box_subtitle(panel)
        else:
            assert box_subtitle(panel) == ""
        assert "forget-gate bias" in app.screen_text()  # the panel's last line, in view now


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_cut_heatmap_names_the_units_it_shows(size):
    app = trained_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("right")
        await pilot.pause()
        heatmap = app.query_one(Heatmap)
        text = app.screen_text()
        rows = sorted(int(u) for u in re.findall(r"│ u(\d+) ", text))
        H = app.sim.model.hidden
        if len(rows) * 2 < H:
            assert f"u{rows[0]}–u{rows[-1] + 1} of {H} units" in box_subtitle(heatmap)
        else:
            assert box_subtitle(heatmap) == ""


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_gradient_table_names_the_positions_and_columns_it_leaves_out(size):
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="lstm", bidirectional=True)))
    async with app.run_test(size=size) as pilot:
        await pilot.press("b", "right")
        await pilot.pause()
        panel = app.query_one(GradientPanel)
        text = app.screen_text()
        shown = sorted({int(t) for t in re.findall(r"│\s+(\d+) \S+ +[█-▏·\d]", text)})
        if len(shown) < app.sim.T:  # every run of positions shown, named ("t=1, 4–5 of 7")
            runs = [[t, t] for i, t in enumerate(shown) if i == 0 or t != shown[i - 1] + 1]
            for run in runs:
                run[1] = max(t for t in shown if t >= run[0] and all(u in shown for u in range(run[0], t + 1)))
            said = ", ".join(f"{a}–{b}" if b > a else f"{a}" for a, b in runs)
            assert f"t={said} of {app.sim.T} positions" in box_subtitle(panel)
        assert app.sim.grad_cursor in shown
        for label in ("|∂L/∂h→|", "|∂L/∂c→|", "|∂L/∂h←|", "|∂L/∂c←|"):
            assert text.count(label) == 1, label  # as a column's heading, or named as left out


async def test_a_cut_bidirectional_heatmap_names_what_each_direction_shows():
    sim = Simulation.from_settings(TEXT, Settings(source="random", cell="lstm", bidirectional=True))
    app = RnnsimApp(sim)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right")
        await pilot.pause()
        hint = box_subtitle(app.query_one(Heatmap))
        lines = app.screen_text().splitlines()
        at = next(i for i, line in enumerate(lines) if "← reverse, read right to left" in line)
        reverse_rows = [int(u) for line in lines[at + 1 :] for u in re.findall(r"│ u(\d+) ", line)[:1]]
        H = sim.model.hidden
        assert f"→ u0–u{H - 1}, " in hint, hint  # the forward rows come first and fit
        if reverse_rows:
            assert f"← u0–u{reverse_rows[-1] + 1} of {H} units ↓" in hint, hint
        else:
            assert f"← none of {H} units ↓" in hint, hint


async def test_the_gradient_bars_keep_one_scale_while_stepping_back():
    """The log scale is fixed when b runs (from the whole trace's peak and range): a row's bar
    and the scale line do not change as later steps reveal smaller gradients."""
    app = RnnsimApp(Simulation.from_settings(TEXT, Settings(source="random", cell="rnn")))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("b")
        await pilot.pause()

        def scale_and_row(t: int) -> tuple[str, str]:
            lines = app.screen_text().splitlines()
            scale = next(line for line in lines if "log scale, 1e-" in line)
            row = next(line for line in lines if re.search(rf"│\s+{t} \S+ +[█-▏]", line))
            return re.search(r"log scale, 1e-\d+\.\.1", scale).group(), row.split("│")[-2]

        loss_at = app.sim.grad_cursor  # the row of the loss's own position, drawn from the start
        first = scale_and_row(loss_at)
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert scale_and_row(loss_at) == first
