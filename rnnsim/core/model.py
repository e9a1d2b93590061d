"""A model: tokenizer -> embedding -> a stack of recurrent layers (one or two
directions each) -> a linear head.

Parameters live in a dict under the names a PyTorch module with submodules
`embedding` (nn.Embedding), `rnn` (nn.RNN/LSTM/GRU, any num_layers) and `head`
(nn.Linear) would give them, so model files, gradients and torch speak one language.
The tasks (next, cloze, classify) and what their head reads: see heads.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .cells import CELLS, N_BLOCKS
from .heads import TASKS
from .safe_text import safe_text
from .tokenizer import TOKENIZERS, UNK, Vocab, tokenize

MAX_LAYERS = 8
KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
DEFAULT_VOCAB = (
    UNK, "the", "a", "cat", "dog", "bird", "fish", "sat", "slept", "ran", "ate", "saw",
    "on", "in", "under", "by", "mat", "rug", "bed", "tree", "sofa", "and", "it", "was",
    ".", ",", "?", "!",
)  # fmt: skip


class ModelError(ValueError):
    """A model that cannot be built or loaded; the message says what and how to fix it."""


def tensor_name(kind: str, layer: int, direction: str) -> str:
    """PyTorch's name of a recurrent tensor: rnn.weight_ih_l1_reverse, ..."""
    return f"rnn.{kind}_l{layer}{'_reverse' if direction == 'reverse' else ''}"


def rnn_names(bidirectional: bool, num_layers: int = 1, bias: bool = True) -> list[str]:
    dirs = ("forward", "reverse") if bidirectional else ("forward",)
    kinds = KINDS if bias else KINDS[:2]
    return [tensor_name(kind, k, d) for k in range(num_layers) for d in dirs for kind in kinds]


def expected_shapes(
    cell, bidirectional, vocab_size, embed, hidden, num_layers=1, bias=True, outputs=None
) -> dict[str, tuple[int, ...]]:
    """Every tensor's shape; outputs: the head's rows (the vocabulary size by default)."""
    G = N_BLOCKS[cell] * hidden
    D = 2 if bidirectional else 1
    shapes = {"embedding.weight": (vocab_size, embed)}
    for name in rnn_names(bidirectional, num_layers, bias):
        kind, layer = re.fullmatch(r"rnn\.(\w+?)_l(\d+)(?:_reverse)?", name).groups()
        inputs = embed if layer == "0" else D * hidden
        shapes[name] = {"weight_ih": (G, inputs), "weight_hh": (G, hidden)}.get(kind, (G,))
    rows = vocab_size if outputs is None else outputs
    shapes["head.weight"] = (rows, D * hidden)
    shapes["head.bias"] = (rows,)
    return shapes


def _layer_count(params) -> int:
    """How many layers the tensors describe; a missing layer is found by the shape check."""
    if any(re.fullmatch(r"rnn\.weight_hr_l\d+(_reverse)?", n) for n in params):
        raise ModelError(
            "the network has a projection (weight_hr: nn.LSTM's proj_size); rnnsim does not "
            "support proj_size: save a network with proj_size=0"
        )
    layers = [int(m.group(1)) for n in params if (m := re.fullmatch(r"rnn\.weight_hh_l(\d+)(_reverse)?", n))]
    L = 1 + max(layers, default=0)
    if L > MAX_LAYERS:
        raise ModelError(f"the network has {L} layers; rnnsim shows 1 to {MAX_LAYERS}: save a smaller num_layers")
    return L


def _has_bias(params, bidirectional, L) -> bool:
    """True when every bias is there, False when none is (PyTorch's bias=False)."""
    names = [n for n in rnn_names(bidirectional, L) if "bias" in n]
    missing = [n for n in names if n not in params]
    if missing and len(missing) < len(names):
        raise ModelError(
            f"missing bias tensor{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}: "
            "a network has every bias or none (bias=False)"
        )
    return not missing


