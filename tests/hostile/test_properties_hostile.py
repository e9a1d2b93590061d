"""Property tests: any model file, scene file or text gives a result or one clear line,
never a traceback; safe_text and safe_json hold for any string."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnsim.core import ModelError, Vocab, load_model, random_model
from rnnsim.core.modelfile import model_file_bytes, save_model
from rnnsim.core.safe_text import safe_json, safe_text
from rnnsim.scene import SceneError, parse_scene

from ..cli_run import run_main

RAW = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _one_line(msg: str) -> None:
    assert msg and "\n" not in msg and "Traceback" not in msg, msg


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory):
    m = random_model("gru", vocab=Vocab(["<unk>", "a", "b"]), hidden=3, embed=2, seed=0)
    folder = tmp_path_factory.mktemp("valid")
    save_model(m, folder / "m.npz")
    return model_file_bytes(m), (folder / "m.npz").read_bytes()


def _mutate(data: bytes, edits) -> bytes:
    b = bytearray(data)
    for pos, value in edits:
        b[pos % len(b)] = value
    return bytes(b)


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), min_size=1, max_size=8)


@FAST
@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_model_file(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("any") / "m.safetensors"
    path.write_bytes(data)
    try:
        load_model(path)
    except ModelError as e:
        _one_line(str(e))


@FAST
@given(edits=edits, cut=st.integers(0, 4000), which=st.sampled_from(["safetensors", "npz"]))
def test_a_damaged_model_file(tmp_path_factory, valid_files, edits, cut, which):
    good = valid_files[0] if which == "safetensors" else valid_files[1]
    data = _mutate(good, edits)[: max(1, len(good) - cut % len(good))]
    path = tmp_path_factory.mktemp("damaged") / f"m.{which}"
    path.write_bytes(data)
    try:
        model = load_model(path)
    except ModelError as e:
        _one_line(str(e))
    else:
        model.run("a b a")  # what loads also runs


@FAST
@given(
    shape=st.lists(st.integers(0, 1 << 40), min_size=0, max_size=4),
    descr=st.sampled_from(["<f4", "<f8", "|O", "<i8", "|V8", "<U4"]),
)
def test_any_npy_header_in_an_npz(tmp_path_factory, shape, descr):
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 64
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("embedding.weight.npy", npy)
    path = tmp_path_factory.mktemp("npy") / "m.npz"
    path.write_bytes(buf.getvalue())
    with pytest.raises(ModelError) as info:
        load_model(path)
    _one_line(str(info.value))


SCENE = (
    '[scene]\ncell = "rnn"\nhidden = 4\ntext = "a b c"\n[[step]]\nstep = 1\ncaption = "one"\nexpect = { cursor = 1 }\n'
)


@FAST
@given(source=st.text(max_size=300))
def test_any_text_as_a_scene_file(source):
    try:
        parse_scene(source, dry=False)
    except SceneError as e:
        _one_line(str(e))


@FAST
@given(pos=st.integers(0, len(SCENE) - 1), insert=st.text(alphabet='[]{}="\n\\ ,.0123456789abcestx\x1b', max_size=12))
def test_a_damaged_scene_file(pos, insert):
    try:
        parse_scene(SCENE[:pos] + insert + SCENE[pos:], dry=True)
    except SceneError as e:
        _one_line(str(e))


@FAST
@given(text=st.text(max_size=80))
def test_any_text_traced(capsys, text):
    code, out, err = run_main(["trace", "--cell", "rnn", "--hidden", "3", text], capsys)
    assert code in (0, 2), err
    if code == 2:
        _one_line(err.strip())
    assert not RAW.search(out.replace("\n", "")) and not RAW.search(err.rstrip("\n"))


@settings(max_examples=200, deadline=None)
@given(s=st.text())
def test_safe_text_and_safe_json_for_any_string(s):
    shown = safe_text(s)
    assert not RAW.search(shown)
    assert safe_text(shown) == shown  # once safe, it stays as it is
    text = safe_json({"w": s})
    assert not RAW.search(text)
    assert json.loads(text) == {"w": s}
