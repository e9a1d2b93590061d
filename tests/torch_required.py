"""torch for the parity tests: skipped locally when absent, required in CI.

CI sets RNNSIM_REQUIRE_TORCH=1 (see .ci/run); there a missing torch is an error,
so the parity tests can never silently disappear from a green run.
"""

import os

import pytest

REQUIRED = bool(os.environ.get("RNNSIM_REQUIRE_TORCH"))


def import_torch(why: str):
    """Return the torch module; skip with `why` when it is absent, unless CI requires it."""
    if REQUIRED:
        import torch  # CI: an ImportError here fails the test instead of skipping it

        return torch
    return pytest.importorskip("torch", reason=f"torch is not installed: {why} (pip install torch==2.13.0)")
