"""Benchmark: every shipped scene rendered headless to SVG. Prints figures; asserts nothing.

    python bench/bench_scenes.py              # all shipped scenes, SVG frames in a temp folder
    python bench/bench_scenes.py --repeat 3   # best of three per scene
    python bench/bench_scenes.py --format txt # or png (needs cairosvg)

Per scene: load + validate + dry run (no screen), then the headless play that writes the
frames (a Textual app in run_test at the scene's size, one export per snapshot). The
total is the sum of the per-scene times, measured in one process after a warm-up scene
(the first Textual app pays for imports). Goal (issue 12): under 15 s for all of them.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from rnnsim.scene import load_scene, shipped_scenes  # noqa: E402
from rnnsim.ui.scene_app import frames  # noqa: E402


def render(name: str, fmt: str, out: Path) -> tuple[float, float, int, int, float]:
    """(load seconds, render seconds, steps, frames, CPU seconds) for one scene."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    scene = load_scene(name)
    t1 = time.perf_counter()
    shots, failures = frames(scene, fmt)
    for frame, data in shots.items():
        path = out / f"{name}-{frame}.{fmt}"
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    t2 = time.perf_counter()
    if failures:
        print(f"  {name}: {len(failures)} check(s) failed: {failures[0]}", file=sys.stderr)
    return t1 - t0, t2 - t1, len(scene.steps), len(shots), time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="best of N per scene (default 1)")
    ap.add_argument("--format", choices=("svg", "png", "txt"), default="svg")
    args = ap.parse_args()

    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    names = shipped_scenes()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t = time.perf_counter()
        render(names[0], args.format, out)  # warm-up: imports, first app
        print(f"warm-up ({names[0]}, imports and first app): {time.perf_counter() - t:.2f} s\n")
        print(f"{'scene':<14} {'steps':>5} {'frames':>6} {'load+check':>11} {'render':>8} {'total':>8} {'CPU':>7}")
        total = cpu = 0.0
        n_frames = 0
        for name in names:
            best = None
            for _ in range(max(1, args.repeat)):
                r = render(name, args.format, out)
                if best is None or r[0] + r[1] < best[0] + best[1]:
                    best = r
            load, rend, steps, nf, c = best
            total += load + rend
            cpu += c
            n_frames += nf
            print(
                f"{name:<14} {steps:>5} {nf:>6} {load * 1000:>9.0f} ms {rend:>6.2f} s {load + rend:>6.2f} s {c:>5.2f} s"
            )
        print(
            f"\nall {len(names)} scenes, {n_frames} {args.format} frames: {total:.2f} s (goal: under 15 s), "
            f"{cpu:.2f} s of CPU time"
        )
        # On a shared machine the wall time grows with the load; the CPU time much less.
        print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
