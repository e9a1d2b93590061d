"""rnnsim.from_torch: any nn.Module with one embedding, one recurrent layer and one linear
head, whatever their names, nesting or batch_first, becomes a Model that computes what
the module computes; what it cannot use is refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

import rnnsim
from rnnsim.core.model import ModelError
from tests.torch_required import import_torch

torch = import_torch("from_torch converts torch modules")
from torch import nn  # noqa: E402

VOCAB = ["<unk>", "the", "cat", "sat", "on", "mat", "."]
TEXT = "the cat sat on the mat ."


class Tagger(nn.Module):
    """A practitioner's network: their names, their layout."""

    def __init__(self, kind=nn.LSTM, layers=1, bidirectional=False, outputs=7, batch_first=False, bias=True, E=5, H=6):
        super().__init__()
        torch.manual_seed(7)
        self.tok_emb = nn.Embedding(len(VOCAB), E)
        self.encoder = nn.ModuleDict(
            {"seq": kind(E, H, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)}
        )
        self.classifier = nn.Linear(H * (2 if bidirectional else 1), outputs)
        self.dropout = nn.Dropout(0.1)
        self.batch_first = batch_first

    def states(self, ids):
        x = self.tok_emb(ids)[:, None] if not self.batch_first else self.tok_emb(ids)[None]
        out, _ = self.encoder["seq"](x)
        return out[:, 0] if not self.batch_first else out[0]


def ids_of(text):
    return torch.tensor([VOCAB.index(w) for w in text.split()])


