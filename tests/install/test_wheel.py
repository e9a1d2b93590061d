"""A real install: build the sdist and, from it, the wheel; check both carry the licence
and the package data; install the wheel (not editable) into a fresh venv with the
constraints; run, from a folder far from the source tree, the commands a new user runs,
including the README's training lines exactly as written.

Slow for a test (a venv and a pip install, ~30-60 s): one module-scoped install serves
every check."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SOURCE_VERSION = re.search(r'^__version__ = "([^"]+)"', (ROOT / "rnnsim" / "__init__.py").read_text(), re.M).group(1)


def lessons_in_source() -> set[str]:
    """The shipped lessons' names, from wherever the source tree keeps them."""
    folders = [ROOT / "scenes", ROOT / "rnnsim" / "scenes"]
    return {p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.toml")}


def run(*command, cwd, timeout=600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """sdist and wheel; the wheel is built from the unpacked sdist (python -m build's way),
    so a file missing from the sdist fails here too."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out)
    [sdist] = out.glob("*.tar.gz")
    [wheel] = out.glob("*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory):
    """A fresh venv with the wheel installed (not editable), and a folder to run in that
    has no rnnsim source in it."""
    home = tmp_path_factory.mktemp("user")
    env_dir = home / "venv"
    venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin" / "pip"
    run(pip, "install", "-q", "--disable-pip-version-check", built[1], "-c", ROOT / "constraints.txt", cwd=home)
    work = home / "work"
    work.mkdir()
    return env_dir / "bin", work


def test_the_archives_are_named_rnnsim_tui_and_carry_the_licence_and_the_data(built):
    sdist, wheel = built
    assert sdist.name == f"rnnsim_tui-{SOURCE_VERSION}.tar.gz"
    assert wheel.name.startswith(f"rnnsim_tui-{SOURCE_VERSION}-py3-none-any")
    with tarfile.open(sdist) as tar:
        sdist_names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    with zipfile.ZipFile(wheel) as whl:
        wheel_names = set(whl.namelist())
        licence = whl.read(f"rnnsim_tui-{SOURCE_VERSION}.dist-info/licenses/LICENSE").decode()
        metadata = whl.read(f"rnnsim_tui-{SOURCE_VERSION}.dist-info/METADATA").decode()
    assert "LICENSE" in sdist_names and "constraints.txt" in sdist_names
    assert licence == (ROOT / "LICENSE").read_text(encoding="utf-8") and licence.startswith("MIT License")
    assert "License-Expression: MIT" in metadata
    for data in ("corpus.txt", "longrange.txt", "rnn.safetensors", "lstm.safetensors", "gru.safetensors"):
        assert f"rnnsim/data/{data}" in wheel_names
    assert "rnnsim/ui/app.tcss" in wheel_names
    shipped = {Path(n).stem for n in wheel_names if n.endswith(".toml")}
    assert lessons_in_source() <= shipped and "vanishing" in shipped
    assert not any(n.startswith(("tests/", "bench/", "scripts/")) for n in wheel_names)
    # Ranges, not pins: an exact == belongs in constraints.txt only.
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert len(requires) == 4 and not any("==" in r for r in requires), requires


def test_version(installed):
    bin_dir, work = installed
    assert run(bin_dir / "rnnsim", "--version", cwd=work).stdout == f"rnnsim {SOURCE_VERSION}\n"


def test_trace_and_the_lessons_from_the_wheel(installed):
    bin_dir, work = installed
    rnnsim = bin_dir / "rnnsim"
    trace = run(rnnsim, "trace", "The cat sat on the mat.", cwd=work).stdout
    assert "(trained: lstm)" in trace or "LSTM" in trace
    assert re.search(r"^\s+4\s+the\s+mat\s", trace, re.M)  # the row of the second "the", target "mat"
    listed = run(rnnsim, "play", "--list", cwd=work).stdout.split("\n")
    names = {line.split()[0] for line in listed if line.strip()}
    assert names == lessons_in_source()
    run(rnnsim, "play", "vanishing", "--headless", cwd=work)
    # The serve extra is not in a plain install: one line says how to get it.
    serve = subprocess.run([rnnsim, "serve"], cwd=work, capture_output=True, text=True, timeout=120)
    assert serve.returncode == 2 and serve.stderr == (
        "rnnsim: error: rnnsim serve needs textual-serve: pip install 'rnnsim-tui[serve]'\n"
    )


def test_training_exactly_as_the_readme_says(installed):
    bin_dir, work = installed
    block = re.search(r"Train your own:\n\n```sh\n(.*?)```", README, re.S).group(1)
    commands = [line for line in block.splitlines() if line.startswith(("rnnsim train", "rnnsim trace"))]
    assert commands[0].startswith("rnnsim train --corpus shipped ")
    for line in commands:
        words = re.findall(r'"[^"]*"|\S+', line)
        run(bin_dir / words[0], *(w.strip('"') for w in words[1:]), cwd=work)
    model = re.search(r"--out (\S+)", commands[0]).group(1)
    assert (work / model).is_file()
