"""rnnsim: step through recurrent networks one token at a time.

import rnnsim
model = rnnsim.random_model("lstm", hidden=16, seed=0)
trace = model.run("The cat sat on the mat.", loss="all")
trace.forward.dh      # total dL/dh_t, one row per position
"""

from .core import (
    Model,
    ModelError,
    Trace,
    Vocab,
    load_model,
    random_model,
    save_model,
    tokenize,
    train,
)
from .core.torch_interop import from_torch

__version__ = "0.1.0"
__all__ = [
    "Model", "ModelError", "Trace", "Vocab", "from_torch", "load_model", "random_model", "save_model",
    "tokenize", "train", "__version__",
]  # fmt: skip
