"""Model files: round trips, atomic writes, and every refusal with its message."""

from __future__ import annotations

import json
import os
import pickle
import re
import stat

import numpy as np
import pytest
from safetensors.numpy import save_file

import rnnsim
from rnnsim import ModelError, load_model, save_model
from rnnsim.core import modelfile
from rnnsim.core.modelfile import META_KEY, _metadata
from tests.torch_required import import_torch

VOCAB = ["the", "cat", "sat", "."]


def small(cell="lstm", bidirectional=False, **kw):
    return rnnsim.random_model(cell, vocab=VOCAB, hidden=4, embed=3, bidirectional=bidirectional, **kw)


def write(path, params, meta):
    save_file({k: np.require(v, requirements="C") for k, v in params.items()}, str(path), metadata=meta)
    return path


def refused(path, pattern):
    with pytest.raises(ModelError) as info:
        load_model(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: "), msg
    assert msg.count(f"{path}:") == 1, f"path repeated: {msg}"
    assert "\n" not in msg
    assert re.search(pattern, msg), msg
    return msg


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "cell,bidirectional,nonlinearity",
    [("lstm", False, "tanh"), ("gru", True, "tanh"), ("rnn", False, "relu"), ("rnn", True, "tanh")],
)
def test_round_trip(tmp_path, suffix, dtype, cell, bidirectional, nonlinearity):
    model = small(cell, bidirectional, nonlinearity=nonlinearity, seed=7)
    model.meta["author"] = "tests ✓"
    path = tmp_path / f"model{suffix}"
    save_model(model, path, dtype=dtype)
    back = load_model(path)
    assert (back.cell, back.bidirectional, back.task, back.nonlinearity) == (
        model.cell, model.bidirectional, model.task, model.nonlinearity,
    )  # fmt: skip
    assert back.vocab == model.vocab
    assert back.meta == {"author": "tests ✓"}
    assert set(back.params) == set(model.params)
    for name, p in model.params.items():
        assert back.params[name].dtype == np.float64
        np.testing.assert_array_equal(back.params[name], p.astype(dtype).astype(np.float64))
    if dtype == np.float64:
        text = "the cat sat on the mat ."
        a, b = model.run(text), back.run(text)
        assert a.loss == b.loss
        np.testing.assert_array_equal(a.logits, b.logits)


def test_unicode_vocab_round_trip(tmp_path):
    toks = ["<unk>", "猫", "😀", "[bold]x[/]", "naïve", '"quoted"', "\\"]
    model = rnnsim.random_model("gru", vocab=toks, hidden=3, embed=2)
    for suffix in (".safetensors", ".npz"):
        save_model(model, tmp_path / f"m{suffix}")
        assert load_model(tmp_path / f"m{suffix}").vocab.tokens == tuple(toks)


