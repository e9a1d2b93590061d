"""Reading files from outside without trusting what they say about themselves.

Every function here checks a size before it reads or allocates it: a text or corpus is
read in one bounded read (an endless file like /dev/zero stops at the limit); a .npz
is checked entry by entry from its zip directory and each entry's .npy header (shape,
dtype, byte count) before a byte of data is inflated, and the data is read by exact
length (a zip bomb inflates no further than its header claims); a safetensors header's
shapes and offsets are checked against the file's size before the file is opened.
Nothing here ever unpickles. The errors are `BadInput` with a message that names the
problem and, for a limit, how to raise it (rnnsim.core.limits).
"""

from __future__ import annotations

import errno
import json
import math
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from .limits import LIMITS, raise_hint, size_mb


class BadInput(ValueError):
    """A file that cannot be read as asked; the message says why (without the file's name)."""


def unreadable_reason(path: str | os.PathLike, what: str = "file") -> str | None:
    """Why `path` cannot be opened as a file, in words; None when it can be tried.
    A symbolic link loop is not 'no such file' (Path.exists() says False for both)."""
    p = Path(path)
    try:
        p.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "is a symbolic link that loops back on itself"
        if e.errno == errno.ENOENT:
            if os.path.lexists(p):
                return "is a symbolic link to a file that does not exist"
            return "no such file"
        return f"cannot read it ({e.strerror or e})"
    if p.is_dir():
        return f"is a directory, not a {what}"
    return None


def read_limited(path: str | os.PathLike, limit: int, limit_name: str = "input_bytes") -> bytes:
    """The file's bytes, or BadInput when it holds more than `limit` (read never goes past
    limit + 1 bytes, so an endless device or pipe stops there)."""
    reason = unreadable_reason(path, "text file")
    if reason:
        raise BadInput(reason)
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise BadInput(f"cannot read it ({e.strerror or e})") from None
    except MemoryError:
        raise BadInput(f"not enough memory to read {size_mb(limit)}; {raise_hint(limit_name)}") from None
    if len(data) > limit:
        raise BadInput(f"is larger than {size_mb(limit)}, the limit; {raise_hint(limit_name)}")
    return data


# ------------------------------------------------------------------ .npz

_NPZ_KINDS = "fiubU"  # numbers, booleans and unicode strings (the metadata entry); never objects


def _npy_header(f, where: str):
    """(shape, fortran_order, dtype) from a .npy stream's header, without reading data."""
    try:
        version = npy_format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(f, max_header_size=10_000)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = npy_format.read_array_header_2_0(f, max_header_size=10_000)
        else:
            raise BadInput(f"entry {where!r} has .npy format version {version}, which rnnsim does not read")
    except ValueError as e:  # numpy's own words for a broken header
        raise BadInput(f"entry {where!r} is not a valid .npy array ({str(e).splitlines()[0]})") from None
    if dtype.hasobject or dtype.kind not in _NPZ_KINDS or dtype.fields is not None:
        raise BadInput(
            f"entry {where!r} has dtype {dtype}: the .npz holds object arrays or a pickle, which rnnsim refuses"
        )
    return shape, fortran, dtype


