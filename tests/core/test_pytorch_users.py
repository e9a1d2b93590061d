"""A practitioner's own PyTorch network: the README's saving code gives a file rnnsim
loads and runs exactly as torch does, also when the submodules have other names; a
multi-layer network loads too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import rnnsim
from rnnsim.core.model import ModelError
from tests.torch_required import import_torch

torch = import_torch("these tests save real PyTorch networks")
from torch import nn  # noqa: E402

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
VOCAB = ["<unk>", "the", "cat", "sat", "on", "mat", "."]
TEXT = "the cat sat on the mat ."


def saving_snippets() -> list[str]:
    """The README's PyTorch code blocks that save a model file, in order."""
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    return [b for b in blocks if "save_file(" in b and "net.state_dict()" in b]


class UserNet(nn.Module):
    """Someone's own next-word model: their names, not rnnsim's."""

    def __init__(self, layers=1, bidirectional=False):
        super().__init__()
        torch.manual_seed(3)
        self.emb = nn.Embedding(len(VOCAB), 5)
        self.lstm = nn.LSTM(5, 6, num_layers=layers, bidirectional=bidirectional)
        self.fc = nn.Linear(6 * (2 if bidirectional else 1), len(VOCAB))

    def forward(self, ids):
        out, _ = self.lstm(self.emb(ids))
        return self.fc(out)


def torch_logits(net) -> np.ndarray:
    ids = torch.tensor([VOCAB.index(w) for w in TEXT.split()])
    with torch.no_grad():
        return net(ids).double().numpy()


def test_the_readme_shows_the_plain_and_the_renaming_save():
    snippets = saving_snippets()
    assert len(snippets) == 2
    assert "rename" in snippets[1] and "metadata=meta" in snippets[1]


def test_the_readme_code_saves_a_user_network_that_rnnsim_runs_like_torch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plain, renaming = saving_snippets()
    net = UserNet()
    namespace = {"net": net, "vocab": VOCAB}
    exec(compile(plain, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    with pytest.raises(ModelError) as info:
        rnnsim.load_model("net.safetensors")
    assert "rename this file's when saving: emb -> embedding, lstm -> rnn, fc -> head" in str(info.value)

    exec(compile(renaming, "README.md", "exec"), namespace)  # noqa: S102
    model = rnnsim.load_model("net.safetensors")
    trace = model.run(TEXT)
    np.testing.assert_allclose(trace.logits, torch_logits(net), rtol=0, atol=1e-5)  # float32 file


def test_the_renames_are_found_for_a_bidirectional_network(tmp_path):
    from safetensors.torch import save_file

    net = UserNet(bidirectional=True)
    meta = {"rnnsim.cell": "lstm", "rnnsim.bidirectional": "true", "rnnsim.vocab": json.dumps(VOCAB)}
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(tmp_path / "bi.safetensors"),
              metadata=meta)  # fmt: skip
    with pytest.raises(ModelError, match="emb -> embedding, lstm -> rnn, fc -> head"):
        rnnsim.load_model(tmp_path / "bi.safetensors")


def test_a_two_layer_network_saved_as_the_readme_says_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, renaming = saving_snippets()
    meta = {"rnnsim.cell": "lstm", "rnnsim.bidirectional": "false", "rnnsim.vocab": json.dumps(VOCAB)}
    from safetensors.torch import save_file

    net = UserNet(layers=2)
    exec(compile(renaming, "README.md", "exec"), {"net": net, "meta": meta, "save_file": save_file})  # noqa: S102
    model = rnnsim.load_model("net.safetensors")
    assert model.num_layers == 2
    np.testing.assert_allclose(model.run(TEXT).logits, torch_logits(net), rtol=0, atol=1e-5)  # float32 file
