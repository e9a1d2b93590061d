"""How much rnnsim reads from outside before it refuses: the one place the limits live.

Every file rnnsim reads may come from someone else, and some files never end
(/dev/zero, a pipe). Each limit below is checked before the bytes are read or the
memory is taken, and a refusal is one line that names the limit and the option that
raises it (README: Security). The command line sets them from its options
(`--max-input-mb`, `--max-model-mb`, `--max-vocab`, `--max-tokens`); from Python,
change `LIMITS` (`rnnsim.core.limits.LIMITS.model_bytes = 2 << 30`).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1 << 20


@dataclass
class Limits:
    input_bytes: int = 64 * MB  # a text file (--file) or a training corpus
    model_bytes: int = 1024 * MB  # a model file, and the tensors it holds together
    vocab_size: int = 1_000_000  # words in a vocabulary (a model file's, or one built from a corpus)
    tokens: int = 20_000  # tokens of text `rnnsim trace` runs over
    memory_bytes: int = 2048 * MB  # what one training batch may take (an estimate made first)
    scene_bytes: int = 4 * MB  # a scene file
    scene_depth: int = 32  # tables and lists nested in a scene file
    npz_members: int = 1000  # entries in a .npz archive


LIMITS = Limits()

# What to tell the user when a limit is hit: the option that raises it.
OPTIONS = {
    "input_bytes": "--max-input-mb",
    "model_bytes": "--max-model-mb",
    "vocab_size": "--max-vocab",
    "tokens": "--max-tokens",
    "memory_bytes": "--max-memory-mb",
}


def raise_hint(limit: str) -> str:
    """'; raise the limit with --max-model-mb' (or the Python attribute, where no option)."""
    option = OPTIONS.get(limit)
    if option:
        return f"raise it with {option}"
    return f"the limit is rnnsim.core.limits.LIMITS.{limit}"


def size_mb(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB // 10 else f"{n:,} bytes"
