"""The core keeps freed memory for the next run (memory.py): after the first runs, a run
takes (almost) no fresh pages from the OS, and a user's own malloc settings win."""

import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")

RUNS = textwrap.dedent(
    """
    import resource, numpy as np, rnnsim
    m = rnnsim.random_model("lstm", vocab=[f"w{i}" for i in range(49)], hidden=64, embed=32, num_layers=3)
    toks = [m.vocab.tokens[i] for i in np.random.default_rng(1).integers(0, 50, size=257)]
    for _ in range(3):
        m.run(toks, loss="all")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        m.run(toks, loss="all")
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10
    print(faults)
    """
)


def _run(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", RUNS], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.split()[-1])


def test_a_run_reuses_the_last_runs_pages():
    # three layers at T=256, H=64: ~7 MB of arrays a run; fresh pages would be ~1,800 a run
    assert _run({}) < 50


def test_a_users_own_malloc_setting_is_kept():
    # glibc's own small trim threshold, set by the user: the core leaves it alone, and runs
    # take fresh pages again (which also shows what the core's setting saves)
    assert _run({"MALLOC_TRIM_THRESHOLD_": "131072"}) > 500