def test_npz_is_plain_arrays(tmp_path):
    """The .npz holds the PyTorch names and a JSON string, loadable with allow_pickle=False."""
    model = small("gru")
    save_model(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        assert set(z.files) == set(model.params) | {META_KEY}
        meta = json.loads(str(z[META_KEY]))
    assert meta["rnnsim.cell"] == "gru" and json.loads(meta["rnnsim.vocab"])[0] == "<unk>"


def test_safetensors_metadata(tmp_path):
    from safetensors import safe_open

    model = small("rnn", nonlinearity="relu")
    save_model(model, tmp_path / "m.safetensors")
    with safe_open(str(tmp_path / "m.safetensors"), framework="numpy") as f:
        meta = f.metadata()
        assert f.get_tensor("rnn.weight_hh_l0").dtype == np.float32  # the default
    assert meta == {
        "rnnsim.cell": "rnn", "rnnsim.bidirectional": "false", "rnnsim.task": "next",
        "rnnsim.vocab": json.dumps(["<unk>", *VOCAB]), "rnnsim.nonlinearity": "relu",
    }  # fmt: skip


def test_header_length_that_looks_like_a_pickle(tmp_path):
    """A valid safetensors file whose 8-byte header length starts b'\\x80\\x02'..b'\\x80\\x05'
    (a 640, 896, 1152 or 1408-byte header) was refused as a pickle."""
    model = small("lstm")
    path = tmp_path / "m.safetensors"
    hit = set()
    for pad in range(1200):
        model.meta["pad"] = "x" * pad
        save_model(model, path)
        if path.read_bytes()[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):
            hit.add(path.read_bytes()[:2])
            assert load_model(path).meta["pad"] == "x" * pad
            if len(hit) == 2:
                break
    assert len(hit) == 2  # the test really produced such headers


def test_new_file_gets_the_usual_mode(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    save_model(small(), tmp_path / "m.safetensors")
    assert stat.S_IMODE(os.stat(tmp_path / "m.safetensors").st_mode) == 0o666 & ~umask


# ---------------------------------------------------------------- atomic writes


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
@pytest.mark.parametrize("fail_at", ["fsync", "replace"])
def test_failed_write_leaves_nothing(tmp_path, monkeypatch, suffix, fail_at):
    path = tmp_path / f"model{suffix}"

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(modelfile.os, fail_at, boom)
    with pytest.raises(OSError, match="No space left"):
        save_model(small(), path)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    save_model(small(seed=1), path)
    before = path.read_bytes()
    monkeypatch.setattr(modelfile.os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError, match="disk gone"):
        save_model(small(seed=2), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_overwrite(tmp_path):
    path = tmp_path / "model.safetensors"
    save_model(small(seed=1), path)
    save_model(small(seed=2), path, dtype=np.float64)
    np.testing.assert_array_equal(load_model(path).params["head.bias"], small(seed=2).params["head.bias"])
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


# ---------------------------------------------------------------- not a model file


def test_missing_file(tmp_path):
    refused(tmp_path / "nope.safetensors", r": no such file$")


def test_directory(tmp_path):
    (tmp_path / "d.safetensors").mkdir()
    refused(tmp_path / "d.safetensors", r"is a directory, not a model file")


@pytest.mark.parametrize("keep", [0, 5, 8, 100, -1])
def test_truncated_safetensors(tmp_path, keep):
    save_model(small(), tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    (tmp_path / "t.safetensors").write_bytes(data[:keep] if keep >= 0 else data[:-10])
    refused(tmp_path / "t.safetensors", r"not a valid safetensors file \(.+\)")


@pytest.mark.parametrize(
    "data",
    [b"hello, this is a text file\n", bytes(range(256)) * 4, b"\x00" * 64, b"{}", "ünïcode".encode()],
    ids=["text", "bytes", "zeros", "json", "utf8"],
)
def test_garbage(tmp_path, data):
    (tmp_path / "g.safetensors").write_bytes(data)
    refused(tmp_path / "g.safetensors", r"not a valid safetensors file")


PICKLE_ADVICE = r"PyTorch pickle \(torch\.save\); rnnsim never loads pickles\. Save with safetensors"


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_raw_pickle(tmp_path, protocol):
    (tmp_path / "m.pkl").write_bytes(pickle.dumps({"embedding.weight": [[1.0]]}, protocol=protocol))
    refused(tmp_path / "m.pkl", PICKLE_ADVICE)


@pytest.mark.parametrize("name", ["model.pt", "model.safetensors", "model.npz"])
@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_torch_save(tmp_path, name, zipped):
    torch = import_torch("cannot write a torch.save file")
    sd = {"embedding.weight": torch.zeros(3, 2)}
    torch.save(sd, tmp_path / name, _use_new_zipfile_serialization=zipped)
    refused(tmp_path / name, PICKLE_ADVICE)


def test_npz_object_array(tmp_path):
    np.savez(tmp_path / "m.npz", **small().params, junk=np.array([{"a": 1}], dtype=object))
    refused(tmp_path / "m.npz", r"the \.npz holds object arrays or a pickle, which rnnsim refuses")


def test_npz_without_metadata(tmp_path):
    np.savez(tmp_path / "m.npz", **small().params)
    refused(tmp_path / "m.npz", r"the \.npz has no '__metadata__' entry holding the rnnsim metadata")


def test_npz_bad_metadata(tmp_path):
    np.savez(tmp_path / "a.npz", **small().params, __metadata__=np.array("{not json"))
    refused(tmp_path / "a.npz", r"'__metadata__' is not valid JSON")
    np.savez(tmp_path / "b.npz", **small().params, __metadata__=np.array('{"rnnsim.cell": 3}'))
    refused(tmp_path / "b.npz", r"'__metadata__' must be a JSON object of strings")


def test_npz_corrupt(tmp_path):
    save_model(small(), tmp_path / "m.npz")
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "t.npz").write_bytes(data[: len(data) // 2])
    refused(tmp_path / "t.npz", r"not a readable \.npz file|not a valid")


# ---------------------------------------------------------------- tensors


def params_meta(model=None):
    model = model or small()
    return dict(model.params), _metadata(model)


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_missing_tensor(tmp_path, suffix):
    model = small()
    del model.params["rnn.bias_hh_l0"]
    path = tmp_path / f"m{suffix}"
    if suffix == ".npz":
        np.savez(path, **model.params, __metadata__=np.array(json.dumps(_metadata(model))))
    else:
        write(path, model.params, _metadata(model))
    refused(path, r"missing bias tensor 'rnn\.bias_hh_l0': a network has every bias or none \(bias=False\)$")


@pytest.mark.parametrize("name", ["embedding.weight", "rnn.weight_hh_l0"])
def test_missing_core_tensor_named_exactly(tmp_path, name):
    p, m = params_meta()
    del p[name]
    msg = refused(write(tmp_path / "m.safetensors", p, m), rf"missing tensor '{re.escape(name)}'")
    assert "found:" in msg


def test_not_an_rnnsim_model(tmp_path):
    p = {"encoder.layer0.weight": np.zeros((2, 2), np.float32)}
    refused(write(tmp_path / "m.safetensors", p, {"rnnsim.cell": "lstm"}),
            r"missing tensor 'embedding.weight'.*found: encoder\.layer0\.weight")  # fmt: skip


def renamed(params, names):
    return {f"{names.get(k.split('.')[0], k.split('.')[0])}.{k.partition('.')[2]}": v for k, v in params.items()}


@pytest.mark.parametrize("cell,bidirectional", [("rnn", False), ("gru", True), ("lstm", False)])
def test_other_submodule_names_get_the_renames_they_need(tmp_path, cell, bidirectional):
    p, m = params_meta(small(cell, bidirectional))
    p = renamed(p, {"embedding": "encoder", "rnn": "recurrent", "head": "decoder"})
    refused(write(tmp_path / "m.safetensors", p, m),
            r"missing tensor 'embedding\.weight': rnnsim reads the submodules embedding, rnn and head; "
            r"rename this file's when saving: encoder -> embedding, recurrent -> rnn, decoder -> head")  # fmt: skip


def test_no_renames_are_guessed_when_two_submodules_could_be_the_head(tmp_path):
    p, m = params_meta()
    p = renamed(p, {"embedding": "emb", "head": "fc"})
    p["fc2.weight"], p["fc2.bias"] = p["fc.weight"].copy(), p["fc.bias"].copy()
    msg = refused(write(tmp_path / "m.safetensors", p, m), r"missing tensor 'embedding\.weight'.*found: ")
    assert "when saving" not in msg and "->" not in msg


def test_missing_reverse_tensor(tmp_path):
    p, m = params_meta(small("gru", True))
    del p["rnn.weight_ih_l0_reverse"]
    refused(write(tmp_path / "m.safetensors", p, m), r"missing tensor 'rnn\.weight_ih_l0_reverse'")


def test_wrong_shape(tmp_path):
    p, m = params_meta()
    p["rnn.bias_hh_l0"] = np.zeros(15)
    refused(
        write(tmp_path / "m.safetensors", p, m),
        r"tensor 'rnn\.bias_hh_l0' has shape \[15\], expected \[16\] for a lstm with vocab 5, embed 3, hidden 4",
    )


def test_head_does_not_match_vocab(tmp_path):
    p, m = params_meta()
    m["rnnsim.vocab"] = json.dumps(["<unk>", "a"])
    path = write(tmp_path / "m.safetensors", p, m)
    refused(path, r"tensor 'embedding\.weight' has shape \[5, 3\], expected \[2, 3\]")


@pytest.mark.parametrize(
    "name,value,pattern",
    [
        ("embedding.weight", np.zeros(9), r"'embedding\.weight' has shape \[9\] \(1-D\), expected a 2-D"),
        ("rnn.weight_hh_l0", np.zeros((16, 4, 1)), r"'rnn\.weight_hh_l0' has shape \[16, 4, 1\] \(3-D\)"),
        ("rnn.weight_hh_l0", np.array(1.0), r"'rnn\.weight_hh_l0' has shape \[\] \(0-D\)"),
        ("head.bias", np.zeros((5, 1)), r"'head\.bias' has shape \[5, 1\] \(2-D\), expected a 1-D"),
        ("embedding.weight", np.zeros((5, 0)), r"'embedding\.weight' is empty \(shape \[5, 0\]\)"),
    ],
)
def test_wrong_rank_or_empty(tmp_path, name, value, pattern):
    p, m = params_meta()
    p[name] = value
    refused(write(tmp_path / "m.safetensors", p, m), pattern)


def test_extra_tensor(tmp_path):
    p, m = params_meta()
    p["head.extra"] = np.zeros((16, 4))
    refused(write(tmp_path / "m.safetensors", p, m), r"unexpected tensor 'head\.extra'")


@pytest.mark.parametrize("layers", [9, 12])
def test_more_than_eight_layers_are_refused_naming_the_count(tmp_path, layers):
    p, m = params_meta(small("gru"))
    for layer in range(1, layers):
        p[f"rnn.weight_hh_l{layer}"] = p["rnn.weight_hh_l0"].copy()
    refused(write(tmp_path / "m.safetensors", p, m),
            rf": the network has {layers} layers; rnnsim shows 1 to 8: save a smaller num_layers$")  # fmt: skip


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_nan_inf(tmp_path, bad, suffix):
    model = small()
    model.params["rnn.weight_hh_l0"][3, 1] = bad
    path = tmp_path / f"m{suffix}"
    np_meta = np.array(json.dumps(_metadata(model)))
    if suffix == ".npz":
        np.savez(path, **model.params, __metadata__=np_meta)
    else:
        write(path, model.params, _metadata(model))
    refused(path, r"tensor 'rnn\.weight_hh_l0' contains NaN or infinity")


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_bad_dtype(tmp_path, dtype):
    p, m = params_meta()
    p["head.bias"] = np.zeros(5, dtype=dtype)
    path = write(tmp_path / "m.safetensors", p, m)
    refused(path, rf"tensor 'head\.bias' has dtype {np.dtype(dtype)}; use float16, bfloat16, float32 or float64$")


# ---------------------------------------------------------------- metadata


@pytest.mark.parametrize(
    "key,value,pattern",
    [
        ("rnnsim.cell", "transformer", r"unknown cell 'transformer': choose one of rnn, lstm, gru"),
        ("rnnsim.bidirectional", "yes", r"metadata 'rnnsim\.bidirectional' must be 'true' or 'false', got 'yes'"),
        ("rnnsim.bidirectional", "1", r"must be 'true' or 'false', got '1'"),
        ("rnnsim.vocab", "[not json", r"metadata 'rnnsim\.vocab' is not valid JSON"),
        ("rnnsim.vocab", '{"<unk>": 0}', r"metadata 'rnnsim\.vocab' must be a JSON list of strings"),
        ("rnnsim.vocab", '["<unk>", 3]', r"metadata 'rnnsim\.vocab' must be a JSON list of strings"),
        ("rnnsim.vocab", '["the", "cat", "sat", ".", "mat"]',
         r"metadata 'rnnsim\.vocab': the vocabulary must contain '<unk>'"),
        ("rnnsim.vocab", '["<unk>", "the", "cat", "the", "."]',
         r"metadata 'rnnsim\.vocab': the vocabulary lists 'the' twice"),
        ("rnnsim.task", "translate", r"unknown task 'translate': choose one of next, cloze"),
        ("rnnsim.task", "cloze", r"task 'cloze' needs both directions"),
        ("rnnsim.nonlinearity", "sigmoid", r"unknown nonlinearity 'sigmoid': use tanh or relu"),
    ],
)  # fmt: skip
def test_bad_metadata(tmp_path, key, value, pattern):
    p, m = params_meta()
    m[key] = value
    refused(write(tmp_path / "m.safetensors", p, m), pattern)


@pytest.mark.parametrize("key", ["rnnsim.cell", "rnnsim.vocab"])
def test_missing_metadata_key(tmp_path, key):
    p, m = params_meta()
    del m[key]
    refused(write(tmp_path / "m.safetensors", p, m), rf"metadata '{re.escape(key)}' is missing")


def test_no_metadata(tmp_path):
    p, _ = params_meta()
    refused(write(tmp_path / "m.safetensors", p, None), r"no rnnsim metadata \(rnnsim\.cell, rnnsim\.vocab, \.\.\.\)")


def test_bidirectional_next_refused(tmp_path):
    p, m = params_meta(small("lstm", True))
    m["rnnsim.task"] = "next"
    refused(
        write(tmp_path / "m.safetensors", p, m),
        r"a bidirectional model cannot predict the next word: its reverse direction has already read it",
    )


def test_optional_metadata_defaults(tmp_path):
    """rnnsim.task defaults from the direction count, rnnsim.bidirectional to false,
    rnnsim.nonlinearity to tanh; other keys are kept."""
    p, m = params_meta(small("gru", True))
    del m["rnnsim.task"]
    m["trained_on"] = "tiny corpus"
    model = load_model(write(tmp_path / "bi.safetensors", p, m))
    assert model.task == "cloze" and model.meta == {"trained_on": "tiny corpus"}
    p, m = params_meta(small("rnn"))
    for k in ("rnnsim.task", "rnnsim.bidirectional", "rnnsim.nonlinearity"):
        del m[k]
    model = load_model(write(tmp_path / "uni.safetensors", p, m))
    assert (model.task, model.bidirectional, model.nonlinearity) == ("next", False, "tanh")


def test_bidirectional_flag_with_one_direction_of_tensors(tmp_path):
    p, m = params_meta(small("lstm"))
    m["rnnsim.bidirectional"] = "true"
    m["rnnsim.task"] = "cloze"
    refused(write(tmp_path / "m.safetensors", p, m), r"missing tensor 'rnn\.weight_ih_l0_reverse'")


def test_save_model_writes_the_same_bytes_in_every_process(tmp_path):
    """The safetensors library orders metadata at random per process; save_model must not."""
    import subprocess
    import sys

    code = (
        "import sys, rnnsim\n"
        "m = rnnsim.random_model('lstm', hidden=4, embed=3, seed=1)\n"
        "m.meta.update({'a': '1', 'b': '2', 'c': '3', 'd': '4'})\n"
        "rnnsim.save_model(m, sys.argv[1])\n"
    )
    outs = []
    for i in range(3):
        path = tmp_path / f"m{i}.safetensors"
        subprocess.run([sys.executable, "-c", code, str(path)], check=True)
        outs.append(path.read_bytes())
    assert outs[0] == outs[1] == outs[2]