def _check_labels(task, labels):
    if task != "classify":
        if labels is not None:
            raise ModelError(f"labels are for task 'classify', not {task!r}")
        return None
    if labels is None:
        raise ModelError("task 'classify' needs labels (metadata rnnsim.labels: a JSON list of names)")
    labels = tuple(labels)
    if len(labels) < 2 or not all(isinstance(x, str) and x for x in labels):
        raise ModelError("labels must be a list of at least 2 non-empty names")
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise ModelError(f"the labels list {dup!r} twice")
    return labels


_CELL_NAMES = {"rnn": "a plain RNN", "lstm": "an LSTM", "gru": "a GRU"}


@dataclass
class Model:
    cell: str
    vocab: Vocab
    params: dict[str, np.ndarray]
    bidirectional: bool = False
    task: str = "next"
    nonlinearity: str = "tanh"  # Elman RNN only
    meta: dict[str, str] = field(default_factory=dict)  # extra metadata, kept on save
    labels: tuple[str, ...] | None = None  # classify: the classes, index = head row
    tokenizer: str = "word"  # word | char

    def __post_init__(self):
        self._check_kind()
        # The sizes come from two tensors: check those first, so every later message is exact.
        for name in ("embedding.weight", "rnn.weight_hh_l0"):
            if name not in self.params:
                raise ModelError(f"missing tensor {name!r}")
            shape = np.shape(self.params[name])
            if len(shape) != 2 or 0 in shape:
                raise ModelError(f"tensor {name!r} has shape {list(shape)}: it must be a non-empty matrix")
        self._check_layout_matches_kind()
        L = _layer_count(self.params)
        if self.task == "cloze" and L > 1:
            raise ModelError(
                f"a {L}-layer bidirectional network cannot fill a blank: its second layer at t-1 has "
                "already seen token t through the first layer's reverse state. Use one layer for cloze"
            )
        embed = self.params["embedding.weight"].shape[1]
        hidden = self.params["rnn.weight_hh_l0"].shape[-1]
        outputs = len(self.labels) if self.labels else None
        shapes = expected_shapes(self.cell, self.bidirectional, len(self.vocab), embed, hidden, L, True, outputs)
        weights_first = sorted(shapes, key=lambda n: ".bias_" in n)  # a missing weight, then the biases
        self.bias = all(n in self.params for n in shapes if ".bias_" not in n) and _has_bias(
            self.params, self.bidirectional, L
        )
        want = {n: shapes[n] for n in weights_first if self.bias or not n.startswith("rnn.bias_")}
        for name, shape in want.items():
            if name not in self.params:
                raise ModelError(f"missing tensor {name!r} (expected shape {list(shape)})")
            got = tuple(self.params[name].shape)
            if got != shape:
                rows = f"{len(self.labels)} labels" if self.labels else f"vocab {len(self.vocab)}"
                raise ModelError(
                    f"tensor {name!r} has shape {list(got)}, expected {list(shape)} for a "
                    f"{self.cell} with {rows}, embed {embed}, hidden {hidden}"
                )
            if not np.all(np.isfinite(self.params[name])):
                raise ModelError(f"tensor {name!r} contains NaN or infinity")
        extra = sorted(set(self.params) - set(want))
        if extra:
            raise ModelError(f"unexpected tensor {extra[0]!r}: this model has no such parameter")
        # Compute in float64 whatever the file held.
        self.params = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in self.params.items()}
        self.num_layers = L

    def _check_layout_matches_kind(self):
        """Tensors of another cell or direction count than the model is said to have (a
        hand-written rnnsim.cell or rnnsim.bidirectional): say which the tensors show,
        before a shape message that names only one matrix."""
        rows, hidden = self.params["rnn.weight_hh_l0"].shape
        blocks = {n: name for name, n in N_BLOCKS.items()}.get(rows // hidden) if rows % hidden == 0 else None
        if blocks is not None and blocks != self.cell:
            raise ModelError(
                f"the tensors are those of {_CELL_NAMES[blocks]} ({rows // hidden} blocks of {hidden} rows in "
                f"'rnn.weight_hh_l0'), but rnnsim.cell says {self.cell!r}"
            )
        if not self.bidirectional and any(name.endswith("_reverse") for name in self.params):
            raise ModelError(
                "the tensors include a reverse direction ('..._reverse'), but rnnsim.bidirectional says "
                '"false": set it to "true"'
            )

    def _check_kind(self):
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
        if self.tokenizer not in TOKENIZERS:
            raise ModelError(f"unknown tokenizer {self.tokenizer!r}: choose one of {', '.join(TOKENIZERS)}")
        self.labels = _check_labels(self.task, self.labels)
        if self.tokenizer == "char" and self.vocab.fold_case:
            self.vocab = Vocab(self.vocab.tokens, fold_case=False)  # characters keep their case

    @property
    def hidden(self) -> int:
        return self.params["rnn.weight_hh_l0"].shape[1]

    @property
    def embed(self) -> int:
        return self.params["embedding.weight"].shape[1]

    @property
    def directions(self) -> tuple[str, ...]:
        return ("forward", "reverse") if self.bidirectional else ("forward",)

    tensor_name = staticmethod(tensor_name)

    def layer_params(self, layer: int, direction: str) -> tuple[np.ndarray, ...]:
        """(W_ih, W_hh, b_ih, b_hh) of one direction of one layer (zero biases when bias=False)."""
        p = self.params
        w_ih, w_hh = (p[tensor_name(k, layer, direction)] for k in KINDS[:2])
        if not self.bias:
            zero = np.zeros(w_hh.shape[0])
            return w_ih, w_hh, zero, zero
        return w_ih, w_hh, p[tensor_name("bias_ih", layer, direction)], p[tensor_name("bias_hh", layer, direction)]

    def direction_params(self, direction: str) -> tuple[np.ndarray, ...]:
        """(W_ih, W_hh, b_ih, b_hh) of one direction of the first layer."""
        return self.layer_params(0, direction)

    def tokenize(self, text) -> list[str]:
        """The tokens of `text` (a string, with this model's tokenizer, or a token list)."""
        toks = tokenize(text, self.tokenizer) if isinstance(text, str) else [str(t) for t in text]
        if not toks:
            raise ValueError("the text has no tokens: give at least one word")
        return toks

    def describe(self) -> str:
        kind = {"rnn": f"Elman RNN ({self.nonlinearity})", "lstm": "LSTM", "gru": "GRU"}[self.cell]
        bi = "bidirectional " if self.bidirectional else ""
        layers = f"{self.num_layers} layers, " if self.num_layers > 1 else ""
        # label names come from a file: made visible, as every word printed is
        task = self.task if self.labels is None else f"classify ({', '.join(map(safe_text, self.labels))})"
        chars = ", character tokens" if self.tokenizer == "char" else ""
        no_bias = ", no biases" if not self.bias else ""
        return (
            f"{bi}{kind}, {layers}hidden {self.hidden}, embed {self.embed}, vocab {len(self.vocab)}, "
            f"task {task}{chars}{no_bias}"
        )

    def copy(self) -> Model:
        return Model(
            self.cell, self.vocab, {k: v.copy() for k, v in self.params.items()},
            self.bidirectional, self.task, self.nonlinearity, dict(self.meta), self.labels, self.tokenizer,
        )  # fmt: skip

    def forget_bias(self) -> float | None:
        """Mean of b_ih + b_hh over the first layer's LSTM forget-gate rows (None for other cells)."""
        if self.cell != "lstm":
            return None
        H = self.hidden
        _, _, b_ih, b_hh = self.direction_params("forward")
        return float(np.mean(b_ih[H : 2 * H] + b_hh[H : 2 * H]))

    def run(self, text, loss="all", label=None, surgery=None):
        """Forward over `text` (a string or a token list) and, unless loss is None,
        BPTT. loss: "all" (sum of cross-entropy over every scored position),
        "last" (only the last scored position), or an int position. A classifier is
        scored once, at its label: `label` (a name or an index; by default the predicted one).
        surgery: a core.surgery.Surgery (pinned gates, knocked-out units, W_hh scaled, clip)."""
        from .network import run

        if surgery is None:
            return run(self, text, loss=loss, label=label)
        return run(self, text, loss=loss, label=label, surgery=surgery)

    def generate(self, prompt, tokens: int = 20, temperature: float = 1.0, seed: int | None = 0, stop=None):
        """Continue `prompt` by up to `tokens` sampled tokens (T = 0: greedy); see generate.py."""
        from .generate import generate

        return generate(self, prompt, tokens=tokens, temperature=temperature, seed=seed, stop=stop)

    def stepper(self, text, surgery=None):
        """A Stepper that advances this model one token at a time over `text`."""
        from .network import Stepper

        return Stepper(self, text) if surgery is None else Stepper(self, text, surgery)


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
    *,
    num_layers: int = 1,
    labels=None,
    bias: bool = True,
    tokenizer: str = "word",
) -> Model:
    """A seeded, PyTorch-initialised model.

    Every recurrent and head weight is U(-1/sqrt(H), 1/sqrt(H)) (head: 1/sqrt(fan_in)),
    the embedding N(0, 1), as torch initialises them. `forget_bias` is *added* to the
    LSTM forget-gate rows of b_ih (every layer), so 0 reproduces PyTorch's initialisation
    exactly; 1 keeps ~73% of the old cell per step at the start instead of ~50%.
    vocab: a Vocab, a list of tokens (`<unk>` is added if missing), or None for a
    small built-in vocabulary. labels: the classes of task classify (the default task
    when labels are given).
    """
    if cell not in CELLS:
        raise ModelError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")
    if not (isinstance(hidden, int) and 1 <= hidden <= 4096):
        raise ModelError(f"hidden size must be an integer from 1 to 4096, got {hidden!r}")
    if not (isinstance(embed, int) and 1 <= embed <= 4096):
        raise ModelError(f"embed size must be an integer from 1 to 4096, got {embed!r}")
    if not (isinstance(num_layers, int) and 1 <= num_layers <= MAX_LAYERS):
        raise ModelError(f"the number of layers must be a whole number from 1 to {MAX_LAYERS}, got {num_layers!r}")
    if vocab is None:
        vocab = Vocab(DEFAULT_VOCAB)
    elif not isinstance(vocab, Vocab):
        toks = list(vocab)
        vocab = Vocab(toks if UNK in toks else [UNK, *toks])
    if task is None:
        task = "classify" if labels is not None else "cloze" if bidirectional else "next"
    rng = np.random.default_rng(seed)
    V, E, H = len(vocab), embed, hidden
    D = 2 if bidirectional else 1
    k = 1.0 / np.sqrt(H)
    params = {"embedding.weight": rng.standard_normal((V, E))}
    for name, shape in expected_shapes(cell, bidirectional, V, E, H, num_layers, bias).items():
        if name.startswith("rnn."):
            params[name] = rng.uniform(-k, k, size=shape)
    rows = V if labels is None else len(labels)
    kh = 1.0 / np.sqrt(D * H)
    params["head.weight"] = rng.uniform(-kh, kh, size=(rows, D * H))
    params["head.bias"] = rng.uniform(-kh, kh, size=(rows,))
    if cell == "lstm" and forget_bias and bias:
        for name in rnn_names(bidirectional, num_layers):
            if ".bias_ih_" in name:
                params[name][H : 2 * H] += forget_bias
    return Model(cell, vocab, params, bidirectional, task, nonlinearity, {}, labels, tokenizer)
