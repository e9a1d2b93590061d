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
import sys
import time
from pathlib import Path

from .cli import DEFAULT_TEXT, Parser, UserError, _add_model_options, _read_text, app_settings

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
                "PNG frames need cairosvg: pip install 'rnnsim[png]' (or use --format svg or txt)"
            ) from None
    scene = _load(args.scene)
    if args.headless:
        return _play_headless(scene, args.out, args.format)
    from .ui.scene_app import ScenePlayerApp

    ScenePlayerApp(scene, autoplay=not args.paused).run()
    return 0


def _play_headless(scene, out: str | None, fmt: str) -> int:
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
    try:
        shots, failures = frames(scene, fmt, notices)
    except SceneError as e:
        raise UserError(str(e)) from None
    for number, notice in notices:
        print(f"rnnsim: note: {scene.file}: {'start' if number == 0 else f'step {number}'}: {notice}", file=sys.stderr)
    written = []
    if folder is not None:
        for name, data in shots.items():
            path = folder / f"{name}.{fmt}"
            try:
                if isinstance(data, bytes):
                    path.write_bytes(data)
                else:
                    path.write_text(data, encoding="utf-8", newline="\n")
            except OSError as e:
                raise UserError(f"{path}: {e.strerror or e}") from None
            written.append(path)
    for f in failures:
        print(f"rnnsim: check failed: {f}", file=sys.stderr)
    took = time.perf_counter() - t0
    steps = len(scene.steps)
    what = f"{len(written)} frame{'s' * (len(written) != 1)} in {folder}" if folder is not None else "no frames"
    verdict = f"{len(failures)} check{'s' * (len(failures) != 1)} failed" if failures else "all checks passed"
    print(f"rnnsim: {scene.title}: {steps} step{'s' * (steps != 1)}, {what}, {verdict} ({took:.1f} s)", file=sys.stderr)
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
    text = _read_text(args)
    from .core import ModelError
    from .scene import SceneError, save_session
    from .sim import SimError, Simulation

    settings = app_settings(args)
    try:
        sim = Simulation.from_settings(text, settings)
    except (ModelError, SimError) as e:
        raise UserError(str(e)) from None
    from .ui.app import RnnsimApp

    app = RnnsimApp(sim)
    app.record_path = out  # the w key saves here too
    app.run()
    try:
        path = save_session(app.sim, out, size=tuple(app.size))
    except SceneError as e:
        raise UserError(str(e)) from None
    from .scene import history_steps

    n = len(history_steps(app.sim.history))
    print(f"rnnsim: saved {n} step{'s' * (n != 1)} to {path}; play it with: rnnsim play {path}", file=sys.stderr)
    return 0
