"""`rnnsim play` and `rnnsim record`: scenes from the command line.

    rnnsim play SCENE                                  play it in the terminal
    rnnsim play SCENE --headless --out DIR [--format svg|png|txt]
                                                       one frame per snapshot, no terminal
    rnnsim play SCENE --headless                       only run the scene's checks
    rnnsim record FILE [model options] [TEXT]          explore; on quit, save it as a scene

SCENE is a file or the name of a shipped lesson (`rnnsim play vanishing`; `--list` shows
them). Exit status: 0 fine, 1 an `expect` check failed (each failure is named), 2 a
mistake in the command or the scene file (one line: file:line: what, and a suggestion).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import cli_terminal
from .cli import DEFAULT_TEXT, Parser, UserError, _add_model_options, _read_text, add_limit_options, app_settings

FORMATS = ("svg", "png", "txt")


def play_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rnnsim play",
        description="Play a scene: a scripted lesson with captions. Keys: space pauses, → / ← go to "
        "the next / previous step, any other key explores (the scene pauses).",
    )
    p.add_argument("scene", nargs="?", metavar="SCENE", help="a scene file, or a shipped lesson's name")
    p.add_argument("--list", action="store_true", help="list the shipped lessons and exit")
    p.add_argument(
        "--headless",
        action="store_true",
        help="no terminal: run every step and its checks, write the snapshots with --out",
    )
    p.add_argument("--out", metavar="DIR", help="with --headless: write one frame per snapshot here")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="svg",
        help="frame format: svg (default), png (needs the extra 'png': cairosvg) or txt",
    )
    p.add_argument("--paused", action="store_true", help="start paused (→ moves on, space plays)")
    return p


def _load(spec: str):
    from .scene import SceneError, load_scene

    try:
        return load_scene(spec)
    except SceneError as e:
        raise UserError(str(e)) from None


def _list() -> int:
    from .scene import SceneError, load_scene, shipped_scenes

    for name in shipped_scenes():
        try:
            title = load_scene(name, dry=False).title
        except SceneError as e:  # a broken shipped scene still gets listed, with why
            title = f"(invalid: {e})"
        print(f"{name:<14} {title}")
    return 0


def cmd_play(argv: list[str]) -> int:
    args = play_parser().parse_args(argv)
    if args.list:
        return _list()
    if args.scene is None:
        raise UserError("give a scene file or a shipped lesson's name (rnnsim play --list shows them)")
    if args.out and not args.headless:
        raise UserError("--out writes frames without a terminal: add --headless")
    if args.format != "svg" and not args.out:
        raise UserError(f"--format {args.format} is the format of the frames written with --out DIR")
    if args.format == "png":
        try:
            import cairosvg  # noqa: F401
        except ImportError:
            raise UserError(
                "PNG frames need cairosvg: pip install 'rnnsim-tui[png]' (or use --format svg or txt)"
            ) from None
    scene = _load(args.scene)
    if args.headless:
        return _play_headless(scene, args.out, args.format)
    from .ui.scene_app import ScenePlayerApp

    if problem := cli_terminal.terminal_problem():
        raise UserError(problem)
    signum = cli_terminal.run_app(ScenePlayerApp(scene, autoplay=not args.paused))
    return 128 + signum if signum else 0


def _say(line: str) -> None:
    """A line on stderr; scene titles, captions and file names made safe for the terminal."""
    from .core.safe_text import safe_text

    print(safe_text(line), file=sys.stderr)


def _frame_bytes(name: str, data: str, fmt: str) -> bytes:
    """The frame as written: SVG checked to parse as XML, PNG converted from it, or text."""
    import xml.etree.ElementTree as ET

    if fmt == "txt":
        return data.encode("utf-8")
    try:
        ET.fromstring(data)
    except ET.ParseError as e:  # never write a frame no viewer can open
        raise UserError(f"frame {name!r} is not valid SVG ({e}); please report this") from None
    if fmt == "svg":
        return data.encode("utf-8")
    from .ui.scene_app import svg_to_png

    try:
        return svg_to_png(data)
    except Exception as e:  # cairosvg's own errors are many and not one class
        raise UserError(f"frame {name!r}: cannot convert it to PNG ({e}); use --format svg") from None


def _play_headless(scene, out: str | None, fmt: str) -> int:
    from .core.modelfile import atomic_write_bytes
    from .scene import SceneError
    from .ui.scene_app import frames

    folder = None
    if out is not None:
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise UserError(f"--out {out}: not a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UserError(f"--out {out}: {e.strerror or e}") from None
    t0 = time.perf_counter()
    notices: list = []
    try:  # PNG is made here from the SVG, after the SVG is checked
        shots, failures = frames(scene, "txt" if fmt == "txt" else "svg", notices)
    except SceneError as e:
        raise UserError(str(e)) from None
    for number, notice in notices:
        _say(f"rnnsim: note: {scene.file}: {'start' if number == 0 else f'step {number}'}: {notice}")
    written = []
    if folder is not None:
        for name, data in shots.items():
            path = folder / f"{name}.{fmt}"
            try:  # temp file + rename: whole or not at all, and a symlink there is replaced, not followed
                atomic_write_bytes(path, _frame_bytes(name, data, fmt))
            except OSError as e:
                why = e.strerror or e
                raise UserError(f"{path}: cannot write the frame ({why}); nothing partial is left") from None
            written.append(path)
    for f in failures:
        _say(f"rnnsim: check failed: {f}")
    took = time.perf_counter() - t0
    steps = len(scene.steps)
    what = f"{len(written)} frame{'s' * (len(written) != 1)} in {folder}" if folder is not None else "no frames"
    verdict = f"{len(failures)} check{'s' * (len(failures) != 1)} failed" if failures else "all checks passed"
    _say(f"rnnsim: {scene.title}: {steps} step{'s' * (steps != 1)}, {what}, {verdict} ({took:.1f} s)")
    return 1 if failures else 0


# ------------------------------------------------------------------ record


def record_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="rnnsim record",
        description="Open the app; when you quit (or press w), save what you did as a scene file "
        "that `rnnsim play` replays. Add captions and checks to it afterwards.",
    )
    p.add_argument("out", metavar="FILE", help="the scene file to write (.toml)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    _add_model_options(p)
    p.add_argument("--file", metavar="TEXTFILE", help="read the text from a UTF-8 file")
    p.add_argument("text", nargs="?", metavar="TEXT", help=f"the text (default: {DEFAULT_TEXT!r})")
    add_limit_options(p, "input", "model", "vocab")
    return p


def cmd_record(argv: list[str]) -> int:
    args = record_parser().parse_intermixed_args(argv)
    out = Path(args.out)
    if out.is_dir():
        raise UserError(f"{out}: is a folder; give a file name such as {out / 'lesson.toml'}")
    if out.exists() and not args.force:
        raise UserError(f"{out} exists: choose another name, or add --force to overwrite it")
    if not out.resolve().parent.is_dir():
        raise UserError(f"{out}: the folder {out.resolve().parent} does not exist")
    if not os.access(out.resolve().parent, os.W_OK):  # checked now: not after the whole session
        raise UserError(f"{out}: cannot write in the folder {out.resolve().parent}; choose another place")
    text = _read_text(args)
    from .core import ModelError
    from .sim import SimError, Simulation

    settings = app_settings(args)
    try:
        sim = Simulation.from_settings(text, settings)
    except (ModelError, SimError) as e:
        raise UserError(str(e)) from None
    if problem := cli_terminal.terminal_problem():
        raise UserError(problem)
    from .ui.app import RnnsimApp

    with _RecordLock(out):  # two recorders never write one file
        app = RnnsimApp(sim)
        app.record_path = out  # the w key saves here too
        signum = None
        try:
            signum = cli_terminal.run_app(app)  # SIGTERM / SIGHUP close it as q does: then we save
        finally:
            code = _save_recording(app, out)
    return 128 + signum if signum and code == 0 else code


class _RecordLock:
    """An exclusive lock beside the scene file (.NAME.lock) held while recording: a second
    `rnnsim record` into the same file is refused at start, not silently overwritten at
    the end. flock is released by the system if the process dies, so no stale lock."""

    def __init__(self, out: Path):
        self.path = out.resolve().parent / f".{out.name}.lock"
        self.out = out
        self.fd = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # (not on Windows: no lock, the rest still holds)
            return self
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            raise UserError(
                f"{self.out}: another rnnsim record is recording into it; wait for it to quit, or choose another name"
            ) from None
        except OSError as e:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            raise UserError(f"{self.out}: cannot lock it ({e.strerror or e})") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            os.close(self.fd)
        return False


def _save_recording(app, out: Path) -> int:
    """Save the session to `out`; when that fails (the folder went away, the disk is full),
    keep it in a recovery file and say where. Returns the exit status."""
    from .core.safe_text import safe_text
    from .scene import SceneError, history_steps, model_file_names, save_session

    n = len(history_steps(app.sim.history))
    try:
        path = save_session(app.sim, out, size=tuple(app.size))
    except SceneError as e:
        kept = _recover(app)
        where = f"the session is kept in {kept}" if kept else "and no recovery file could be written either"
        print(safe_text(f"rnnsim: error: {e}; {where}"), file=sys.stderr)
        return 1
    models = model_file_names(app.sim, path)  # the scene does not play without them: say so
    which = "the model trained here" if len(models) == 1 else f"the {len(models)} models trained here"
    beside = f" and {which} to {', '.join(models)} beside it" if models else ""
    print(
        safe_text(f"rnnsim: saved {n} step{'s' * (n != 1)} to {path}{beside}; play it with: rnnsim play {path}"),
        file=sys.stderr,
    )
    return 0


def _recover(app) -> Path | None:
    """Write the session into the first folder that takes it: the temp folder, home, here."""
    import tempfile

    from .scene import SceneError, save_session

    name = f"rnnsim-recovered-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.toml"
    for where in (tempfile.gettempdir, Path.home, Path.cwd):
        try:
            return save_session(app.sim, Path(where()) / name, size=tuple(app.size))
        except (SceneError, RuntimeError, OSError):  # (no home, no current folder)
            continue
    return None
