"""Key press to frame, headless (textual's run_test), median over many presses.

Stamps time.perf_counter() when the action starts and again when the compositor hands the
frame to the driver (an override of App._display), as DESIGN.md describes. Prints figures
for the default sentence and for a 10,000-token text, and the start-to-first-frame time.
Run: python bench/bench_ui.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnnsim.sim import Settings, Simulation  # noqa: E402
from rnnsim.ui.app import RnnsimApp  # noqa: E402

WORDS = "the cat sat on the mat and the dog slept on the rug while a bird sang in the tree .".split()


class TimedApp(RnnsimApp):
    def __init__(self, sim):
        super().__init__(sim)
        self.pressed_at = None
        self.latencies: list[float] = []

    def run_command(self, command, *args):
        self.pressed_at = time.perf_counter()
        super().run_command(command, *args)

    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if self.pressed_at is not None and renderable is not None:
            self.latencies.append(time.perf_counter() - self.pressed_at)
            self.pressed_at = None


async def key_to_frame(text: str, label: str, keys=("right",), n: int = 120, size=(120, 36)) -> None:
    app = TimedApp(Simulation.from_settings(text, Settings(source="trained")))
    async with app.run_test(size=size) as pilot:
        await pilot.press("right")
        for i in range(n):
            await pilot.press(keys[i % len(keys)])
        lat = app.latencies[10:]
    print(
        f"{label:<44} median {1000 * statistics.median(lat):6.2f} ms   "
        f"p90 {1000 * sorted(lat)[int(0.9 * len(lat))]:6.2f} ms   (n={len(lat)})"
    )


async def first_frame(text: str) -> None:
    t0 = time.perf_counter()
    app = TimedApp(Simulation.from_settings(text, Settings(source="trained")))
    frames: list[float] = []
    orig = app._display

    def display(screen, renderable):
        orig(screen, renderable)
        if renderable is not None and not frames:
            frames.append(time.perf_counter() - t0)

    app._display = display
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
    print(f"{'start to first frame (in-process)':<44} {1000 * frames[0]:6.1f} ms")


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
    import subprocess

    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", FIRST_FRAME_SCRIPT], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    print(f"{'new process to first frame (and exit)':<44} {1000 * min(times):6.1f} ms  (best of 3)")


def main() -> None:
    long_text = " ".join(WORDS[i % len(WORDS)] for i in range(10_000))
    process_first_frame()
    asyncio.run(first_frame("The cat sat on the mat."))
    asyncio.run(key_to_frame("The cat sat on the mat.", "default sentence, step →/←", ("right", "left")))
    asyncio.run(key_to_frame("The cat sat on the mat.", "default sentence, gradient view", ("b", "right", "right")))
    asyncio.run(key_to_frame(long_text, "10,000 tokens, step →", ("right",)))
    asyncio.run(key_to_frame(long_text, "10,000 tokens, gradient view", ("b", "right", "right")))
    t0 = time.perf_counter()
    import subprocess

    subprocess.run([sys.executable, "-m", "rnnsim", "--help"], check=True, capture_output=True)
    print(f"{'rnnsim --help (process)':<44} {1000 * (time.perf_counter() - t0):6.1f} ms")


if __name__ == "__main__":
    main()
