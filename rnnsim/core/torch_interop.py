"""`from_torch`: a Model from a practitioner's own PyTorch network, whatever its
submodules are called. The only module of rnnsim that imports torch, and only when called."""

from __future__ import annotations

import numpy as np

from .model import Model, ModelError
from .tokenizer import UNK, Vocab

_CELLS = {"RNN_TANH": ("rnn", "tanh"), "RNN_RELU": ("rnn", "relu"), "LSTM": ("lstm", "tanh"), "GRU": ("gru", "tanh")}


def _one(module, kinds, what: str):
    """(name, submodule) of the only submodule of these types, or a one-line ModelError."""
    found = [(name, m) for name, m in module.named_modules() if isinstance(m, kinds)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ModelError(f"the module has no {what}: rnnsim needs one embedding, one recurrent layer and one head")
    names = ", ".join(name or "(the module itself)" for name, _ in found)
    raise ModelError(f"the module has {len(found)} {what} submodules ({names}): rnnsim needs exactly one")


def from_torch(module, vocab, task: str = "next", labels=None, tokenizer: str = "word") -> Model:
    """A Model with the weights of `module`: an nn.Module holding one nn.Embedding, one
    nn.RNN/LSTM/GRU (any num_layers, either direction, batch_first or not, with or without
    biases) and one nn.Linear head, under any attribute names. vocab: the tokens, index =
    embedding row, with "<unk>". labels: the classes of a classifier (task "classify")."""
    from torch import nn

    if not isinstance(module, nn.Module):
        raise ModelError(f"from_torch needs a torch nn.Module, not {type(module).__name__}")
    _, emb = _one(module, nn.Embedding, "nn.Embedding")
    _, rnn = _one(module, (nn.RNN, nn.LSTM, nn.GRU), "nn.RNN, nn.LSTM or nn.GRU")
    head_name, head = _one(module, nn.Linear, "nn.Linear")
    if getattr(rnn, "proj_size", 0):
        raise ModelError("the LSTM has proj_size > 0; rnnsim does not support proj_size")
    tokens = list(vocab.tokens if isinstance(vocab, Vocab) else vocab)
    if UNK not in tokens:
        raise ModelError(f"the vocabulary must contain {UNK!r} (index = the embedding's row)")
    if len(tokens) != emb.num_embeddings:
        raise ModelError(f"the vocabulary has {len(tokens)} tokens but the embedding has {emb.num_embeddings} rows")
    _check_head(head_name or "the module itself", head.out_features, len(tokens), task, labels)
    cell, nonlinearity = _CELLS[rnn.mode]

    def array(t):
        return t.detach().cpu().double().numpy().copy()

    params = {"embedding.weight": array(emb.weight)}
    params.update({f"rnn.{name}": array(p) for name, p in rnn.named_parameters()})
    params["head.weight"] = array(head.weight)
    params["head.bias"] = array(head.bias) if head.bias is not None else np.zeros(head.out_features)
    if labels is not None and task == "next":
        task = "classify"
    try:
        v = Vocab(tokens, fold_case=tokenizer != "char")
    except ValueError as e:
        raise ModelError(f"the vocabulary: {e}") from None
    return Model(cell, v, params, rnn.bidirectional, task, nonlinearity, {}, labels, tokenizer)


def _check_head(name: str, outputs: int, vocab_size: int, task: str, labels) -> None:
    """The head's outputs against what from_torch was told, in from_torch's own words
    (the file rules would speak of tensor shapes and metadata the caller never wrote)."""
    if labels is not None:
        if len(labels) != outputs:
            raise ModelError(
                f"{len(labels)} labels given, but the head ({name}) has {outputs} outputs: "
                f"give one label per output, in the head's order"
            )
    elif task == "classify":
        raise ModelError(f"task 'classify' needs labels=[...]: one name per output of the head ({name}, {outputs})")
    elif outputs != vocab_size:
        raise ModelError(
            f"the head ({name}) has {outputs} outputs but the vocabulary has {vocab_size} tokens: a next-token "
            f"head scores every token; for a classifier give labels=[...] (one per output)"
        )
