"""A real `rnnsim serve` for tests: started as a process on a free loopback port, its
visitors' processes counted, stopped with Ctrl+C (SIGINT) as a teacher would."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.waiting import until_sync

LOOPBACK = "127.0.0.1"


class Served:
    def __init__(self, *args: str, cwd: Path | None = None) -> None:
        self.args = ["--host", LOOPBACK, "--port", "0", *args]
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.stderr = ""

    def __enter__(self) -> Served:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rnnsim", "serve", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=self.cwd,
            env=env,
        )
        line = self.proc.stdout.readline()  # the server says where it listens, then serves
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not found:
            self.proc.kill()
            raise AssertionError(f"rnnsim serve did not start: {line!r} {self.proc.stderr.read()!r}")
        self.url = found.group(0)
        # Keep reading what the server prints, so a full pipe never blocks it.
        self.out: list[str] = []
        self.err: list[str] = []
        self.readers = [
            threading.Thread(target=lambda: self.out.extend(self.proc.stdout), daemon=True),
            threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True),
        ]
        for reader in self.readers:
            reader.start()
        return self

    def visitors(self) -> list[int]:
        """Process ids of the visitors' apps: the server's children running rnnsim.cli_serve."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (stat.parent / "cmdline").read_bytes()
            except (OSError, ValueError, IndexError):
                continue  # the process ended while we looked
            if ppid == self.proc.pid and b"rnnsim.cli_serve" in cmdline:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def wait_visitors(self, n: int, what: str) -> list[int]:
        until_sync(lambda: len(self.visitors()) == n, f"{what} ({n} visitor processes, have {self.visitors()})")
        return self.visitors()

    def stop(self) -> int:
        """Ctrl+C, as in a terminal; the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("rnnsim serve did not stop on Ctrl+C within 20 s") from None
        for reader in self.readers:
            reader.join(timeout=5)
        self.stderr = "".join(self.err)
        return self.proc.returncode

    def __exit__(self, *exc) -> None:
        self.stop()


def pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], what: str) -> None:
    until_sync(lambda: not any(pid_alive(p) for p in pids), what)


def deadline(seconds: float):
    end = time.monotonic() + seconds
    return lambda: time.monotonic() < end
