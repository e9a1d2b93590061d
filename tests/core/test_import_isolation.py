"""The NumPy core (and `import rnnsim`) must never load the screen libraries."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("stmt", ["import rnnsim.core", "import rnnsim", "import rnnsim.cli"])
def test_core_imports_no_screen_library(stmt):
    code = (
        f"{stmt}\n"
        "import sys\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{stmt} loaded {out.stdout.strip()}"


def test_help_does_not_import_textual():
    code = (
        "import sys\n"
        "from rnnsim.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
