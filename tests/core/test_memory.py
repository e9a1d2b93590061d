"""The `rnnsim` program keeps freed memory for the next run (rnnsim/malloc.py): after the
first runs a run takes (almost) no fresh pages from the OS, a user's own malloc settings
win, and importing rnnsim as a library leaves the host process's malloc alone."""

import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")

RUNS = textwrap.dedent(
    """
    import resource, sys, numpy as np, rnnsim
    if sys.argv[1] == "program":  # as the command line starts
        from rnnsim.malloc import keep_freed_memory
        keep_freed_memory()
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


def _clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}


def _run(mode, env_extra=None):
    env = _clean_env()
    env.update(env_extra or {})
    cmd = [sys.executable, "-c", RUNS, mode]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.split()[-1])


def test_a_run_reuses_the_last_runs_pages():
    # three layers at T=256, H=64: ~7 MB of arrays a run; fresh pages would be ~1,800 a run
    assert _run("program") < 50


def test_a_users_own_malloc_setting_is_kept():
    # glibc's own small trim threshold, set by the user: it is left alone, and runs take
    # fresh pages again (which also shows what the program's setting saves)
    assert _run("program", {"MALLOC_TRIM_THRESHOLD_": "131072"}) > 500


def test_importing_rnnsim_leaves_the_host_process_malloc_alone():
    assert _run("library") > 500


def test_the_command_line_sets_it_before_anything_else():
    code = (
        "import rnnsim.cli, rnnsim.malloc\n"
        "try:\n    rnnsim.cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(rnnsim.malloc.keep_freed_memory())"  # False: already done once in this process
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_clean_env())
    assert out.stdout.split()[-1] == "False"