@pytest.mark.parametrize(
    ("kind", "layers", "batch_first", "bias"),
    [(nn.LSTM, 2, False, True), (nn.GRU, 3, True, False), (nn.RNN, 1, False, True)],
    ids=["lstm-2", "gru-3-batch-first-nobias", "rnn"],
)
def test_next_word_model_matches_the_module(kind, layers, batch_first, bias):
    net = Tagger(kind, layers, batch_first=batch_first, bias=bias).double().eval()
    model = rnnsim.from_torch(net, VOCAB)
    assert (model.num_layers, model.bias, model.task) == (layers, bias, "next")
    ids = ids_of(TEXT)
    net.zero_grad()
    h = net.states(ids)
    logits = net.classifier(h)
    loss = nn.functional.cross_entropy(logits[:-1], ids[1:], reduction="sum")
    loss.backward()
    tr = model.run(TEXT)
    np.testing.assert_allclose(tr.forward.h, h.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tr.logits, logits.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert tr.loss == pytest.approx(loss.item(), rel=1e-10)
    np.testing.assert_allclose(tr.grads["embedding.weight"], net.tok_emb.weight.grad.numpy(), atol=1e-10)
    for name, p in net.encoder["seq"].named_parameters():
        np.testing.assert_allclose(tr.grads[f"rnn.{name}"], p.grad.numpy(), atol=1e-10, err_msg=name)


def test_a_bidirectional_classifier():
    net = Tagger(nn.GRU, 2, bidirectional=True, outputs=2).double().eval()
    model = rnnsim.from_torch(net, VOCAB, labels=["neg", "pos"])
    assert model.task == "classify" and model.labels == ("neg", "pos") and model.bidirectional
    out = net.states(ids_of(TEXT))
    h_n = torch.cat([out[-1, :6], out[0, 6:]])
    want = net.classifier(h_n).detach().numpy()
    np.testing.assert_allclose(model.run(TEXT).logits, want, rtol=1e-10, atol=1e-12)


def test_a_float32_module_is_read_in_float64():
    net = Tagger()
    model = rnnsim.from_torch(net, VOCAB)
    assert model.params["rnn.weight_hh_l0"].dtype == np.float64
    np.testing.assert_array_equal(model.params["head.weight"], net.classifier.weight.detach().double().numpy())


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(len(VOCAB), 3)
        self.rnn = nn.LSTM(3, 4)
        self.fc1, self.fc2 = nn.Linear(4, 4), nn.Linear(4, len(VOCAB))


class NoEmbedding(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.fc = nn.GRU(3, 4), nn.Linear(4, len(VOCAB))


class Projected(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb, self.rnn, self.fc = nn.Embedding(len(VOCAB), 3), nn.LSTM(3, 4, proj_size=2), nn.Linear(2, 7)


@pytest.mark.parametrize(
    ("net", "vocab", "message"),
    [
        (TwoHeads(), VOCAB, r"^the module has 2 nn\.Linear submodules \(fc1, fc2\): rnnsim needs exactly one$"),
        (NoEmbedding(), VOCAB, r"^the module has no nn\.Embedding: rnnsim needs one embedding, one recurrent"),
        (Projected(), VOCAB, r"^the LSTM has proj_size > 0; rnnsim does not support proj_size$"),
        (Tagger(), VOCAB[:-1], r"^the vocabulary has 6 tokens but the embedding has 7 rows$"),
        (Tagger(), ["a", *VOCAB[1:]], r"^the vocabulary must contain '<unk>'"),
        (Tagger(bidirectional=True), VOCAB, r"bidirectional model cannot predict the next word"),
        ("not a module", VOCAB, r"^from_torch needs a torch nn\.Module, not str$"),
    ],
    ids=["two-linear", "no-embedding", "proj-size", "vocab-size", "no-unk", "bi-next", "not-a-module"],
)
def test_what_cannot_be_used_is_named_in_one_line(net, vocab, message):
    with pytest.raises(ModelError, match=message) as info:
        rnnsim.from_torch(net, vocab)
    assert "\n" not in str(info.value)


def test_the_readme_example_runs(tmp_path, monkeypatch):
    """The README's four lines: a practitioner's own model, saved for the screen."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "from_torch" in b)
    assert len(block.strip().splitlines()) <= 4
    monkeypatch.chdir(tmp_path)
    net = Tagger()
    exec(compile(block, "README.md", "exec"), {"net": net, "vocab": VOCAB})  # noqa: S102 - our own documentation
    model = rnnsim.load_model("net.safetensors")
    np.testing.assert_allclose(
        model.run(TEXT).logits, net.classifier(net.states(ids_of(TEXT))).detach().numpy(), atol=1e-5
    )  # a float32 file


class Renamed(nn.Module):
    """The same submodules under rnnsim's names, for the unrolled torch reference."""

    def __init__(self, net):
        super().__init__()
        self.embedding, self.rnn, self.head = net.tok_emb, net.encoder["seq"], net.classifier


@pytest.mark.parametrize(
    ("kind", "cell", "layers", "bidirectional", "task"),
    [(nn.LSTM, "lstm", 3, False, "next"), (nn.GRU, "gru", 2, True, "classify"), (nn.RNN, "rnn", 2, False, "classify")],
    ids=["lstm-3-next", "gru-2-bi-classify", "rnn-2-classify"],
)
def test_every_layer_matches_torch(kind, cell, layers, bidirectional, task):
    """States, gates, logits, loss and each layer's total dL/dh, dL/dc to 1e-8, as for model files."""
    from .test_torch_stacks import LABELS, WORD_TEXT, WORD_VOCAB, E, H, check

    assert WORD_VOCAB == VOCAB
    outputs = len(LABELS) if task == "classify" else len(VOCAB)
    net = Tagger(kind, layers, bidirectional, outputs, batch_first=True, E=E, H=H).double()
    with torch.no_grad():
        for p in net.encoder.parameters():
            p.mul_(2.0)
    model = rnnsim.from_torch(net, VOCAB, labels=LABELS if task == "classify" else None)
    check(model, Renamed(net), cell, layers, bidirectional, task, WORD_TEXT)


@pytest.mark.parametrize(
    ("outputs", "kw", "message"),
    [
        (2, {}, r"^the head \(classifier\) has 2 outputs but the vocabulary has 7 tokens: a next-token head scores "
         r"every token; for a classifier give labels=\[\.\.\.\] \(one per output\)$"),
        (2, {"task": "classify"}, r"^task 'classify' needs labels=\[\.\.\.\]: one name per output of the head "
         r"\(classifier, 2\)$"),
        (2, {"labels": ["neg", "neu", "pos"]}, r"^3 labels given, but the head \(classifier\) has 2 outputs: give one "
         r"label per output, in the head's order$"),
    ],
    ids=["classifier-without-labels", "classify-without-labels", "labels-miscounted"],
)  # fmt: skip
def test_a_head_that_does_not_fit_is_named_in_from_torchs_words(outputs, kw, message):
    # These were refused in the model file's terms ("tensor 'head.weight' has shape [2, 6],
    # expected [7, 6]", "metadata rnnsim.labels"), words a from_torch caller never wrote.
    with pytest.raises(ModelError, match=message):
        rnnsim.from_torch(Tagger(outputs=outputs), VOCAB, **kw)
