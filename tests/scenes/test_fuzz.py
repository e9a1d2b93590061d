"""Generated scene files give a clean result or a clean SceneError, never anything else;
and a recorded session replays to the same state."""

from __future__ import annotations

import string
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnsim.scene import (
    ACTIONS,
    CHECK_MODIFIERS,
    CHECKS,
    SCENE_KEYS,
    STEP_KEYS,
    SceneError,
    apply_step,
    dry_run,
    history_steps,
    parse_scene,
    session_scene,
    toml_str,
    toml_value,
)
from rnnsim.sim import Settings, SimError, Simulation

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = ["The", "cat", "sat", "on", "the", "mat", ".", "dog", "rug", ","]
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=9).map(" ".join) | st.text(max_size=12)
scalars = (
    st.integers(-3, 12)
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | texts
    | st.sampled_from(["rnn", "lstm", "gru", "all", "last", "forward", "backward", "f", "i", "z", "r", "mat"])
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=6)
keys = st.text(string.ascii_lowercase + "_", min_size=1, max_size=10)


def toml_key(k: str) -> str:
    return k if k and all(c.isalnum() or c in "_-" for c in k) else toml_str(k)


def inline(d: dict) -> str:
    return "{ " + ", ".join(f"{toml_key(k)} = {render(v)}" for k, v in d.items()) + " }"


def render(v) -> str:
    if isinstance(v, dict):
        return inline(v)
    if isinstance(v, float) and v != v:
        return "nan"
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, list):
        return "[" + ", ".join(render(x) for x in v) + "]"
    return toml_value(v)


