"""Hostile files: endless or huge texts and corpora, .npz and safetensors files that lie
about their sizes, huge vocabularies, symlink loops. Each ends in one clear line."""

from __future__ import annotations

import json
import os
import struct
import zipfile

import numpy as np
import pytest

from rnnsim.core import ModelError, Vocab, load_model, random_model, save_model
from rnnsim.core.corpus import CorpusError, read_corpus
from rnnsim.core.limits import LIMITS
from rnnsim.core.modelfile import model_file_bytes

from ..cli_run import run_main
from .conftest import one_clear_line

ZERO = "/dev/zero"


def small():
    return random_model("rnn", vocab=Vocab(["<unk>", "a", "b"]), hidden=3, embed=2, seed=0)


# ---------------------------------------------------------------- item 2: endless and huge files


@pytest.mark.skipif(not os.path.exists(ZERO), reason="needs /dev/zero")
def test_endless_text_file_is_one_line(capsys):
    code, out, err = run_main(["trace", "--file", ZERO], capsys)  # the default limit
    assert code == 2
    assert "larger than 64.0 MB, the limit; raise it with --max-input-mb" in one_clear_line(err)


def test_text_file_over_a_lowered_limit(tmp_path, capsys):
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000)  # 1.5 MB
    code, _, err = run_main(["trace", "--file", str(big), "--max-input-mb", "1"], capsys)
    assert code == 2
    assert "big.txt: is larger than 1.0 MB" in one_clear_line(err)


@pytest.mark.skipif(not os.path.exists(ZERO), reason="needs /dev/zero")
def test_endless_corpus_is_a_corpus_error():
    LIMITS.input_bytes = 1 << 20
    with pytest.raises(
        CorpusError, match=r"/dev/zero: is larger than 1\.0 MB, the limit; raise it with --max-input-mb"
    ):
        read_corpus(ZERO)


@pytest.mark.skipif(not os.path.exists(ZERO), reason="needs /dev/zero")
def test_train_on_an_endless_corpus(tmp_path, capsys):
    code, _, err = run_main(["train", ZERO, "--out", str(tmp_path / "m.safetensors"), "--max-input-mb", "2"], capsys)
    assert code == 2
    assert "larger than 2.0 MB" in one_clear_line(err)
    assert not (tmp_path / "m.safetensors").exists()


def test_symlink_loop_is_not_no_such_file(tmp_path, capsys):
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    code, _, err = run_main(["trace", "--file", str(loop)], capsys)
    assert code == 2 and "loops back on itself" in one_clear_line(err)
    with pytest.raises(ModelError, match="loops back on itself"):
        load_model(loop)
    with pytest.raises(CorpusError, match="loops back on itself"):
        read_corpus(loop)


@pytest.mark.parametrize("name", ["loop", "dangling"])
def test_a_model_named_by_a_bad_link_says_so_not_that_it_is_no_model(tmp_path, capsys, monkeypatch, name):
    """`rnnsim --model loop`: a name without a dot or slash may be a shipped model, but a
    link of that name is a file the user meant; say what is wrong with it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "dangling").symlink_to("gone.safetensors")
    code, _, err = run_main(["trace", "--model", name, "The cat"], capsys)
    said = one_clear_line(err)
    assert code == 2 and ("loops back on itself" if name == "loop" else "file that does not exist") in said
    dangling = tmp_path / "dangling.safetensors"
    dangling.symlink_to(tmp_path / "gone")
    with pytest.raises(ModelError, match="a symbolic link to a file that does not exist"):
        load_model(dangling)


# ---------------------------------------------------------------- item 3: .npz and safetensors


def _npy(shape, dtype="<f4", data=b"") -> bytes:
    """A .npy entry whose header claims `shape` but which holds only `data`."""
    header = repr({"descr": dtype, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


def _npz(path, entries: dict[str, bytes], compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compress) as z:
        for name, data in entries.items():
            z.writestr(name + ".npy", data)


def test_npz_header_claiming_terabytes(tmp_path):
    path = tmp_path / "huge.npz"
    _npz(path, {"embedding.weight": _npy((1 << 20, 1 << 20), data=b"\0" * 64)})  # claims 4 TiB
    with pytest.raises(ModelError) as info:
        load_model(path)
    msg = str(info.value)
    assert "claims shape [1048576, 1048576] of float32" in msg and "--max-model-mb" in msg, msg


def test_npz_zip_bomb(tmp_path):
    """50 MB of zeros that deflate to 50 KB, with the limit at 10 MB: refused from the zip
    directory, before anything is inflated. (The same holds for 2 GB at the default limit.)"""
    LIMITS.model_bytes = 10 << 20
    path = tmp_path / "bomb.npz"
    n = 50 << 20
    _npz(path, {"embedding.weight": _npy((n // 4,), data=bytes(n))}, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(ModelError, match=r"would inflate to 50\.0 MB, over 10\.0 MB; raise it with --max-model-mb"):
        load_model(path)


def test_npz_entry_whose_header_and_size_disagree(tmp_path):
    path = tmp_path / "short.npz"
    _npz(path, {"embedding.weight": _npy((1000,), data=b"\0" * 40)})
    with pytest.raises(ModelError, match=r"its header claims 4,000 bytes of data, the archive holds 40"):
        load_model(path)


def test_npz_object_dtype_refused_before_reading(tmp_path):
    path = tmp_path / "obj.npz"
    _npz(path, {"embedding.weight": _npy((1,), dtype="|O", data=b"\x80\x04N.")})
    with pytest.raises(ModelError, match=r"dtype object: the \.npz holds object arrays or a pickle"):
        load_model(path)


def test_npz_written_by_rnnsim_still_loads(tmp_path):
    m = small()
    save_model(m, tmp_path / "m.npz")
    back = load_model(tmp_path / "m.npz")
    for k, v in m.params.items():
        np.testing.assert_array_equal(back.params[k], v.astype(np.float32))


def _safetensors_with(header_patch) -> bytes:
    data = model_file_bytes(small())
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    header_patch(header)
    hb = json.dumps(header).encode()
    return struct.pack("<Q", len(hb)) + hb + data[8 + n :]


def test_safetensors_tensor_claiming_more_than_the_file(tmp_path):
    def grow(h):
        h["embedding.weight"]["shape"] = [1 << 20, 1 << 20]

    (tmp_path / "m.safetensors").write_bytes(_safetensors_with(grow))
    with pytest.raises(ModelError, match=r"tensor 'embedding.weight' claims shape \[1048576, 1048576\]"):
        load_model(tmp_path / "m.safetensors")


def test_safetensors_offsets_past_the_end(tmp_path):
    def shift(h):
        b, e = h["head.bias"]["data_offsets"]
        h["head.bias"]["data_offsets"] = [b + 10_000, e + 10_000]

    (tmp_path / "m.safetensors").write_bytes(_safetensors_with(shift))
    # (all the header says is that the data goes on past the file's end: a cut-short file)
    with pytest.raises(ModelError, match=r"cut short: tensor 'head.bias' ends at byte [\d,]+ of the data"):
        load_model(tmp_path / "m.safetensors")


def test_safetensors_over_the_model_limit(tmp_path):
    save_model(small(), tmp_path / "m.safetensors")
    LIMITS.model_bytes = 16
    with pytest.raises(ModelError, match=r"of tensors, over 16 bytes; raise it with --max-model-mb"):
        load_model(tmp_path / "m.safetensors")


def test_header_length_beyond_the_file(tmp_path):
    (tmp_path / "m.safetensors").write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(ModelError, match="not a valid safetensors file"):
        load_model(tmp_path / "m.safetensors")


# ---------------------------------------------------------------- item 5: vocabularies


class Word(str):
    """A str that counts how often it is compared: the duplicate search's cost."""

    compared = 0

    def __eq__(self, other):
        Word.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_duplicate_word_search_is_linear():
    n = 3000
    words = [Word(f"w{i}") for i in range(n)] + [Word("<unk>")]
    Word.compared = 0
    with pytest.raises(ValueError, match=r"lists 'w2999' twice"):
        Vocab([*words, Word("w2999")])
    assert Word.compared < 10 * n  # count() per word compared n * n / 2 times


