"""The trained models shipped in rnnsim/data, loadable by name (`--model lstm`)."""

from __future__ import annotations

import os
from pathlib import Path

from .model import Model, ModelError
from .modelfile import load_model

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def shipped_names() -> list[str]:
    """Names of the shipped models present in this installation ("lstm", "gru", ...)."""
    return sorted(p.stem for p in DATA_DIR.glob("*.safetensors"))


def shipped_next_token_names() -> list[str]:
    """The shipped models that predict the next token reading one way: the ones
    `rnnsim generate` can write on with (not a classifier, not a bidirectional cloze
    model). Read from each file's metadata alone, not its tensors."""
    from safetensors import safe_open

    names = []
    for name in shipped_names():
        with safe_open(DATA_DIR / f"{name}.safetensors", framework="numpy") as f:
            meta = f.metadata() or {}
        if meta.get("rnnsim.task", "next") == "next" and meta.get("rnnsim.bidirectional", "false") == "false":
            names.append(name)
    return names


def load_shipped(name: str) -> Model:
    path = DATA_DIR / f"{name}.safetensors"
    if not path.is_file():
        known = ", ".join(shipped_names()) or "none"
        raise ModelError(f"no shipped model named {name!r} (shipped: {known})")
    return load_model(path)


def resolve_model(spec: str) -> Model:
    """A shipped model's name, or a path to a model file."""
    if "/" not in spec and "." not in spec and (DATA_DIR / f"{spec}.safetensors").is_file():
        return load_shipped(spec)
    # (a link that loops or points nowhere is a file the user meant: load_model says why)
    if not os.path.lexists(spec) and "/" not in spec and "." not in spec:
        known = ", ".join(shipped_names()) or "none yet"
        raise ModelError(f"{spec!r} is neither a model file nor a shipped model (shipped: {known})")
    return load_model(spec)
