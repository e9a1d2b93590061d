"""Scene files: scripted lessons that drive a Simulation through the same commands as the keys.

A scene is a TOML file (read with tomllib): one `[scene]` table (the start: title, text,
model, terminal size, ...) and an array of `[[step]]` tables, each with at most one action,
an optional caption, pause, snapshot name and `expect` checks on the live numbers. The
commented example `scenes/example.toml` and the README document the format;
ACTIONS and CHECKS are the vocabulary.

Everything is validated before anything plays (`load_scene`): first the file's shape and
types (each mistake one line: file, line, what is wrong, a suggestion), then a dry run of
every action and check on a Simulation without a screen, which catches what depends on
the state (a position past the end of the text, a forget gate asked of a GRU, ...).

The player logic lives here too (`ScenePlayer`), and `session_scene` turns a session's
`sim.history` back into a scene file (`rnnsim record`, the `w` key). No screen library is
imported by this package.

The modules, each one thing: errors (SceneError), values (the value checkers), schema
(the [scene] keys and a step's keys), actions (ACTIONS), checks (CHECKS), captions (how a
caption wraps and how long it reads), steps (Step, Scene, running steps, dry_run), player
(ScenePlayer), validate (the shape and types of a file), parse (load_scene, parse_scene,
the shipped scenes) and record (writing scenes). This package re-exports their public names.
"""

from __future__ import annotations

from ..sim import DEFAULT_TEXT
from .actions import ACTIONS, MAX_N, Action
from .captions import CAPTION_LINES, caption_fits, caption_lines, reading_time
from .checks import CHECK_MODIFIERS, CHECKS, Check, Ctx
from .errors import SceneError
from .parse import LESSONS, SHIPPED_DIR, load_scene, parse_scene, resolve_scene_path, shipped_scenes
from .player import ScenePlayer
from .record import (
    default_session_path,
    history_steps,
    model_file_names,
    save_session,
    session_scene,
    toml_str,
    toml_value,
    write_atomic,
)
from .schema import DEFAULT_SIZE, RANDOM_ONLY, SCENE_KEYS, SHIPPED_MODELS, STEP_KEYS
from .steps import Failure, Scene, Step, apply_step, check_step, dry_run
from .value_checkers import SIZE_RANGE, SNAPSHOT_NAME

__all__ = [
    "ACTIONS",
    "CAPTION_LINES",
    "CHECKS",
    "CHECK_MODIFIERS",
    "DEFAULT_SIZE",
    "DEFAULT_TEXT",
    "LESSONS",
    "MAX_N",
    "RANDOM_ONLY",
    "SCENE_KEYS",
    "SHIPPED_DIR",
    "SHIPPED_MODELS",
    "SIZE_RANGE",
    "SNAPSHOT_NAME",
    "STEP_KEYS",
    "Action",
    "Check",
    "Ctx",
    "Failure",
    "Scene",
    "SceneError",
    "ScenePlayer",
    "Step",
    "apply_step",
    "caption_fits",
    "caption_lines",
    "check_step",
    "default_session_path",
    "dry_run",
    "history_steps",
    "load_scene",
    "parse_scene",
    "reading_time",
    "resolve_scene_path",
    "model_file_names",
    "save_session",
    "session_scene",
    "shipped_scenes",
    "toml_str",
    "toml_value",
    "write_atomic",
]