positions = st.integers(-8, 10)
small = st.floats(1e-9, 2.0)
VALID_ACTIONS = {
    "step": st.integers(1, 9), "back": st.integers(1, 4), "goto": st.integers(0, 9), "position": positions,
    "start": st.just(True), "end": st.just(True), "backward": st.just(True), "forward": st.just(True),
    "grad_step": st.integers(1, 6), "grad_back": st.integers(1, 3),
    "loss": st.sampled_from(["all", "last", 0, 3, 9]), "cycle_loss": st.just(True), "text": texts,
    "cell": st.sampled_from(["rnn", "lstm", "gru"]), "cycle_cell": st.just(True), "bidirectional": st.booleans(),
    "toggle_bidirectional": st.just(True), "hidden": st.integers(1, 6), "seed": st.integers(0, 4),
    "reseed": st.just(True), "forget_bias": st.floats(-4, 4), "compare": st.booleans(),
    "layer": st.integers(1, 4), "layers": st.integers(1, 3), "label": st.sampled_from(["pos", False, "x"]),
    "sample": st.integers(1, 3), "temperature": st.floats(0, 5), "free_run": st.booleans(),
    "contrast": texts, "saturation": st.booleans(), "epoch": st.integers(-1, 45), "learning": st.booleans(),
    "pin": st.sampled_from(["f=1", "z=0.5", "g=-1", "n=2", "q=1", "f"]), "unpin": st.sampled_from([True, "f", "z"]),
    "knockout": st.lists(st.integers(0, 8), max_size=3), "scale_recurrent": st.floats(0, 4),
    "clip": st.sampled_from([0.5, 1.0, False, 0]), "clear_surgery": st.just(True),
    "watch_unit": st.sampled_from([0, 3, 99, False]), "trained": st.just(True),
    "model": st.sampled_from(["gone.safetensors", "/no/such/m.safetensors", ""]),
}  # fmt: skip
gates = st.sampled_from(["i", "f", "g", "o", "r", "z", "n", "x"])
cells = st.sampled_from(["rnn", "lstm", "gru"])
words = st.sampled_from(["mat", "the", ".", "cat", "zebra"])
VALID_CHECKS = {
    "top": words, "in_top": st.tuples(words, st.integers(1, 5)), "prob_above": st.tuples(words, st.floats(0, 1)),
    "prob_below": st.tuples(words, st.floats(0, 1)), "h_norm_above": small, "h_norm_below": small,
    "gate_mean_above": st.tuples(gates, st.floats(0, 1)), "gate_mean_below": st.tuples(gates, st.floats(0, 1)),
    "gate_held_above": st.tuples(gates, positions, positions, st.floats(0, 1)),
    "grad_above": st.tuples(positions, small), "grad_below": st.tuples(positions, small),
    "compare_ratio_above": st.tuples(cells, small), "compare_factor_below": st.tuples(cells, small),
    "loss_above": small, "loss_below": small, "cursor": st.integers(0, 9),
    "phase": st.sampled_from(["forward", "backward"]), "grad_at": st.integers(0, 9), "cell": cells,
    "bidirectional": st.booleans(), "both_read": st.integers(0, 9), "hidden": st.integers(1, 20),
    "cell_params": st.integers(1, 5000), "forget_bias": st.floats(-3, 3), "explain_contains": st.text(max_size=5),
    "text_is": st.text(max_size=5), "temperature": st.floats(0, 5), "next_entropy_above": st.floats(0.01, 5),
    "next_entropy_below": st.floats(0.01, 5),
    "pick_prob_above": st.tuples(words, st.floats(0, 1)), "pick_prob_below": st.tuples(words, st.floats(0, 1)),
    "teacher_row": st.text(max_size=5), "free_row": st.text(max_size=5),
    "class_prob_above": st.tuples(st.sampled_from(["negative", "positive", "pos", "x"]), st.floats(0, 1)).map(list),
    "class_prob_below": st.tuples(st.sampled_from(["negative", "positive", "neg"]), st.floats(0, 1)).map(list),
    "prefix_prob_above": st.tuples(st.integers(-1, 3), st.just("positive"), st.floats(0, 1)).map(list),
    "prefix_prob_below": st.tuples(st.integers(-1, 3), st.just("positive"), st.floats(0, 1)).map(list),
    "at": positions, "direction": st.sampled_from(["forward", "reverse"]),
    "layer": st.integers(1, 4), "layers": st.integers(1, 3), "top_label": st.sampled_from(["pos", "neg"]),
}  # fmt: skip
measures = st.sampled_from(["factor", "cell_factor", "carried", "inflow", "kept", "nope"])
for name in CHECKS:
    if name.endswith(("ratio_above", "ratio_below", "factor_above", "factor_below")) and name not in VALID_CHECKS:
        VALID_CHECKS[name] = st.tuples(positions, positions, small)
    elif name.startswith("per_step_"):
        VALID_CHECKS[name] = st.tuples(measures, positions, positions, small)
    elif name.startswith("compare_step_"):
        VALID_CHECKS[name] = st.tuples(cells, small)
    elif name.startswith("long_range_accuracy_"):
        VALID_CHECKS[name] = st.tuples(cells, st.integers(1, 40), st.integers(1, 40), st.floats(0, 1))
    elif name.startswith("saturation_"):
        sat = st.sampled_from(["saturated", "slope", "stretch", "stretched", "gap", "gap_factor", "cell_gap", "nope"])
        extra = (positions,) if "_min_" in name or "_max_" in name else ()
        VALID_CHECKS[name] = st.tuples(sat, positions, *extra, small)
    elif name.startswith("history_") and name != "history_best_epoch":
        figure = st.sampled_from(["train_loss", "heldout_loss", "long_range_accuracy", "cue_gradient", "x"])
        VALID_CHECKS[name] = st.tuples(st.sampled_from(["lstm", "rnn", "gru"]), figure, small)
