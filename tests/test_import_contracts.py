"""The import contracts in pyproject.toml (checked by `lint-imports` in CI) cover every
module of rnnsim: a new top-level module must take its place in the layers."""

import pkgutil
import tomllib
from pathlib import Path

import rnnsim

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def _layers() -> list[set[str]]:
    """The layers contract's layers, top first, each as the set of its modules."""
    (layers,) = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    return [set(layer.replace("|", " ").replace(":", " ").split()) for layer in layers]


def test_every_top_level_module_has_a_layer():
    modules = {f"rnnsim.{m.name}" for m in pkgutil.iter_modules(rnnsim.__path__)}
    layered = set().union(*_layers())
    assert "rnnsim.core" in modules and "rnnsim.sim" in modules
    assert modules - layered == set(), "give these modules a layer in pyproject's [tool.importlinter]"
    assert layered - modules == set(), "these layers name modules that do not exist"


def test_every_layer_below_the_ui_is_kept_from_the_screen_libraries():
    layers = _layers()
    ui = next(i for i, layer in enumerate(layers) if "rnnsim.ui" in layer)
    below_ui = set().union(*layers[ui + 1 :])
    (screen,) = [c for c in _contracts() if c["type"] == "forbidden" and "textual" in c["forbidden_modules"]]
    assert {"textual", "rich"} <= set(screen["forbidden_modules"])
    assert set(screen["source_modules"]) == below_ui
