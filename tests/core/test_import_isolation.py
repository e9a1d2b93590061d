"""The NumPy core, the Simulation and the scene files (and `import rnnsim`) never load the
screen libraries."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "stmt",
    [
        "import rnnsim.core",
        "import rnnsim",
        "import rnnsim.cli",
        # below the UI nothing knows a screen: the session, its training and the scene files
        "import rnnsim.sim, rnnsim.sim.training",
        "import rnnsim.scene",
        "import rnnsim.explain",
    ],
)
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


def test_core_run_loads_no_screen_library_and_no_torch():
    """A whole run and a model file round trip touch only NumPy and safetensors."""
    code = (
        "import sys, tempfile, os\n"
        "import rnnsim\n"
        "m = rnnsim.random_model('lstm', hidden=4, bidirectional=True)\n"
        "m.run('The cat sat on the mat.')\n"
        "st = m.stepper('the cat')\n"
        "st.advance()\n"
        "p = os.path.join(tempfile.mkdtemp(), 'm.safetensors')\n"
        "rnnsim.save_model(m, p)\n"
        "rnnsim.load_model(p)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'torch'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"loaded {out.stdout.strip()}"


def test_trace_command_loads_no_screen_library():
    code = (
        "import sys, io, contextlib\n"
        "from rnnsim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['trace', '--json', 'The cat sat.'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
