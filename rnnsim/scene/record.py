"""Writing scenes: toml_str and toml_value write TOML values, history_steps turns a
session's sim.history into scene actions, session_scene writes the whole session as scene
text (`rnnsim record`, the `w` key), and save_session saves it atomically (write_atomic),
with the models the session trained written beside it. Model files are named relative
to the scene's folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..core import Model, tokenize
from ..core.modelfile import atomic_write_bytes, model_file_bytes
from ..core.naming import model_name
from ..core.surgery import parse_units
from ..sim import DEFAULTS, Simulation
from ..sim.build import ORIGIN_KEY
from .actions import MAX_N
from .errors import SceneError
from .value_checkers import SIZE_RANGE


def toml_str(s: str) -> str:
    """A TOML basic string (escaping what TOML forbids raw: quotes, backslash, controls, DEL)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\ufffd")  # a lone surrogate cannot be written as UTF-8
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        r = repr(float(v))
        return r if any(c in r for c in ".en") else r + ".0"
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


# history command name -> scene action (value from the args; None = `= true`)
_HISTORY = {
    "step": "step", "back": "back", "goto": "goto", "goto_position": "position",
    "to_start": "start", "to_end": "end", "backward": "backward", "leave_backward": "forward",
    "grad_step": "grad_step", "grad_back": "grad_back", "set_loss_mode": "loss",
    "cycle_loss_mode": "cycle_loss", "set_text": "text", "set_cell": "cell", "cycle_cell": "cycle_cell",
    "set_bidirectional": "bidirectional", "toggle_bidirectional": "toggle_bidirectional",
    "set_hidden": "hidden", "reseed": "reseed", "set_forget_bias": "forget_bias",
    "set_layer": "layer", "set_layers": "layers", "set_label": "label",
    "sample_next": "sample", "set_temperature": "temperature", "set_free_run": "free_run",
    "set_contrast": "contrast", "set_epoch": "epoch",
    "pin": "pin", "unpin": "unpin", "knockout": "knockout", "scale_recurrent": "scale_recurrent",
    "clip": "clip", "clear_surgery": "clear_surgery", "watch_unit": "watch_unit",
    "use_trained": "trained",
}  # fmt: skip
_MERGE = {"step", "back", "grad_step", "grad_back", "sample"}


def history_steps(
    history, text: str | None = None, models: dict | None = None, folder: Path | None = None
) -> list[tuple[str, Any]]:
    """sim.history as scene actions; runs of step/back merge (step = 3). With the text the
    session started from, positions are clamped to the text as the Simulation clamps them
    (a scene refuses a position past the end). A model swapped in (set_model) becomes
    `model = "file"`: `models` maps swapped_models' keys to the files written for them
    (without it the step names no file: enough to count steps, not to save them); a model
    file a replayed scene used is named relative to `folder`, the new scene's."""
    out: list[list] = []
    T = len(tokenize(text)) if text is not None else None
    for name, args in history:
        if name == "set_model":
            out.append(["model", (models or {}).get(_swap_key(args), "")])
            continue
        if name == "use_model_file":
            out.append(["model", model_reference(args[0], folder)])
            continue
        action = _HISTORY.get(name)
        if action is None:
            continue
        if name == "set_text" and args:
            T = len(tokenize(args[0]))
        if name == "goto_position" and args and T is not None:
            args = (max(0, min(int(args[0]), T - 1)),)
        if name == "goto" and args and T is not None:  # (a step count: 0..T)
            args = (max(0, min(int(args[0]), T)),)
        if name == "reseed" and args and args[0] is not None:
            action, value = "seed", int(args[0])
        elif name == "pin":
            value = f"{args[0]}={float(args[1])!r}"
        elif name == "knockout":
            value = list(parse_units(args[0]) if isinstance(args[0], str) else (int(u) for u in args[0]))
        elif name in ("unpin", "clip", "watch_unit") and args and args[0] is None:
            value = name == "unpin"  # unpin = true (every gate); clip = false, watch_unit = false
        elif args:
            value = args[0]
        elif action in _MERGE:
            value = 1
        else:
            value = True
        if isinstance(value, (np.integer,)):
            value = int(value)
        if isinstance(value, np.floating):
            value = float(value)
        if name == "set_bidirectional":
            value = bool(value)
        if name == "set_label" and value is None:
            value = False  # label = false: back to the predicted label
        if action in _MERGE and out and out[-1][0] == action and out[-1][1] + value <= MAX_N:
            out[-1][1] += value
        else:
            out.append([action, value])
    return [(a, v) for a, v in out]


def _swap_key(args) -> tuple[int, str]:
    """A set_model command's model and the origin it was shown with."""
    return id(args[0]), str(args[1])


def swapped_models(history) -> list[tuple[tuple[int, str], Model, str]]:
    """The models put in use during the session (set_model: trained on the training
    screen), once each, in order: (key, model, origin)."""
    out, seen = [], set()
    for name, args in history:
        if name == "set_model" and _swap_key(args) not in seen:
            seen.add(_swap_key(args))
            out.append((_swap_key(args), args[0], str(args[1])))
    return out


