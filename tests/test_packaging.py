"""What a wheel carries: every module of rnnsim/ and the shipped lessons, which live in the
top-level scenes/ and install as rnnsim/scenes/ (setup.py maps them; pyproject.toml names
them as package data)."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEFTOVERS = (".git", ".venv", "build", "*.egg-info", "__pycache__", ".*cache", ".hypothesis", "__snapshots__", "out")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a clean copy of the sources (a build/ or *.egg-info left in the checkout
    would hand the wheel files that the configuration no longer names), in pip's isolated
    build environment with pyproject's build requirements, as a user's install builds it."""
    src = tmp_path_factory.mktemp("src") / "rnnsim"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*LEFTOVERS))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("rnnsim_tui-*.whl")
    return built


def test_the_wheel_carries_every_module_and_every_shipped_lesson(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "rnnsim").rglob("*.py")}
    lessons = {f"rnnsim/scenes/{p.name}" for p in (ROOT / "scenes").glob("*.toml")}
    assert len(lessons) >= 8
    assert modules - names == set()
    assert lessons - names == set()
    assert {"rnnsim/ui/app.tcss", "rnnsim/data/lstm.safetensors", "rnnsim/data/corpus.txt"} <= names
    shipped = {f"rnnsim/data/{p.name}" for p in (ROOT / "rnnsim" / "data").glob("*.safetensors")}
    assert len(shipped) >= 7 and shipped <= names  # every trained model, lstm2 among them


def test_the_wheel_stays_under_10_mb(wheel):
    """Issue 11: the wheel carries the models and their texts and stays under 10 MB."""
    assert wheel.stat().st_size < 10 * 1024 * 1024, f"{wheel.stat().st_size / 2**20:.1f} MB"
    unpacked = sum(i.file_size for i in zipfile.ZipFile(wheel).infolist())
    assert unpacked < 10 * 1024 * 1024, f"{unpacked / 2**20:.1f} MB unpacked"


def test_the_installed_wheel_finds_its_lessons(wheel, tmp_path):
    """Installed from the wheel (not this checkout), `rnnsim play --list` lists the lessons
    and a lesson loads by name."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import rnnsim, rnnsim.scene\n"
        "from rnnsim.cli import main\n"
        "print(rnnsim.__file__)\n"
        "print(rnnsim.scene.SHIPPED_DIR)\n"
        "print(rnnsim.scene.load_scene('vanishing', dry=False).title)\n"
        "main(['play', '--list'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )
    assert out.returncode == 0, out.stderr
    module_file, shipped_dir, title, *listing = out.stdout.splitlines()
    assert Path(module_file).is_relative_to(site)
    assert Path(shipped_dir) == site / "rnnsim" / "scenes"
    assert "vanishing" in title.lower()
    listed = [line.split()[0] for line in listing]
    assert listed == [
        "chain",
        "memory",
        "vanishing",
        "lstm",
        "gru",
        "compare",
        "bidirectional",
        "generate",
        "sentiment",
        "saturation",
        "learning",
        "layers",
        "exploding",
        "surgery",
        "example",
    ]
