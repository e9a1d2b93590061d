"""Run rnnsim as a real process on a pseudo-terminal, as a person's terminal would."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time


class PtyProcess:
    def __init__(self, args, cwd, size=(120, 36), env=None):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
        full_env.update({"TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none", "PYTHONUNBUFFERED": "1"})
        full_env.pop("NO_COLOR", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rnnsim", *args], stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
            env=full_env, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self.output = b""

    def read(self, timeout=0.2) -> None:
        while True:
            ready, _, _ = select.select([self.master], [], [], timeout)
            if not ready:
                return
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the process is gone and the terminal closed
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, needle: bytes, deadline_s=60.0) -> bool:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if needle in self.output:
                return True
            if self.proc.poll() is not None:
                self.read(0.05)
                return needle in self.output
            self.read(0.1)
        return needle in self.output

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def finish(self, deadline_s=60.0) -> int | None:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end and self.proc.poll() is None:
            self.read(0.1)
        self.read(0.05)
        code = self.proc.poll()
        if code is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)
        return code