VALID_CHECKS["compare_weights"] = st.sampled_from(["trained", "random", "mixed"])
VALID_CHECKS["recurrent_stretched"] = st.integers(0, 40)
VALID_CHECKS["recurrent_stretch_above"] = VALID_CHECKS["recurrent_stretch_below"] = st.floats(0.1, 6)
VALID_CHECKS["history_best_epoch"] = st.tuples(st.sampled_from(["lstm", "rnn"]), st.integers(0, 45))
VALID_CHECKS["epoch"] = st.integers(0, 45)
VALID_CHECKS["surgery"] = st.sampled_from(["none", "pin f=1", "clip 1"])
VALID_CHECKS["unit_value_above"] = VALID_CHECKS["unit_value_below"] = st.tuples(st.integers(0, 9), st.floats(-1, 1))
VALID_CHECKS["unit_cell_min_above"] = VALID_CHECKS["unit_cell_max_below"] = st.tuples(
    st.integers(0, 9), positions, positions, st.floats(-1, 1)
)
for name in ("grad_norm", "clip_scale", "clipped_grad_norm"):
    VALID_CHECKS[f"{name}_above"] = VALID_CHECKS[f"{name}_below"] = small
VALID_CHECKS["accuracy_now_above"] = VALID_CHECKS["accuracy_now_below"] = st.floats(0, 1)
VALID_SCENE = {
    "title": st.text(max_size=20), "description": st.text(max_size=30), "size": st.tuples(
        st.integers(50, 130), st.integers(15, 45)), "pause": st.floats(0, 5), "text": texts,
    "loss": st.sampled_from(["all", "last", 1, 40]), "cell": cells, "bidirectional": st.booleans(),
    "hidden": st.integers(1, 6), "embed": st.integers(1, 4), "seed": st.integers(0, 3), "layers": st.integers(1, 3),
    "forget_bias": st.floats(-3, 3), "model": st.sampled_from(["lstm", "gru", "bilstm", "nope.safetensors"]),
    "init_forget_bias": st.floats(-3, 3),
}  # fmt: skip
usually = st.sampled_from([True] * 5 + [False])


def entries(valid: dict, draw, n_max: int) -> dict:
    """Mostly known keys with sensible values; now and then a wrong key or a wrong value."""
    out = {}
    for _ in range(draw(st.integers(0, n_max))):
        if draw(usually):
            k = draw(st.sampled_from(sorted(valid)))
            v = draw(valid[k]) if draw(usually) else draw(values)
        else:
            k, v = draw(keys), draw(values)
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


@st.composite
def scene_sources(draw) -> str:
    head = entries(VALID_SCENE, draw, 5)
    if draw(usually) and "model" in head:
        head.pop("model")  # mostly random models: shipped ones are slower to load
    lines = []
    if draw(usually):
        lines.append("[scene]")
        lines += [f"{toml_key(k)} = {render(v)}" for k, v in head.items()]
    for _ in range(draw(st.integers(0 if not draw(usually) else 1, 5))):
        step = entries(
            {k: VALID_ACTIONS[k] for k in [draw(st.sampled_from(sorted(VALID_ACTIONS)))]}
            | {
                "caption": st.text(max_size=30),
                "pause": st.floats(0, 3),
                "snapshot": st.sampled_from(["a", "b", "c d"]),
            },
            draw,
            3,
        )
        if draw(st.booleans()):
            groups = [entries(VALID_CHECKS, draw, 3) for _ in range(draw(st.integers(1, 2)))]
            step["expect"] = groups[0] if len(groups) == 1 and draw(st.booleans()) else groups
        lines += ["", "[[step]]"] + [f"{toml_key(k)} = {render(v)}" for k, v in step.items()]
    if not draw(usually):
        lines.append(f"[{draw(keys)}]")
    return "\n".join(lines) + "\n"


def clean(source: str) -> None:
    """Parse and dry-run: either fine, or one SceneError line."""
    try:
        scene = parse_scene(source, file="gen.toml")
    except SceneError as e:
        assert "\n" not in str(e) and str(e).startswith("gen.toml")
        return
    for f in dry_run(scene):
        assert "\n" not in str(f)


@FUZZ
@given(scene_sources())
def test_generated_scenes_parse_cleanly_or_fail_cleanly(source):
    clean(source)


VALID = """[scene]
title = "t"
cell = "gru"
text = "The cat sat on the mat."
loss = "last"

[[step]]
step = 3
caption = "three"
expect = { top = "mat", at = 4 }

[[step]]
backward = true
expect = [{ grad_ratio_below = [0, 5, 1] }, { step_factor_above = [0, 5, 0.01] }]

[[step]]
compare = true
"""


