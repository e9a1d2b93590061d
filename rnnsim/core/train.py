"""Training: minibatch BPTT with Adam and gradient-norm clipping, in NumPy.

    import rnnsim
    result = rnnsim.train("corpus.txt", cell="lstm", hidden=32, embed=16, epochs=20, seed=0)
    result.model.run("The cat sat on the")      # the trained Model
    result.history[-1].heldout_loss             # one EpochRecord per epoch

The pieces: corpus.py (the corpus, the held-out split, the vocabulary), minibatch.py (the
padded forward and backward over a batch), optim.py (Adam, gradient-norm clipping),
trainer.py (the training loop and its records); this module holds the rules, `train` and
the untrained model it starts from, and re-exports the pieces' public names.

Decisions (where the issue was silent):

Corpus
  A UTF-8 text file (a BOM is allowed), one sentence per line; blank lines are skipped.
  Every line is tokenized like everything else (`tokenize`) and lower-cased. Refused
  with a `CorpusError` that says why: a missing file, a directory, a binary file (a NUL
  byte, or more than 1% control characters), bytes that are not UTF-8 (the offset is
  given), no words at all, or (task next) no line of two or more tokens. Tokenizer "char":
  every character is a token, as written. Task classify: every line is label<TAB>text (a
  line without a tab, a label or a text is refused with its number), at least two labels;
  each line is one sequence, read whole (never cut at bptt), scored once at its label.
Held-out part
  A fraction `holdout` (default 0.1) of the lines, evenly spaced (with 0.1: lines 10,
  20, 30, ... counting non-blank lines from 1), never trained on, whatever the seed.
  A corpus too small to spare a line (or holdout=0) is evaluated on its training lines,
  and the summary says so.
Vocabulary
  Built from the training lines only: `<unk>` first, then every lower-cased token seen at
  least `min_count` times (default 1), in order of first appearance. Rarer tokens, and
  held-out words never seen in training, become `<unk>`.
Sequences and state
  Each line is a sequence of its own: the state starts at zero at every line, as
  `model.run` does. A line longer than `bptt` tokens (default 64) is cut into chunks of
  `bptt` tokens. Task next: the state is carried from one chunk to the next (truncated
  BPTT: gradients stop at the chunk boundary, the state does not), and the last token of
  a chunk is scored against the first of the next. Every first chunk of an epoch is
  trained before any second chunk, so the carried state is never stale by more than the
  batches in between. Task cloze (bidirectional): the chunks are independent sequences,
  since the reverse direction cannot be carried forward in time.
Loss
  Cross-entropy, averaged over the scored positions of a batch (per token, in nats), so
  the learning rate does not depend on the batch size. (`model.run` reports the sum.)
  Task next scores every position but the last of a line; task cloze scores every
  position (the head never sees the word it predicts).
Batches
  `batch_size` sequences (default 32) in a seeded random order, padded to the longest;
  padding is masked out exactly (the state is held, nothing is scored), so a batch's
  gradient is exactly the sum of `model.run`'s gradients of its sequences, divided by the
  number of scored tokens (a test proves it).
Optimiser
  Adam as torch.optim.Adam computes it (betas 0.9, 0.999, eps 1e-8, no weight decay),
  after clipping the global gradient norm of the per-token gradient to `clip` (default
  1; torch's clip_grad_norm_: scale by clip / (norm + 1e-6) when the norm exceeds clip;
  0 = off).
Initialisation
  `random_model(cell, ..., seed=seed)` plus `forget_bias` added to the bias of the gate
  that keeps the old state: the LSTM's forget gate f (default +1: DESIGN.md measures
  gradients surviving ~0.77x per step instead of ~0.59x) or the GRU's update gate z
  (h' = (1-z)*n + z*h; default 0, PyTorch's). The Elman RNN has no such gate.
Determinism
  Same corpus, options and seed give the same weights bit for bit with the same
  NumPy/BLAS build and BLAS thread count (OpenBLAS sums some products in another order
  with more threads): one seeded generator for the initialisation, another for the
  batch order, no clock in the maths. scripts/make_models.py fixes one thread. `modelfile.save_model` writes a
  safetensors file with sorted metadata, so the file's bytes are reproducible too.
Best model and stopping
  After every epoch the model is evaluated on the held-out part; the epoch with the
  lowest held-out loss is kept, and that is the model returned. KeyboardInterrupt
  (Ctrl-C) or `StopTraining`, raised anywhere in training or by the callback, stops
  cleanly: the result has `interrupted=True` and the best model so far (if no epoch
  finished yet, the current weights, evaluated at once: on the held-out lines in order
  until INTERRUPT_EVAL_LOGITS logits are computed, which is all of an ordinary held-out
  part but only the first two dozen tokens over a 200,000-word vocabulary, so the
  interrupt answers in under a second; `heldout_partial` then says how many tokens were
  scored, and the next finished epoch replaces these figures). A second Ctrl-C during that
  evaluation skips it: the weights are still kept, with no figures (`heldout_partial` is
  (0, total), the loss and accuracy NaN, and the model's metadata has no held-out loss).
Progress
  `callback(event)` after every batch (`event.kind == "batch"`) and every epoch
  ("epoch"), with the loss, tokens/s and, for epochs, the held-out figures;
  `event.trainer.current_model()` gives a copy of the model as it is now. No screen
  library is imported here: the command line draws the progress bar (cli_train.py).
"""

