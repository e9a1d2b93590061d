"""`rnnsim serve` under a class: memory per visitor and key-press latency as visitors grow.

    python bench/bench_serve.py                     # 1, 5, 10, 20, 30, 40 visitors
    python bench/bench_serve.py --visitors 1 10 20  # other counts
    python bench/bench_serve.py --presses 10        # key presses per visitor per pattern

Starts `rnnsim serve` on a free loopback port and connects N websocket visitors that speak
textual.js's protocol (what a browser tab does, without the browser's own cost). For each N:

- memory: each visitor's process, PSS (its share of pages shared with others, so the sum is
  what the machine really spends) and RSS, after its first screen;
- idle: CPU the N visitor processes use while nobody presses anything (5 s);
- key press to frame: the time from sending a key (→, then ← so the screen always changes)
  to the first frame the visitor receives back, measured at the client as a browser would
  see it (websocket, server, the app's redraw). Two patterns: `paced`, each visitor pressing
  about once a second at its own moment (a class working on its own), and `together`, every
  visitor pressing at the same instant (the teacher says "now press →").

Everything runs on loopback and stops by itself. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = b"mat"  # in the first screen's token strip
KEYS = ("\x1b[C", "\x1b[D")  # → then ←: each press changes the screen


def start_server() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnsim", "serve", "--port", "0", "--max-sessions", "1000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = proc.stdout.readline()
    url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
    return proc, url


def visitor_pids(server_pid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == server_pid and b"rnnsim.cli_serve" in (stat.parent / "cmdline").read_bytes():
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, RSS) in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Pss"] / 1024, fields["Rss"] / 1024


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(parts[11]) + int(parts[12])  # utime + stime, in clock ticks
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


class Visitor:
    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url = http, url + "ws?width=120&height=36"
        self.frame = asyncio.Event()
        self.latencies: list[float] = []
        self.presses = 0

    async def connect(self) -> None:
        self.ws = await self.http.ws_connect(self.url)
        await self.ws.send_str(json.dumps(["resize", {"width": 120, "height": 36}]))
        self.reader = asyncio.create_task(self._read())
        seen = b""
        while SENTENCE not in seen:  # the first full screen
            await asyncio.wait_for(self.frame.wait(), 60)
            self.frame.clear()
            seen += self.last

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.last = message.data
                self.frame.set()

    async def press(self) -> None:
        await asyncio.sleep(0.3)  # let the previous redraw's trailing frames pass
        self.frame.clear()
        t0 = time.perf_counter()
        await self.ws.send_str(json.dumps(["stdin", KEYS[self.presses % 2]]))
        self.presses += 1
        try:
            await asyncio.wait_for(self.frame.wait(), 10)
            self.latencies.append(time.perf_counter() - t0)
        except TimeoutError:
            self.latencies.append(float("inf"))

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


def summary(latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"{statistics.median(ms):7.1f} {p95:7.1f} {ms[-1]:7.1f}"


async def one_count(url: str, server_pid: int, n: int, presses: int) -> str:
    async with aiohttp.ClientSession() as http:
        visitors = [Visitor(http, url) for _ in range(n)]
        t0 = time.perf_counter()
        for visitor in visitors:  # one after another, as a class arrives
            await visitor.connect()
        arrive = (time.perf_counter() - t0) / n
        pids = visitor_pids(server_pid)
        mem = [memory_mb(p) for p in pids]
        pss = statistics.mean(m[0] for m in mem)
        rss = statistics.mean(m[1] for m in mem)
        c0 = cpu_seconds(pids)
        await asyncio.sleep(5)
        idle = (cpu_seconds(pids) - c0) / 5 * 100

        async def paced(visitor: Visitor) -> None:
            await asyncio.sleep(random.uniform(0, 1))
            for _ in range(presses):
                await visitor.press()
                await asyncio.sleep(random.uniform(0.4, 1.0))

        for v in visitors:
            v.latencies.clear()
        apps0, server0 = cpu_seconds(pids), cpu_seconds([server_pid])
        await asyncio.gather(*(paced(v) for v in visitors))
        paced_lat = [x for v in visitors for x in v.latencies]
        per_key = 1000 / len(paced_lat)
        app_ms = (cpu_seconds(pids) - apps0) * per_key
        server_ms = (cpu_seconds([server_pid]) - server0) * per_key

        for v in visitors:
            v.latencies.clear()
        for _ in range(presses):
            await asyncio.gather(*(v.press() for v in visitors))
            await asyncio.sleep(0.5)
        together_lat = [x for v in visitors for x in v.latencies]

        for visitor in visitors:
            await visitor.close()
    deadline = time.monotonic() + 30
    while visitor_pids(server_pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return (
        f"{n:>8} {pss:8.1f} {rss:8.1f} {arrive:8.2f} {idle:7.1f}% {app_ms:8.1f} {server_ms:7.1f}  "
        f"{summary(paced_lat)}  {summary(together_lat)}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, nargs="+", default=[1, 5, 10, 20, 30, 40])
    parser.add_argument("--presses", type=int, default=10, help="per visitor and pattern (default: 10)")
    args = parser.parse_args()
    random.seed(0)
    proc, url = start_server()
    try:
        print(
            f"rnnsim serve at {url}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
            "trained LSTM, 120x36, default sentence"
        )
        print(
            "                 per visitor (MB)            idle CPU  CPU ms/key     paced: ms to frame"
            "       together: ms to frame"
        )
        print(
            "visitors      PSS      RSS  start s  (all)      app  server    median     p95     max"
            "   median     p95     max"
        )
        for n in args.visitors:
            print(await one_count(url, proc.pid, n, args.presses), flush=True)
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
        server = memory_mb(proc.pid)
        print(f"the server process itself: PSS {server[0]:.1f} MB, RSS {server[1]:.1f} MB")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


if __name__ == "__main__":
    asyncio.run(main())
