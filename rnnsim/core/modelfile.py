"""Model files: safetensors (or .npz) with PyTorch's tensor names and rnnsim metadata.

Tensors: embedding.weight [V,E]; for each layer k < L (1 <= L <= 8):
rnn.weight_ih_l{k} [G*H, E or D*H], rnn.weight_hh_l{k} [G*H,H], rnn.bias_ih_l{k},
rnn.bias_hh_l{k} [G*H] (no biases at all: bias=False), and the same with suffix _reverse
when bidirectional; head.weight [V or C, D*H], head.bias. G = 1 (rnn), 4 (lstm), 3 (gru).
float16, bfloat16, float32 or float64; rnnsim computes in float64.
Metadata (string -> string): rnnsim.cell, rnnsim.bidirectional ("true"/"false"),
rnnsim.task (next|cloze|classify), rnnsim.vocab (a JSON list of tokens, index = id, with
<unk>), rnnsim.labels (classify: a JSON list of names), optional rnnsim.nonlinearity
(tanh|relu), rnnsim.tokenizer (word|char) and rnnsim.origin (where the model came
from, in words; shown by the app). In an .npz the metadata is a JSON string
stored under the entry "__metadata__". Pickles are never loaded.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from . import bounded_read
from .model import MAX_LAYERS, Model, ModelError, rnn_names
from .tokenizer import Vocab

META_KEY = "__metadata__"
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
_TORCH_ADVICE = (
    "it looks like a PyTorch pickle (torch.save); rnnsim never loads pickles. "
    "Save with safetensors.torch.save_file(model.state_dict(), 'model.safetensors', "
    "metadata=...) as the README shows"
)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write the whole file or nothing: a temp file beside it, then rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, _new_file_mode(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _new_file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777  # replacing a file: keep its mode
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _metadata(model: Model) -> dict[str, str]:
    meta = dict(model.meta)
    meta.update({
        "rnnsim.cell": model.cell,
        "rnnsim.bidirectional": "true" if model.bidirectional else "false",
        "rnnsim.task": model.task,
        "rnnsim.vocab": json.dumps(list(model.vocab.tokens), ensure_ascii=False),
    })  # fmt: skip
    if model.cell == "rnn":
        meta["rnnsim.nonlinearity"] = model.nonlinearity
    if model.labels is not None:
        meta["rnnsim.labels"] = json.dumps(list(model.labels), ensure_ascii=False)
    if model.tokenizer != "word":  # word is the default: files without the key stay as they were
        meta["rnnsim.tokenizer"] = model.tokenizer
    return meta


_DTYPES = {np.dtype(np.float16): "F16", np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}


def model_file_bytes(model: Model, dtype=np.float32) -> bytes:
    """The model as safetensors bytes with sorted metadata and tensors, so the same
    model always gives the same bytes (the safetensors library orders metadata at
    random per process). Loadable by `load_model` and by safetensors itself."""
    meta = dict(sorted(_metadata(model).items()))
    header: dict = {"__metadata__": meta}
    chunks, offset = [], 0
    for name in sorted(model.params):
        arr = np.ascontiguousarray(model.params[name], dtype=np.dtype(dtype).newbyteorder("<"))
        data = arr.tobytes()
        header[name] = {
            "dtype": _DTYPES[np.dtype(dtype)],
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    return struct.pack("<Q", len(hb)) + hb + b"".join(chunks)


def save_model(model: Model, path: str | os.PathLike, dtype=np.float32) -> None:
    """Write a model as .safetensors (default) or .npz (by the file's suffix), atomically.
    The same model always gives the same safetensors bytes (see model_file_bytes)."""
    path = Path(path)
    if path.suffix == ".npz":
        import io

        tensors = {k: np.ascontiguousarray(v, dtype=dtype) for k, v in model.params.items()}
        meta = _metadata(model)
        buf = io.BytesIO()
        np.savez(buf, **tensors, **{META_KEY: np.array(json.dumps(meta, ensure_ascii=False))})
        atomic_write_bytes(path, buf.getvalue())
    else:
        atomic_write_bytes(path, model_file_bytes(model, dtype))


def _parse_meta(meta: dict[str, str] | None, where: str) -> dict:
    if not meta:
        raise ModelError(f"{where}: no rnnsim metadata (rnnsim.cell, rnnsim.vocab, ...)")
    for key in ("rnnsim.cell", "rnnsim.vocab"):
        if key not in meta:
            raise ModelError(f"{where}: metadata {key!r} is missing")
    bi = meta.get("rnnsim.bidirectional", "false").lower()
    if bi not in ("true", "false"):
        raise ModelError(f"{where}: metadata 'rnnsim.bidirectional' must be 'true' or 'false', got {bi!r}")
    try:
        vocab_list = json.loads(meta["rnnsim.vocab"])
    except json.JSONDecodeError as e:
        raise ModelError(f"{where}: metadata 'rnnsim.vocab' is not valid JSON ({e.msg})") from None
    if not isinstance(vocab_list, list) or not all(isinstance(t, str) for t in vocab_list):
        raise ModelError(f"{where}: metadata 'rnnsim.vocab' must be a JSON list of strings")
    try:
        vocab = Vocab(vocab_list)
    except ValueError as e:
        raise ModelError(f"{where}: metadata 'rnnsim.vocab': {e}") from None
    bidirectional = bi == "true"
    labels = None
    if "rnnsim.labels" in meta:
        try:
            labels = json.loads(meta["rnnsim.labels"])
        except json.JSONDecodeError as e:
            raise ModelError(f"{where}: metadata 'rnnsim.labels' is not valid JSON ({e.msg})") from None
        if not isinstance(labels, list) or not all(isinstance(t, str) for t in labels):
            raise ModelError(f"{where}: metadata 'rnnsim.labels' must be a JSON list of strings")
    task = meta.get("rnnsim.task", "classify" if labels is not None else "cloze" if bidirectional else "next")
    tokenizer = meta.get("rnnsim.tokenizer", "word")
    # kept as it came: other programs' metadata, and rnnsim.origin (where the model came
    # from, in words: "trained here: 3 epochs"), which the app shows in its top bar
    extra = {k: v for k, v in meta.items() if not k.startswith("rnnsim.") or k == "rnnsim.origin"}
    return dict(
        cell=meta["rnnsim.cell"], vocab=vocab, bidirectional=bidirectional, task=task,
        nonlinearity=meta.get("rnnsim.nonlinearity", "tanh"), meta=extra, labels=labels, tokenizer=tokenizer,
    )  # fmt: skip


def load_model(path: str | os.PathLike) -> Model:
    """Load and validate a .safetensors or .npz model file; ModelError says what is wrong."""
    path = Path(path)
    where = str(path)
    if reason := bounded_read.unreadable_reason(path, "model file"):  # a symlink loop is not "no such file"
        raise ModelError(f"{where}: {reason}")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(9)
    except OSError as e:
        raise ModelError(f"{where}: cannot read the file ({e.strerror or e})") from None
    # A safetensors file starts with its header's length (8 bytes, little-endian) and
    # then the JSON header. Test that first: the length bytes of a valid file can
    # look like a pickle's opening (b"\x80\x02" is a 640-byte header).
    if _looks_like_safetensors(head, size):
        tensors, meta = _read_safetensors(path, where)
    elif head[:2] in _PICKLE_MAGIC:
        raise ModelError(f"{where}: {_TORCH_ADVICE}")
    elif head[:4] == b"PK\x03\x04":
        if path.suffix in (".pt", ".pth") or _is_torch_zip(path):
            raise ModelError(f"{where}: {_TORCH_ADVICE}")
        tensors, meta = _read_npz(path, where)
    else:
        tensors, meta = _read_safetensors(path, where)  # fails with safetensors' own reason
    _check_tensors(tensors, where)
    kw = _parse_meta(meta, where)
    try:
        return Model(params=tensors, **kw)
    except ModelError as e:
        raise ModelError(f"{where}: {e}") from None


def _looks_like_safetensors(head: bytes, size: int) -> bool:
    return len(head) == 9 and head[8:9] == b"{" and 8 + int.from_bytes(head[:8], "little") <= size


_RANKS = {
    "embedding.weight": 2, "head.weight": 2, "head.bias": 1,
    **{name: 2 if ".weight" in name else 1 for name in rnn_names(True, MAX_LAYERS)},
}  # fmt: skip
_FLOATS = (np.float16, np.float32, np.float64)


def _check_tensors(tensors: dict[str, np.ndarray], where: str) -> None:
    """What Model cannot check before it reads sizes off the tensors: dtype, rank, emptiness."""
    for name in ("embedding.weight", "rnn.weight_hh_l0"):
        if name not in tensors:
            if renames := _submodule_renames(tensors):
                said = ", ".join(f"{theirs} -> {ours}" for theirs, ours in renames.items())
                raise ModelError(
                    f"{where}: missing tensor {name!r}: rnnsim reads the submodules embedding, rnn "
                    f"and head; rename this file's when saving: {said} (README: Model files)"
                )
            found = ", ".join(sorted(tensors)[:5]) or "no tensors at all"
            raise ModelError(
                f"{where}: missing tensor {name!r}; an rnnsim model has the tensors of a PyTorch "
                f"module with submodules embedding, rnn and head (found: {found})"
            )
    for name, arr in tensors.items():
        if arr.dtype not in _FLOATS:
            raise ModelError(
                f"{where}: tensor {name!r} has dtype {arr.dtype}; use float16, bfloat16, float32 or float64"
            )
        rank = _RANKS.get(name)
        if rank is not None and arr.ndim != rank:
            raise ModelError(
                f"{where}: tensor {name!r} has shape {list(arr.shape)} ({arr.ndim}-D), expected a {rank}-D tensor"
            )
        if arr.size == 0:
            raise ModelError(f"{where}: tensor {name!r} is empty (shape {list(arr.shape)})")


def _submodule_renames(tensors: dict[str, np.ndarray]) -> dict[str, str]:
    """For a PyTorch network whose submodules have other names (emb, lstm, fc, ...): which
    of its submodules are the embedding, the recurrent layer and the head, as
    {their name: rnnsim's name}; empty unless each is found exactly once.

    The recurrent layer owns `weight_hh_l0`; the embedding is a weight without a bias
    whose rows are as long as the layer's input; the head is a weight with a bias whose
    rows are as long as the layer's output (both directions)."""
    rnn = [k.removesuffix(".weight_hh_l0") for k in tensors if k.endswith(".weight_hh_l0")]
    if len(rnn) != 1 or f"{rnn[0]}.weight_ih_l0" not in tensors:
        return {}
    embed = tensors[f"{rnn[0]}.weight_ih_l0"].shape[-1]
    hidden = tensors[f"{rnn[0]}.weight_hh_l0"].shape[-1]
    out = hidden * (2 if f"{rnn[0]}.weight_hh_l0_reverse" in tensors else 1)
    weights = {k.removesuffix(".weight"): v for k, v in tensors.items()
               if k.endswith(".weight") and v.ndim == 2}  # fmt: skip
    emb = [m for m, w in weights.items() if f"{m}.bias" not in tensors and w.shape[1] == embed]
    head = [m for m, w in weights.items() if f"{m}.bias" in tensors and w.shape[1] == out]
    if len(emb) != 1 or len(head) != 1:
        return {}
    return {emb[0]: "embedding", rnn[0]: "rnn", head[0]: "head"}


def _is_torch_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("data.pkl") for n in z.namelist())
    except zipfile.BadZipFile:
        return False


def _read_npz(path: Path, where: str):
    try:  # shapes, dtypes and sizes checked before any data is read (never a pickle)
        arrays = bounded_read.read_npz(path)
    except bounded_read.BadInput as e:
        raise ModelError(f"{where}: {e}") from None
    if META_KEY not in arrays:
        raise ModelError(f"{where}: the .npz has no {META_KEY!r} entry holding the rnnsim metadata")
    try:
        meta = json.loads(str(arrays.pop(META_KEY)[()]))
    except json.JSONDecodeError as e:
        raise ModelError(f"{where}: {META_KEY!r} is not valid JSON ({e.msg})") from None
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ModelError(f"{where}: {META_KEY!r} must be a JSON object of strings")
    return arrays, meta


def _read_safetensors(path: Path, where: str):
    from safetensors import SafetensorError, safe_open

    try:  # the header's shapes and offsets against the file, before loading
        bounded_read.check_safetensors(path)
    except bounded_read.BadInput as e:
        raise ModelError(f"{where}: {e}") from None
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata()
            bf16 = [k for k in f.keys() if f.get_slice(k).get_dtype() == "BF16"]
            tensors = {k: f.get_tensor(k) for k in f.keys() if k not in bf16}
    except (SafetensorError, OSError, ValueError, TypeError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelError(f"{where}: not a valid safetensors file ({msg})") from None
    if bf16:  # NumPy has no bfloat16: read the bytes and widen them ourselves
        tensors.update(_read_bfloat16(path, bf16))
    return tensors, meta


def _read_bfloat16(path: Path, names: list[str]) -> dict[str, np.ndarray]:
    """bfloat16 tensors of a safetensors file (already validated by safe_open) as float32:
    a bfloat16 is the upper half of a float32, so widening is exact."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name in names:
            start, end = header[name]["data_offsets"]
            f.seek(base + start)
            raw = np.frombuffer(f.read(end - start), dtype="<u2").astype(np.uint32) << 16
            out[name] = raw.view(np.float32).reshape(header[name]["shape"])
    return out
