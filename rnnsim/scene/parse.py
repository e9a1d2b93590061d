"""Reading scene files: load_scene finds a file or a shipped lesson by name, reads it and
hands the text to parse_scene, which parses the TOML (a syntax error becomes one line),
validates it (validate.py) and dry-runs it (steps.py). Also the shipped scenes: their
folder, the lessons in order, and their names.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path

from ..core.bounded_read import BadInput, read_limited, unreadable_reason
from ..core.limits import LIMITS
from .errors import SceneError
from .steps import Scene, dry_run
from .validate import _Lines, _Validator


def _shipped_dir() -> Path:
    """Where the shipped lessons are. They live in the repository's top-level scenes/; a
    wheel carries them as rnnsim/scenes/ (setup.py maps the package rnnsim.scenes to
    scenes/). So: beside this package when installed, else the checkout's scenes/."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "scenes"
    return installed if installed.is_dir() else package.parent / "scenes"


SHIPPED_DIR = _shipped_dir()


def _syntax_error(e: tomllib.TOMLDecodeError, source: str) -> tuple[int | None, str]:
    msg = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    line = int(m.group(1)) if m else None
    if "(at end of document)" in msg:
        line = max(1, source.count("\n") + (0 if source.endswith("\n") else 1))
    msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
    col = f" (column {m.group(2)})" if m else ""
    hint = "check the quotes, brackets and `key = value` form on that line"
    if "overwrite" in msg or "twice" in msg:
        hint = "a key or table is written twice: remove one (each step is its own [[step]])"
    return line, f"TOML syntax error{col}: {msg}; {hint}"


def resolve_scene_path(spec: str | os.PathLike) -> Path:
    """A scene file, or the name of a shipped scene ("vanishing")."""
    p = Path(spec)
    if p.is_dir():
        raise SceneError("is a folder, not a scene file", spec)
    if p.exists():  # a file, or a device or pipe (read with a limit)
        return p
    if os.path.lexists(p):  # a symlink loop or a link to nothing: say so, not "no such file"
        raise SceneError(unreadable_reason(p, "scene file") or "cannot read it", spec)
    s = str(spec)
    if "/" not in s and os.sep not in s:
        stem = s[:-5] if s.endswith(".toml") else s
        cand = SHIPPED_DIR / f"{stem}.toml"
        if cand.is_file():
            return cand
    names = shipped_scenes()
    near = difflib.get_close_matches(Path(s).stem, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{near[0]}'?" if near else "; rnnsim play --list shows the shipped lessons"
    raise SceneError("no such scene file" + hint, spec)


LESSONS = (
    "chain", "memory", "vanishing", "lstm", "gru", "compare", "bidirectional", "generate", "sentiment",
    "saturation", "learning", "layers",
    "exploding", "surgery",
)  # fmt: skip


def shipped_scenes() -> list[str]:
    """Names of the scenes shipped in the package: the lessons in order, then the rest
    (example.toml documents the format)."""
    names = {p.stem for p in SHIPPED_DIR.glob("*.toml")}
    return [n for n in LESSONS if n in names] + sorted(names - set(LESSONS))


def load_scene(spec: str | os.PathLike, *, dry: bool = True) -> Scene:
    """Read, validate and dry-run a scene file. Raises SceneError (one line) on any mistake."""
    path = resolve_scene_path(spec)
    try:  # bounded: a scene is a page of text, not an endless device
        data = read_limited(path, LIMITS.scene_bytes, "scene_bytes")
    except BadInput as e:
        raise SceneError(str(e), spec) from None
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SceneError(f"not UTF-8 text (byte {e.start}); save the scene as UTF-8", spec) from None
    file = str(spec) if Path(spec).exists() else str(path)  # a shipped scene by name: its path
    return parse_scene(source, file=file, base_dir=path.resolve().parent, dry=dry)


def _too_deep() -> str:
    return (
        f"tables or lists are nested more than {LIMITS.scene_depth} levels deep; "
        "a scene needs no more than six (a step's list of expect tables holding a list)"
    )


def _depth(doc) -> int:
    """How deeply tables and lists nest in the parsed document (without recursing)."""
    deepest, todo = 0, [(doc, 1)]
    while todo:
        value, depth = todo.pop()
        deepest = max(deepest, depth)
        if depth > LIMITS.scene_depth:
            break
        children = value.values() if isinstance(value, dict) else value
        todo.extend((v, depth + 1) for v in children if isinstance(v, (dict, list)))
    return deepest


def parse_scene(
    source: str, file: str = "<scene>", base_dir: str | os.PathLike | None = None, *, dry: bool = True
) -> Scene:
    """Parse and validate scene text; with `dry`, also dry-run it (see `dry_run`)."""
    if source.startswith("\ufeff"):
        source = source[1:]
    try:
        doc = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        line, msg = _syntax_error(e, source)
        raise SceneError(msg, file, line) from None
    except RecursionError:  # tomllib recurses per nested inline table or array
        raise SceneError(_too_deep(), file) from None
    if _depth(doc) > LIMITS.scene_depth:
        raise SceneError(_too_deep(), file)
    lines = _Lines(source)
    scene = _Validator(doc, lines, file, Path(base_dir) if base_dir is not None else Path.cwd()).scene()
    if dry:
        dry_run(scene)
    return scene