def read_npz(path: str | os.PathLike, limit: int | None = None) -> dict[str, np.ndarray]:
    """Every array of a .npz, checked before reading: at most LIMITS.npz_members entries,
    each a plain numeric (or string) .npy whose header's shape x dtype fits in what
    is left of `limit` bytes (default LIMITS.model_bytes) and agrees with the zip
    directory's size. BadInput says what is wrong."""
    limit = LIMITS.model_bytes if limit is None else limit
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise BadInput(f"not a readable .npz file ({e})") from None
    with z:
        infos = z.infolist()
        if len(infos) > LIMITS.npz_members:
            raise BadInput(f"the .npz has {len(infos):,} entries; a model has a few dozen")
        claimed = sum(i.file_size for i in infos)
        if claimed > limit:
            raise BadInput(f"the .npz would inflate to {size_mb(claimed)}, over {size_mb(limit)}; "
                           f"{raise_hint('model_bytes')}")  # fmt: skip
        arrays: dict[str, np.ndarray] = {}
        total = 0
        for info in infos:
            name = info.filename.removesuffix(".npy")
            try:
                with z.open(info) as f:
                    shape, fortran, dtype = _npy_header(f, name)
                    count = math.prod(shape)
                    nbytes = count * dtype.itemsize
                    if nbytes + total > limit:
                        raise BadInput(
                            f"entry {name!r} claims shape {list(shape)} of {dtype} ({size_mb(nbytes)}), "
                            f"over the {size_mb(limit)} limit; {raise_hint('model_bytes')}"
                        )
                    header_len = f.tell()
                    if header_len + nbytes != info.file_size:
                        raise BadInput(
                            f"entry {name!r}: its header claims {nbytes:,} bytes of data, the archive holds "
                            f"{max(0, info.file_size - header_len):,}"
                        )
                    data = f.read(nbytes)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
                raise BadInput(f"entry {name!r} cannot be read ({e})") from None
            if len(data) != nbytes:
                raise BadInput(f"entry {name!r} is cut short ({len(data):,} of {nbytes:,} bytes)")
            total += nbytes
            arr = np.frombuffer(data, dtype=dtype, count=count)
            arrays[name] = arr.reshape(shape, order="F" if fortran else "C").copy()
    return arrays


# ------------------------------------------------------------------ safetensors

_ST_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
             "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}  # fmt: skip
MAX_ST_HEADER = 100 * (1 << 20)  # safetensors' own ceiling for the JSON header


def check_safetensors(path: str | os.PathLike, limit: int | None = None) -> None:
    """Check a safetensors file's header against the file before anything is loaded: a
    header that fits in the file, every tensor's offsets inside the data and as long as
    its shape x dtype, and the data no larger than `limit` (LIMITS.model_bytes)."""
    limit = LIMITS.model_bytes if limit is None else limit
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                what = "the file is empty" if not head else "shorter than its 8-byte header length"
                raise BadInput(f"not a valid safetensors file ({what})")
            (n,) = struct.unpack("<Q", head)
            if n > MAX_ST_HEADER:  # (a text file's first 8 bytes read as a length of ~10^18)
                raise BadInput("not a valid safetensors file (it does not start with a safetensors header)")
            if n > size - 8:
                raise BadInput(
                    f"not a valid safetensors file (cut short: its header claims {n:,} bytes, the file has "
                    f"{size:,}; was the download or copy finished?)"
                )
            raw = f.read(n)
    except OSError as e:
        raise BadInput(f"cannot read it ({e.strerror or e})") from None
    if size - 8 - n > limit:
        raise BadInput(f"holds {size_mb(size - 8 - n)} of tensors, over {size_mb(limit)}; {raise_hint('model_bytes')}")
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadInput("not a valid safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise BadInput("not a valid safetensors file (its header is not a JSON object)")
    data_len = size - 8 - n
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(spec, dict):
            raise BadInput(f"not a valid safetensors file (tensor {name!r} is not described)")
        dtype, shape, offsets = spec.get("dtype"), spec.get("shape"), spec.get("data_offsets")
        ok_shape = isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)
        ok_offsets = isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int and o >= 0 for o in offsets)
        if dtype not in _ST_SIZES or not ok_shape or not ok_offsets:
            raise BadInput(f"not a valid safetensors file (tensor {name!r} has a malformed dtype, shape or offsets)")
        begin, end = offsets
        want = math.prod(shape) * _ST_SIZES[dtype]
        if want > limit:
            raise BadInput(
                f"tensor {name!r} claims shape {shape} ({size_mb(want)}), over {size_mb(limit)}; "
                f"{raise_hint('model_bytes')}"
            )
        if begin <= end and end - begin == want and end > data_len:
            raise BadInput(
                f"not a valid safetensors file (cut short: tensor {name!r} ends at byte {end:,} of the data, "
                f"the file holds {data_len:,}; was the download or copy finished?)"
            )
        if not begin <= end <= data_len or end - begin != want:
            raise BadInput(
                f"not a valid safetensors file (tensor {name!r}: shape {shape} needs {want:,} bytes, its offsets "
                f"give {end - begin:,} at {begin:,}..{end:,} of {data_len:,})"
            )