@FUZZ
@given(st.data())
def test_mangled_text_of_a_valid_scene_fails_cleanly(data):
    """Delete, insert or replace characters anywhere (TOML syntax, keys, values, lines)."""
    src = VALID
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(src)))
        j = data.draw(st.integers(i, min(len(src), i + 6)))
        src = src[:i] + data.draw(st.text(max_size=4)) + src[j:]
    clean(src)


# ------------------------------------------------------------------ recording round trip

COMMANDS = st.sampled_from([
    ("step", st.integers(1, 4)), ("back", st.integers(1, 3)), ("goto", st.integers(0, 8)),
    ("goto_position", st.integers(0, 6)), ("to_start", None), ("to_end", None), ("backward", None),
    ("leave_backward", None), ("grad_step", st.integers(1, 3)), ("grad_back", st.integers(1, 3)),
    ("set_loss_mode", st.sampled_from(["all", "last", 2])), ("cycle_loss_mode", None),
    ("set_text", st.sampled_from(["The dog sat on the rug.", "The cat sat.", "a b c d e f g h"])),
    ("set_cell", st.sampled_from(["rnn", "lstm", "gru"])), ("cycle_cell", None),
    ("set_bidirectional", st.booleans()), ("toggle_bidirectional", None), ("set_hidden", st.integers(2, 6)),
    ("reseed", st.integers(0, 5)), ("set_forget_bias", st.floats(-3, 3)),
    ("set_contrast", st.sampled_from(["The dog sat on the rug.", "", "a b"])), ("set_epoch", st.integers(0, 41)),
])  # fmt: skip


def state(sim: Simulation):
    return (
        sim.text,
        sim.cursor,
        sim.phase,
        sim.grad_cursor if sim.phase == "backward" else None,
        sim.loss_mode,
        sim.model.cell,
        sim.model.bidirectional,
        sim.model.hidden,
        sim.settings.seed,
        sim.contrast,
        sim.epoch,
        sim.model.forget_bias(),
    )


@FUZZ
@given(st.data())
def test_a_recorded_session_replays_to_the_same_state(data):
    start = Settings(
        source="random",
        cell=data.draw(st.sampled_from(["rnn", "lstm", "gru"])),
        hidden=4,
        embed=3,
        seed=data.draw(st.integers(0, 3)),
        init_forget_bias=data.draw(st.sampled_from([1.0, 0.0, 2.5])),
    )
    sim = Simulation.from_settings("The cat sat on the mat.", start)
    for _ in range(data.draw(st.integers(0, 8))):
        name, arg = data.draw(COMMANDS)
        args = () if arg is None else (data.draw(arg),)
        try:
            getattr(sim, name)(*args)
        except SimError:
            pass
    text = session_scene(sim, size=(100, 30))
    scene = parse_scene(text, file="rec.toml")
    expected = history_steps(sim.history, "The cat sat on the mat.") or [("goto", 0)]
    assert [(s.action, s.value) for s in scene.steps] == expected
    replay = scene.new_sim()
    for step in scene.steps:
        apply_step(scene, replay, step)
    a, b = state(replay), state(sim)
    assert a[:-1] == b[:-1]
    assert (a[-1] is None) == (b[-1] is None) and (a[-1] is None or abs(a[-1] - b[-1]) < 1e-9)


@given(st.text().filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)))
def test_any_string_round_trips_through_toml(s):
    assert tomllib.loads(f"x = {toml_str(s)}")["x"] == s


def test_the_generators_know_every_key_action_and_check():
    assert set(VALID_ACTIONS) == set(ACTIONS)
    assert set(VALID_CHECKS) == set(CHECKS) | set(CHECK_MODIFIERS)
    assert set(VALID_SCENE) == set(SCENE_KEYS)
    assert set(STEP_KEYS) <= {"caption", "pause", "snapshot"}
