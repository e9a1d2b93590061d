"""Key press to frame, headless (textual's run_test), median over many presses.

Stamps time.perf_counter() when the action starts and again when the compositor hands the
frame to the driver (an override of App._display), as DESIGN.md describes. Prints figures
for the default sentence and for a 10,000-token text at 120x36, and the start-to-first-frame
time. Presses come two frame periods apart (see `pace` in measure: Textual's frame timer
would otherwise hold back a frame that is ready sooner).

    python bench/bench_ui.py                    # this checkout
    python bench/bench_ui.py --baseline DIR     # side by side with the rnnsim in DIR, in turns

For --baseline, check an older commit out beside this one (`git worktree add /tmp/old
30b03fb`): each side runs in its own process, the sides take turns three times, and the
table shows the median of each side's medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
WORDS = "the cat sat on the mat and the dog slept on the rug while a bird sang in the tree .".split()
CASES = [
    ("default sentence, step →/←", "short", ("right", "left")),
    ("default sentence, gradient view", "short", ("b", "right", "right")),
    ("10,000 tokens, step →", "long", ("right",)),
    ("10,000 tokens, gradient view", "long", ("b", "right", "right")),
]


def _text(kind: str) -> str:
    if kind == "short":
        return "The cat sat on the mat."
    return " ".join(WORDS[i % len(WORDS)] for i in range(10_000))


def measure(n: int = 120, size=(120, 36)) -> dict[str, float]:
    """Median key-to-frame latency (ms) of each case, in this process's rnnsim."""
    from rnnsim.sim import Settings, Simulation
    from rnnsim.ui.app import RnnsimApp

    class TimedApp(RnnsimApp):
        def __init__(self, sim):
            super().__init__(sim)
            self.pressed_at = None
            self.latencies: list[float] = []
            self.cpu: list[float] = []  # the process's CPU time over the same span

        def run_command(self, command, *args):
            self.pressed_at = (time.perf_counter(), time.process_time())
            super().run_command(command, *args)

        def _display(self, screen, renderable):
            super()._display(screen, renderable)
            if self.pressed_at is not None and renderable is not None:
                wall, cpu = self.pressed_at
                self.latencies.append(time.perf_counter() - wall)
                self.cpu.append(time.process_time() - cpu)
                self.pressed_at = None

    from textual import constants

    # Textual draws at most MAX_FPS frames a second (the screen's update timer): a key
    # pressed within one frame period of the last frame waits for the timer's next slot,
    # whatever its work costs. Back-to-back presses measured that wait (a faster step got
    # its key in sooner and waited longer); a person's presses, even a held key's repeats
    # (~30 a second), come further apart. So each press waits two frame periods.
    pace = 2 / constants.MAX_FPS

    async def one(kind: str, keys) -> tuple[float, float]:
        app = TimedApp(Simulation.from_settings(_text(kind), Settings(source="trained")))
        async with app.run_test(size=size) as pilot:
            await pilot.press("right")
            for i in range(n):
                await asyncio.sleep(pace)
                await pilot.press(keys[i % len(keys)])
        return 1000 * statistics.median(app.latencies[10:]), 1000 * statistics.median(app.cpu[10:])

    out = {}
    for label, kind, keys in CASES:
        out[label], out[f"{label} (CPU)"] = asyncio.run(one(kind, keys))
    return out


def run_side(root: Path) -> dict[str, float]:
    """measure() in a new process that imports rnnsim from `root`."""
    code = f"import json, sys; sys.path.insert(0, {str(root)!r}); sys.path.insert(1, {str(HERE / 'bench')!r}); "
    code += "import bench_ui; print(json.dumps(bench_ui.measure()))"
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env, cwd=root)
    return json.loads(out.stdout.strip().splitlines()[-1])


def side_by_side(baseline: Path, rounds: int = 3) -> None:
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    load_before = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    for _ in range(rounds):
        runs["before"].append(run_side(baseline))
        runs["after"].append(run_side(HERE))
    print(f"key press to frame at 120x36, median ms (median of {rounds} alternating runs)")
    print(f"load average before / after the runs: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print("(CPU: the process's CPU time over the same span; steadier when other programs share the cores)")
    print(f"{'case':<42} {'before':>8} {'after':>8} {'ratio':>7}")
    for label in runs["before"][0]:
        before = statistics.median(r[label] for r in runs["before"])
        after = statistics.median(r[label] for r in runs["after"])
        print(f"{label:<42} {before:8.2f} {after:8.2f} {after / before:6.2f}x")


FIRST_FRAME_SCRIPT = """
import asyncio, sys
from rnnsim.sim import Settings, Simulation
from rnnsim.ui.app import RnnsimApp

class Once(RnnsimApp):
    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if renderable is not None:
            self.exit()

async def main():
    app = Once(Simulation.from_settings("The cat sat on the mat.", Settings()))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()

asyncio.run(main())
"""


def process_first_frame() -> None:
    """A new Python process: imports, model load, compose, first frame, exit (an upper bound)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", FIRST_FRAME_SCRIPT], check=True, capture_output=True, cwd=HERE)
        times.append(time.perf_counter() - t0)
    print(f"{'new process to first frame (and exit)':<44} {1000 * min(times):6.1f} ms  (best of 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", type=Path, help="a checkout of an older rnnsim to compare with")
    args = parser.parse_args()
    if args.baseline:
        side_by_side(args.baseline.resolve())
        return
    sys.path.insert(0, str(HERE))
    process_first_frame()
    for label, median in measure().items():
        print(f"{label:<44} median {median:6.2f} ms")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rnnsim", "--help"], check=True, capture_output=True, cwd=HERE)
    print(f"{'rnnsim --help (process)':<44} {1000 * (time.perf_counter() - t0):6.1f} ms")


if __name__ == "__main__":
    main()
