"""Keep freed memory for the next run instead of handing it back to the OS.

A run allocates a few MB of arrays per layer (the trace it returns is most of it) and
frees them when the trace is dropped. glibc's malloc gives freed memory back to the OS
once more than its trim threshold sits free at the top of the heap, and serves blocks
above its mmap threshold with fresh mappings; both start at 128 KB and rise only as
big blocks happen to be freed. The next run then touches fresh pages, each
of which the kernel must fault in and zero: ~1.5 us a page on the test VM, 0.5-2.5 ms
(10-20%) of a forward + BPTT at T=256, H=64, 1-3 layers.

So on glibc the `rnnsim` program raises both thresholds once, as it starts (cli.main):
blocks up to 32 MB come from the heap, and up to 64 MB of it may stay free for reuse. A
process holds on to at most its own peak heap, no more. The numbers computed do not change.
Anyone who set MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ keeps their own choice.

Importing rnnsim as a library (a notebook calling rnnsim.from_torch) leaves the host
process's malloc alone: its settings are its owner's business. Such a caller may call
keep_freed_memory() itself. This module imports only the standard library, so the command
line can call it before anything heavy is imported.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_THRESHOLD = 32 * 2**20  # glibc's own ceiling for its dynamic threshold (64-bit)
TRIM_THRESHOLD = 64 * 2**20

_done = False


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (once per process). True when they were set."""
    global _done
    if _done:
        return False
    _done = True
    if not sys.platform.startswith("linux") or any(
        v in os.environ for v in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")
    ):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 (glibc, not musl: mallopt's numbers differ there)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