def test_vocabulary_size_is_capped():
    LIMITS.vocab_size = 100
    with pytest.raises(ValueError, match=r"has 101 words, over the limit of 100; raise it with --max-vocab"):
        Vocab(["<unk>", *(f"w{i}" for i in range(100))])


def test_model_file_with_a_huge_vocabulary(tmp_path, capsys):
    save_model(small(), tmp_path / "m.safetensors")
    code, _, err = run_main(["trace", "--model", str(tmp_path / "m.safetensors"), "--max-vocab", "2", "a b"], capsys)
    assert code == 2
    assert "has 3 words, over the limit of 2; raise it with --max-vocab" in one_clear_line(err)


def test_duplicate_with_control_characters_is_shown_safely():
    with pytest.raises(ValueError) as info:
        Vocab(["<unk>", "\x1b[2J", "\x1b[2J"])
    assert "\x1b" not in str(info.value)


# ---------------------------------------------------------------- item 1: trace's size


def test_trace_table_computes_each_column_once(monkeypatch, capsys):
    """Per row, grad_norms() normed the whole [T, H] array again: quadratic in the text."""
    from rnnsim.core.trace import DirectionTrace

    calls = {"n": 0}
    real = DirectionTrace.grad_norms

    def counted(self):
        calls["n"] += 1
        return real(self)

    monkeypatch.setattr(DirectionTrace, "grad_norms", counted)
    code, out, _ = run_main(["trace", "--cell", "lstm", " ".join(["w"] * 200)], capsys)
    assert code == 0 and len(out.split("\n\n")[1].splitlines()) == 201  # the header and 200 rows
    assert calls["n"] <= 2


def test_trace_token_limit(capsys):
    code, _, err = run_main(["trace", "--max-tokens", "5", "one two three four five six"], capsys)
    assert code == 2
    assert "the text has 6 tokens, over the limit of 5; raise it with --max-tokens" in one_clear_line(err)
    code, out, _ = run_main(["trace", "--max-tokens", "6", "one two three four five six"], capsys)
    assert code == 0


def test_trace_default_token_limit_is_documented(capsys):
    code, _, err = run_main(["trace", " ".join(["w"] * 20_001)], capsys)
    assert code == 2 and "over the limit of 20,000" in err
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for option in ("--max-tokens", "--max-input-mb", "--max-model-mb", "--max-vocab"):
        assert option in readme, option


def test_every_limit_is_in_the_readme_table():
    import dataclasses

    from rnnsim.core.limits import OPTIONS

    readme = (__import__("pathlib").Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Security") :]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line]
    for field in dataclasses.fields(LIMITS):
        (row,) = [r for r in rows if f"| `{field.name}` |" in r]
        if field.name in OPTIONS:
            assert f"`{OPTIONS[field.name]} N`" in row, row
        default = field.default
        shown = f"{default // (1 << 20):,} MB" if field.name.endswith("bytes") else f"{default:,}"
        assert shown in row, (field.name, row)
