"""Model files of every shape: stacked layers, bias=False, half precision, classifiers and
character tokens. Each rule of the README's model-file table, and each refusal's one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.numpy import save_file

import rnnsim
from rnnsim.core.modelfile import _metadata

from .test_modelfile import refused, write

VOCAB = ["the", "cat", "sat", "."]
LABELS = ["neg", "pos"]


def model(cell="lstm", bidirectional=False, **kw):
    return rnnsim.random_model(cell, vocab=VOCAB, hidden=4, embed=3, bidirectional=bidirectional, **kw)


def params_meta(m):
    return dict(m.params), _metadata(m)


SHAPES = [
    dict(num_layers=3),
    dict(num_layers=2, bidirectional=True, labels=LABELS),
    dict(num_layers=8, cell="gru"),
    dict(bias=False, cell="rnn"),
    dict(bias=False, num_layers=2, bidirectional=True, labels=LABELS),
    dict(bidirectional=True),
    dict(tokenizer="char", labels=["a", "b", "c"]),
    dict(tokenizer="char", cell="gru", num_layers=2),
]


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
def test_save_model_writes_what_load_model_reads(tmp_path, shape, suffix):
    shape = dict(shape)
    m = model(shape.pop("cell", "lstm"), shape.pop("bidirectional", False), seed=2, **shape)
    path = tmp_path / f"m{suffix}"
    rnnsim.save_model(m, path, dtype=np.float64)
    back = rnnsim.load_model(path)
    assert (back.num_layers, back.bias, back.task, back.labels, back.tokenizer, back.vocab) == (
        m.num_layers, m.bias, m.task, m.labels, m.tokenizer, m.vocab,
    )  # fmt: skip
    assert back.params.keys() == m.params.keys()
    for k, v in m.params.items():
        np.testing.assert_array_equal(back.params[k], v)
    text = "The cat sat." if m.tokenizer == "word" else "Tha cat"
    np.testing.assert_array_equal(back.run(text).logits, m.run(text).logits)


def test_layer_k_reads_the_layer_below_both_directions():
    m = model(num_layers=2, bidirectional=True, labels=LABELS)
    assert m.params["rnn.weight_ih_l1"].shape == (16, 8)  # [4H, 2H]: cat(h_fwd, h_rev) of layer 0
    assert m.params["rnn.weight_ih_l1_reverse"].shape == (16, 8)
    assert m.params["head.weight"].shape == (2, 8)  # [C, D*H]


def test_a_missing_layer_tensor_is_named(tmp_path):
    p, meta = params_meta(model(num_layers=3))
    del p["rnn.weight_ih_l1"]
    refused(
        write(tmp_path / "m.safetensors", p, meta),
        r": missing tensor 'rnn\.weight_ih_l1' \(expected shape \[16, 4\]\)$",
    )


def test_no_bias_at_all_means_zero_biases_and_no_bias_parameters(tmp_path):
    p, meta = params_meta(model(num_layers=2))
    p = {k: v for k, v in p.items() if not k.startswith("rnn.bias_")}
    m = rnnsim.load_model(write(tmp_path / "m.safetensors", p, meta))
    assert m.bias is False and not [k for k in m.params if k.startswith("rnn.bias")]
    assert "no biases" in m.describe()
    for layer in range(2):
        w_ih, w_hh, b_ih, b_hh = m.layer_params(layer, "forward")
        assert not b_ih.any() and not b_hh.any() and b_ih.shape == (16,)
    tr = m.run("the cat sat")
    assert not [k for k in tr.grads if k.startswith("rnn.bias")]  # as PyTorch: no bias, no gradient


def test_some_biases_missing_names_them(tmp_path):
    p, meta = params_meta(model(num_layers=2, bidirectional=True, labels=LABELS))
    del p["rnn.bias_ih_l1"], p["rnn.bias_hh_l0_reverse"]
    refused(
        write(tmp_path / "m.safetensors", p, meta),
        r": missing bias tensors 'rnn\.bias_hh_l0_reverse', 'rnn\.bias_ih_l1': a network has every bias or "
        r"none \(bias=False\)$",
    )


@pytest.mark.parametrize("layers", [9, 10])
def test_more_than_eight_layers_refused_naming_the_count(tmp_path, layers):
    p, meta = params_meta(model("rnn"))
    for k in range(1, layers):
        p[f"rnn.weight_hh_l{k}"] = p["rnn.weight_hh_l0"]
    refused(write(tmp_path / "m.safetensors", p, meta), rf": the network has {layers} layers; rnnsim shows 1 to 8")


def test_eight_layers_load(tmp_path):
    path = tmp_path / "m.safetensors"
    rnnsim.save_model(model("gru", num_layers=8), path)
    assert rnnsim.load_model(path).num_layers == 8


def test_proj_size_refused_naming_it(tmp_path):
    p, meta = params_meta(model())
    p["rnn.weight_hr_l0"] = np.zeros((2, 4))
    refused(write(tmp_path / "m.safetensors", p, meta), r"proj_size.*save a network with proj_size=0$")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_every_float_width_loads_and_computes_in_float64(tmp_path, dtype):
    m = model(num_layers=2)
    p, meta = params_meta(m)
    path = tmp_path / "m.safetensors"
    if dtype == "bfloat16":  # NumPy has no bfloat16: write the upper halves of float32 by hand
        from rnnsim.core.modelfile import model_file_bytes

        raw = model_file_bytes(m, np.float32)
        n = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8 : 8 + n])
        body = bytearray()
        for name in sorted(p):
            a, b = header[name]["data_offsets"]
            halves = np.frombuffer(raw[8 + n + a : 8 + n + b], dtype="<u4") >> 16
            header[name]["data_offsets"] = [len(body), len(body) + 2 * halves.size]
            header[name]["dtype"] = "BF16"
            body += halves.astype("<u2").tobytes()
        hb = json.dumps(header).encode()
        hb += b" " * (-len(hb) % 8)
        path.write_bytes(len(hb).to_bytes(8, "little") + hb + bytes(body))
        want = {k: (v.astype(np.float32).view(np.uint32) & 0xFFFF0000).view(np.float32) for k, v in p.items()}
    else:
        save_file({k: v.astype(dtype) for k, v in p.items()}, str(path), metadata=meta)
        want = {k: v.astype(dtype) for k, v in p.items()}
    back = rnnsim.load_model(path)
    for k, v in want.items():
        assert back.params[k].dtype == np.float64
        np.testing.assert_array_equal(back.params[k], v.astype(np.float64))


def test_classify_needs_labels(tmp_path):
    p, meta = params_meta(model(labels=LABELS))
    del meta["rnnsim.labels"]
    refused(write(tmp_path / "m.safetensors", p, meta), r"task 'classify' needs labels \(metadata rnnsim\.labels")


@pytest.mark.parametrize(
    ("labels", "pattern"),
    [
        (json.dumps(["only"]), r"labels must be a list of at least 2 non-empty names$"),
        (json.dumps(["a", "a"]), r"the labels list 'a' twice$"),
        ("[1, 2]", r"metadata 'rnnsim\.labels' must be a JSON list of strings$"),
        ("[oops", r"metadata 'rnnsim\.labels' is not valid JSON"),
    ],
)
def test_bad_labels_refused(tmp_path, labels, pattern):
    p, meta = params_meta(model(labels=LABELS))
    meta["rnnsim.labels"] = labels
    refused(write(tmp_path / "m.safetensors", p, meta), pattern)


def test_classify_head_has_one_row_per_label(tmp_path):
    p, meta = params_meta(model(labels=LABELS))
    meta["rnnsim.labels"] = json.dumps(["a", "b", "c"])
    refused(
        write(tmp_path / "m.safetensors", p, meta),
        r"tensor 'head\.weight' has shape \[2, 4\], expected \[3, 4\] for a lstm with 3 labels",
    )


def test_cloze_over_two_bidirectional_layers_is_refused_saying_why(tmp_path):
    p, meta = params_meta(model(num_layers=2, bidirectional=True, labels=LABELS))
    meta["rnnsim.task"] = "cloze"
    del meta["rnnsim.labels"]
    p["head.weight"], p["head.bias"] = np.zeros((5, 8)), np.zeros(5)
    refused(
        write(tmp_path / "m.safetensors", p, meta),
        r"a 2-layer bidirectional network cannot fill a blank: its second layer at t-1 has already seen "
        r"token t through the first layer's reverse state",
    )


def test_unknown_tokenizer_refused(tmp_path):
    p, meta = params_meta(model())
    meta["rnnsim.tokenizer"] = "bpe"
    refused(write(tmp_path / "m.safetensors", p, meta), r"unknown tokenizer 'bpe': choose one of word, char$")


def test_char_tokenizer_keeps_every_character_as_written():
    m = rnnsim.random_model("gru", vocab=["T", "h", "e", " ", "t"], tokenizer="char", hidden=3, embed=2)
    tr = m.run("The thE!")
    assert tr.tokens == list("The thE!")
    unk = m.vocab.unk_id
    assert [m.vocab.tokens[i] if i != unk else None for i in tr.ids] == ["T", "h", "e", " ", "t", "h", None, None]


def test_a_classifier_is_scored_at_its_label():
    m = model(labels=LABELS, num_layers=2)
    tr = m.run("the cat sat")
    assert tr.logits.shape == tr.probs.shape == (2,)
    assert tr.label == int(np.argmax(tr.probs))  # the predicted label by default
    other = 1 - tr.label
    tr2 = m.run("the cat sat", label=LABELS[other])
    assert tr2.label == other and tr2.loss == pytest.approx(-np.log(tr.probs[other]))
    with pytest.raises(ValueError, match=r"^unknown label 'maybe': choose one of neg, pos$"):
        m.run("the cat sat", label="maybe")
    with pytest.raises(ValueError, match=r"a classifier is scored once, after the last token"):
        m.run("the cat sat", loss=1)
