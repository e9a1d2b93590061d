"""In CI the parity tests must run: requiring torch makes its absence a failure."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_required_torch_turns_a_missing_torch_into_a_failure():
    # A child whose torch import is blocked, with RNNSIM_REQUIRE_TORCH set, must raise,
    # not skip: that is what keeps a failed torch install from passing CI.
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from tests.torch_required import import_torch\n"
        "try:\n    import_torch('x')\nexcept ImportError:\n    print('failed')\n"
        "except BaseException as e:\n    print(type(e).__name__)\n"
    )
    env_required = {"RNNSIM_REQUIRE_TORCH": "1", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env_required, capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "failed", out.stderr
    out = subprocess.run([sys.executable, "-c", code], env={"PATH": ""}, capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "Skipped", out.stderr
