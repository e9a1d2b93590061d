"""A model: embedding -> one recurrent layer (one or two directions) -> linear head.

Parameters live in a dict under the names a PyTorch module with submodules
`embedding` (nn.Embedding), `rnn` (nn.RNN/LSTM/GRU) and `head` (nn.Linear)
would give them, so model files, gradients and torch all speak one language.

Tasks:
  next   (one direction)  the head reads h_fwd[t] and predicts token t+1.
  cloze  (bidirectional)  the head reads cat(h_fwd[t-1], h_rev[t+1]) (zeros past
         the ends) and predicts token t itself, seeing both sides but not the word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .cells import CELLS, N_BLOCKS
from .tokenizer import UNK, Vocab

TASKS = ("next", "cloze")
DEFAULT_VOCAB = (
    UNK, "the", "a", "cat", "dog", "bird", "fish", "sat", "slept", "ran", "ate", "saw",
    "on", "in", "under", "by", "mat", "rug", "bed", "tree", "sofa", "and", "it", "was",
    ".", ",", "?", "!",
)  # fmt: skip


class ModelError(ValueError):
    """A model that cannot be built or loaded; the message says what and how to fix it."""


def rnn_names(bidirectional: bool) -> list[str]:
    suffixes = ["", "_reverse"] if bidirectional else [""]
    return [f"rnn.{kind}_l0{sfx}" for sfx in suffixes for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def expected_shapes(cell, bidirectional, vocab_size, embed, hidden) -> dict[str, tuple[int, ...]]:
    G = N_BLOCKS[cell] * hidden
    D = 2 if bidirectional else 1
    shapes = {"embedding.weight": (vocab_size, embed)}
    for name in rnn_names(bidirectional):
        kind = name.split(".")[1].split("_l0")[0]
        shapes[name] = {
            "weight_ih": (G, embed),
            "weight_hh": (G, hidden),
            "bias_ih": (G,),
            "bias_hh": (G,),
        }[kind]
    shapes["head.weight"] = (vocab_size, D * hidden)
    shapes["head.bias"] = (vocab_size,)
    return shapes


@dataclass
class Model:
    cell: str
    vocab: Vocab
    params: dict[str, np.ndarray]
    bidirectional: bool = False
    task: str = "next"
    nonlinearity: str = "tanh"  # Elman RNN only
    meta: dict[str, str] = field(default_factory=dict)  # extra metadata, kept on save

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ModelError(f"unknown cell {self.cell!r}: choose one of {', '.join(CELLS)}")
        if self.task not in TASKS:
            raise ModelError(f"unknown task {self.task!r}: choose one of {', '.join(TASKS)}")
        if self.bidirectional and self.task == "next":
            raise ModelError(
                "a bidirectional model cannot predict the next word: its reverse direction "
                "has already read it. Use task 'cloze' (fill a blank from both sides)."
            )
        if not self.bidirectional and self.task == "cloze":
            raise ModelError("task 'cloze' needs both directions: make the model bidirectional")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ModelError(f"unknown nonlinearity {self.nonlinearity!r}: use tanh or relu")
        # The sizes come from two tensors: check those first, so every later message is exact.
        for name in ("embedding.weight", "rnn.weight_hh_l0"):
            if name not in self.params:
                raise ModelError(f"missing tensor {name!r}")
            shape = np.shape(self.params[name])
            if len(shape) != 2 or 0 in shape:
                raise ModelError(f"tensor {name!r} has shape {list(shape)}: it must be a non-empty matrix")
        embed = self.params["embedding.weight"].shape[1]
        hidden = self.params["rnn.weight_hh_l0"].shape[-1]
        want = expected_shapes(self.cell, self.bidirectional, len(self.vocab), embed, hidden)
        for name, shape in want.items():
            if name not in self.params:
                raise ModelError(f"missing tensor {name!r} (expected shape {list(shape)})")
            got = tuple(self.params[name].shape)
            if got != shape:
                raise ModelError(
                    f"tensor {name!r} has shape {list(got)}, expected {list(shape)} for a "
                    f"{self.cell} with vocab {len(self.vocab)}, embed {embed}, hidden {hidden}"
                )
            if not np.all(np.isfinite(self.params[name])):
                raise ModelError(f"tensor {name!r} contains NaN or infinity")
        extra = sorted(set(self.params) - set(want))
        deeper = [int(m.group(1)) for n in extra if (m := re.search(r"_l([1-9]\d*)(_reverse)?$", n))]
        if deeper:  # nn.LSTM(num_layers=2) names its second layer's tensors ..._l1
            raise ModelError(
                f"the file holds a {1 + max(deeper)}-layer network ({extra[0]!r}); rnnsim shows "
                f"one layer: save a network with num_layers=1"
            )
        if extra:
            raise ModelError(f"unexpected tensor {extra[0]!r}: this model has no such parameter")
        # Compute in float64 whatever the file held.
        self.params = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in self.params.items()}

    @property
    def hidden(self) -> int:
        return self.params["rnn.weight_hh_l0"].shape[1]

    @property
    def embed(self) -> int:
        return self.params["embedding.weight"].shape[1]

    @property
    def directions(self) -> tuple[str, ...]:
        return ("forward", "reverse") if self.bidirectional else ("forward",)

    def direction_params(self, direction: str) -> tuple[np.ndarray, ...]:
        """(W_ih, W_hh, b_ih, b_hh) of one direction."""
        sfx = "_reverse" if direction == "reverse" else ""
        p = self.params
        return tuple(p[f"rnn.{k}_l0{sfx}"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def describe(self) -> str:
        kind = {"rnn": f"Elman RNN ({self.nonlinearity})", "lstm": "LSTM", "gru": "GRU"}[self.cell]
        bi = "bidirectional " if self.bidirectional else ""
        return f"{bi}{kind}, hidden {self.hidden}, embed {self.embed}, vocab {len(self.vocab)}, task {self.task}"

    def copy(self) -> Model:
        return Model(
            self.cell, self.vocab, {k: v.copy() for k, v in self.params.items()},
            self.bidirectional, self.task, self.nonlinearity, dict(self.meta),
        )  # fmt: skip

    def forget_bias(self) -> float | None:
        """Mean of b_ih + b_hh over the LSTM forget-gate rows (None for other cells)."""
        if self.cell != "lstm":
            return None
        H = self.hidden
        _, _, b_ih, b_hh = self.direction_params("forward")
        return float(np.mean(b_ih[H : 2 * H] + b_hh[H : 2 * H]))

    # The maths lives in network.py; these are the documented entry points.
    def run(self, text, loss="all"):
        """Forward over `text` (a string or a token list) and, unless loss is None,
        BPTT. loss: "all" (sum of cross-entropy over every scored position),
        "last" (only the last scored position), or an int position."""
        from .network import run

        return run(self, text, loss=loss)

    def stepper(self, text):
        """A Stepper that advances this model one token at a time over `text`."""
        from .network import Stepper

        return Stepper(self, text)


def random_model(
    cell: str = "lstm",
    vocab=None,
    hidden: int = 16,
    embed: int = 8,
    bidirectional: bool = False,
    seed: int = 0,
    forget_bias: float = 0.0,
    nonlinearity: str = "tanh",
    task: str | None = None,
) -> Model:
    """A seeded, PyTorch-initialised model.

    Every recurrent and head weight is U(-1/sqrt(H), 1/sqrt(H)) (head: 1/sqrt(fan_in)),
    the embedding N(0, 1), as torch initialises them. `forget_bias` is *added* to the
    LSTM forget-gate rows of b_ih, so 0 reproduces PyTorch's initialisation exactly;
    1 keeps ~73% of the old cell per step at the start instead of ~50%.
    vocab: a Vocab, a list of tokens (`<unk>` is added if missing), or None for a
    small built-in vocabulary.
    """
    if cell not in CELLS:
        raise ModelError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")
    if not (isinstance(hidden, int) and 1 <= hidden <= 4096):
        raise ModelError(f"hidden size must be an integer from 1 to 4096, got {hidden!r}")
    if not (isinstance(embed, int) and 1 <= embed <= 4096):
        raise ModelError(f"embed size must be an integer from 1 to 4096, got {embed!r}")
    if vocab is None:
        vocab = Vocab(DEFAULT_VOCAB)
    elif not isinstance(vocab, Vocab):
        toks = list(vocab)
        vocab = Vocab(toks if UNK in toks else [UNK, *toks])
    if task is None:
        task = "cloze" if bidirectional else "next"
    rng = np.random.default_rng(seed)
    V, E, H = len(vocab), embed, hidden
    D = 2 if bidirectional else 1
    k = 1.0 / np.sqrt(H)
    params = {"embedding.weight": rng.standard_normal((V, E))}
    for name, shape in expected_shapes(cell, bidirectional, V, E, H).items():
        if name.startswith("rnn."):
            params[name] = rng.uniform(-k, k, size=shape)
    kh = 1.0 / np.sqrt(D * H)
    params["head.weight"] = rng.uniform(-kh, kh, size=(V, D * H))
    params["head.bias"] = rng.uniform(-kh, kh, size=(V,))
    if cell == "lstm" and forget_bias:
        for sfx in ["", "_reverse"][:D]:
            params[f"rnn.bias_ih_l0{sfx}"][H : 2 * H] += forget_bias
    return Model(cell, vocab, params, bidirectional, task, nonlinearity)