from __future__ import annotations

from collections.abc import Callable

from .corpus import Corpus, CorpusError, _as_corpus, build_vocab, read_corpus
from .minibatch import Batch, batch_loss_and_grads, make_batch
from .model import Model, random_model
from .optim import Adam, clip_grad_norm
from .tokenizer import Vocab
from .trainer import EpochRecord, Progress, StopTraining, TrainConfig, Trainer, TrainResult

__all__ = [
    "DEFAULT_FORGET_BIAS", "EpochRecord", "Progress", "StopTraining", "TrainConfig", "TrainResult",
    "Trainer", "model_for", "new_model", "train",
    # re-exported from corpus.py, minibatch.py, optim.py and trainer.py, for callers of rnnsim.core.train
    "Adam", "Batch", "Corpus", "CorpusError", "batch_loss_and_grads", "build_vocab", "clip_grad_norm",
    "make_batch", "read_corpus",
]  # fmt: skip

DEFAULT_FORGET_BIAS = {"lstm": 1.0, "gru": 0.0}


def train(
    corpus,
    cell: str = "lstm",
    *,
    bidirectional: bool = False,
    hidden: int = 32,
    embed: int = 16,
    epochs: int = 20,
    lr: float = 0.01,
    batch_size: int = 32,
    bptt: int = 64,
    clip: float = 1.0,
    seed: int = 0,
    forget_bias: float | None = None,
    min_count: int = 1,
    holdout: float = 0.1,
    nonlinearity: str = "tanh",
    model: Model | None = None,
    callback: Callable[[Progress], object] | None = None,
    num_layers: int = 1,
    task: str | None = None,
    tokenizer: str = "word",
) -> TrainResult:
    """Train a model on a corpus (a file path, a list of sentences, or a Corpus) and
    return a TrainResult: `.model` (the best epoch's), `.history`, the held-out figures.

    A bidirectional model learns the cloze task; a one-directional one the next word.
    `forget_bias` is added at initialisation to the LSTM's forget-gate bias (None: 1.0)
    or the GRU's update-gate bias (None: 0). `model`: continue training this model instead of a new one (cell,
    sizes, vocabulary and task come from it). task "classify" reads label<TAB>text lines;
    tokenizer "char" reads characters. See the module docstring for the rules."""
    cfg = TrainConfig(epochs, lr, batch_size, bptt, clip, seed, holdout, min_count)
    cfg.check()
    if model is not None:
        task, tokenizer = model.task, model.tokenizer
    corp = _as_corpus(corpus, tokenizer, classify=task == "classify")
    if model is None:
        model = model_for(
            corp, cfg, cell, hidden=hidden, embed=embed, bidirectional=bidirectional, seed=seed,
            forget_bias=forget_bias, nonlinearity=nonlinearity, num_layers=num_layers, task=task,
        )  # fmt: skip
    return Trainer(model, corp, cfg, callback).run()


def model_for(corpus: Corpus, config: TrainConfig, cell: str, **kw) -> Model:
    """The untrained model for this corpus: its vocabulary from the training lines, its
    labels (classify) in order of first appearance, its tokenizer."""
    train_idx, _ = corpus.split(config.holdout)
    vocab = build_vocab((corpus.sentences[i] for i in train_idx), config.min_count)
    labels = corpus.label_names() if corpus.labels is not None else None
    return new_model(cell, vocab, labels=labels, tokenizer=corpus.tokenizer, **kw)


def new_model(
    cell: str,
    vocab: Vocab,
    *,
    hidden: int = 32,
    embed: int = 16,
    bidirectional: bool = False,
    seed: int = 0,
    forget_bias: float | None = None,
    nonlinearity: str = "tanh",
    num_layers: int = 1,
    task: str | None = None,
    labels=None,
    tokenizer: str = "word",
) -> Model:
    """The untrained model `train` starts from: `random_model` with the forget bias
    (LSTM: forget gate, default 1.0; GRU: update gate z, default 0) added to b_ih of every layer."""
    if forget_bias is None:
        forget_bias = DEFAULT_FORGET_BIAS.get(cell, 0.0)
    model = random_model(
        cell, vocab=vocab, hidden=hidden, embed=embed, bidirectional=bidirectional, seed=seed,
        forget_bias=forget_bias if cell == "lstm" else 0.0, nonlinearity=nonlinearity, task=task,
        num_layers=num_layers, labels=labels, tokenizer=tokenizer,
    )  # fmt: skip
    if cell == "gru" and forget_bias:
        H = model.hidden
        for k in range(model.num_layers):
            for d in model.directions:
                model.params[model.tensor_name("bias_ih", k, d)][H : 2 * H] += forget_bias
    if cell in ("lstm", "gru"):
        model.meta["train.forget_bias"] = repr(float(forget_bias))
    return model