def model_reference(path, folder: Path | None) -> str:
    """How a scene in `folder` names a model file: relative to that folder (so the scene
    and its models can move together, and play from any working directory); absolute
    when there is no folder or no relative way (another drive)."""
    path = os.path.abspath(path)  # (links kept as the user named them)
    if folder is None:
        return path
    try:
        return Path(os.path.relpath(path, os.path.abspath(folder))).as_posix()
    except ValueError:
        return path


def session_scene(
    sim: Simulation,
    *,
    size: tuple[int, int] | None = None,
    title: str = "Recorded session",
    folder: Path | None = None,
    models: dict | None = None,
) -> str:
    """The session as scene text: its start (`sim.start`) and every command since.
    Model files are named relative to `folder` (the scene's); `models` names the files
    written for the models swapped in (save_session writes them)."""
    start = sim.start
    missing = [origin for key, _, origin in swapped_models(sim.history) if key not in (models or {})]
    if missing:
        raise SceneError(f"the session used a model it did not load from a file ({missing[0]}): "
                         "save it with save_session, which writes that model beside the scene")  # fmt: skip
    steps = history_steps(sim.history, start[0], models, folder)
    text, settings = start
    lines = [
        "# A session recorded by rnnsim. Play it with: rnnsim play THIS_FILE",
        '# Add caption = "...", snapshot = "name" or expect = { ... } to any step;',
        "# the format is documented in scenes/example.toml (rnnsim play example).",
        "",
        "[scene]",
        f"title = {toml_str(title)}",
    ]
    if size is not None:
        w = min(max(size[0], SIZE_RANGE[0][0]), SIZE_RANGE[0][1])
        h = min(max(size[1], SIZE_RANGE[1][0]), SIZE_RANGE[1][1])
        lines.append(f"size = [{w}, {h}]")
    lines.append(f"text = {toml_str(text)}")
    if settings.source == "trained":
        lines.append(f"model = {toml_str(model_name(settings.cell, settings.bidirectional))}")
    elif settings.source == "file":
        lines.append(f"model = {toml_str(model_reference(settings.path, folder))}")
    else:
        lines += [
            f"cell = {toml_str(settings.cell)}",
            f"bidirectional = {toml_value(settings.bidirectional)}",
            f"hidden = {settings.hidden}",
            f"embed = {settings.embed}",
            f"seed = {settings.seed}",
        ]
        if settings.layers != DEFAULTS.layers:
            lines.append(f"layers = {settings.layers}")
        if settings.init_forget_bias != DEFAULTS.init_forget_bias:  # any cell: a later cell = "lstm" uses it
            lines.append(f"init_forget_bias = {toml_value(settings.init_forget_bias)}")
    if settings.forget_bias is not None and settings.cell == "lstm":
        lines.append(f"forget_bias = {toml_value(settings.forget_bias)}")
    if not steps:
        steps = [("goto", 0)]
    for action, value in steps:
        lines += ["", "[[step]]", f"{action} = {toml_value(value)}"]
    return "\n".join(lines) + "\n"


def write_atomic(path: str | os.PathLike, text: str | bytes) -> None:
    """Write a whole file or nothing (atomic_write_bytes: a temporary file beside it, then
    rename over it), text as UTF-8 with the newlines as written; a mistake is a SceneError."""
    path = Path(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise SceneError("cannot save: the folder does not exist", path)
    try:
        atomic_write_bytes(path, text.encode("utf-8") if isinstance(text, str) else text)
    except OSError as e:
        raise SceneError(f"cannot save: {e.strerror or e}", path) from None


def default_session_path() -> Path:
    import time

    return Path(f"rnnsim-session-{time.strftime('%Y%m%d-%H%M%S')}.toml")


def model_file_names(sim: Simulation, path: str | os.PathLike) -> list[str]:
    """The files save_session writes beside the scene at `path` for the models the session
    trained and used, in order of use: SCENE.model-1.safetensors, ..."""
    stem = Path(path).stem
    return [f"{stem}.model-{k}.safetensors" for k in range(1, len(swapped_models(sim.history)) + 1)]


def save_session(
    sim: Simulation, path: str | os.PathLike | None = None, *, size: tuple[int, int] | None = None
) -> Path:
    """Write the session as a scene file, atomically. Returns its path.

    Each model swapped in during the session (trained on the training screen) is written
    first, beside the scene, as SCENE.model-K.safetensors (K = 1, 2, ... in order of use;
    a second save of the same scene writes the same files again). float64, so the replay
    computes with the very weights the session used, and with rnnsim.origin, so it shows
    what the session showed ("trained here: 3 epochs")."""
    path = Path(path) if path is not None else default_session_path()
    models = {}
    names = model_file_names(sim, path)
    for name, (key, model, origin) in zip(names, swapped_models(sim.history), strict=True):
        tagged = model.copy()
        tagged.meta[ORIGIN_KEY] = origin
        write_atomic(path.parent / name, model_file_bytes(tagged, np.float64))
        models[key] = name
    write_atomic(path, session_scene(sim, size=size, folder=path.parent, models=models))
    return path
