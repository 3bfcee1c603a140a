"""Save and load measurement records as one self-describing ``.npz`` file.

File layout (``format="qmemlearn-records"``, ``format_version=1``), all written by ``np.savez``
without pickling:

    * ``format``: 0-d unicode array ``"qmemlearn-records"``;
    * ``format_version``: 0-d int64 array ``1``;
    * ``protocol``: 0-d unicode array, ``"single-copy"`` or ``"two-copy"``;
    * ``metadata``: 0-d unicode array holding a JSON object;
    * ``bits``: uint8 ``[T, n]`` (single-copy) or ``[T, 2n]`` (two-copy);
    * ``recipes``: uint8 ``[T, n]`` (single-copy only; 0: X, 1: Y, 2: Z).

Writes are atomic: the data goes to a hidden temporary file ``.{name}.tmp-{pid}-{token}`` in the
target directory, is flushed and fsynced, then renamed over the target with ``os.replace``. A
half-written file therefore never carries the final name.
"""

from __future__ import annotations

import json
import os
import pathlib
import uuid
import zipfile

import numpy as np

from qmemlearn.records.limits import check_allocation, declared_bytes, read_npy_header
from qmemlearn.records.records import BellRecord, ShadowRecord

FORMAT = "qmemlearn-records"
FORMAT_VERSION = 1
_HEADER_KEYS = ("format", "format_version", "protocol", "metadata")
_ARRAY_KEYS = {ShadowRecord.PROTOCOL: ("bits", "recipes"), BellRecord.PROTOCOL: ("bits",)}

PathLike = str | os.PathLike


def npz_path(path: PathLike) -> pathlib.Path:
    """Returns ``path`` with ``.npz`` appended unless its name already ends in ``.npz``."""
    path = pathlib.Path(path)
    return path if path.name.endswith(".npz") else path.with_name(path.name + ".npz")


def _fsync_directory(directory: pathlib.Path) -> None:
    """Best-effort fsync of a directory so a rename survives a crash (no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_records(record: ShadowRecord | BellRecord, path: PathLike) -> pathlib.Path:
    """Atomically writes ``record`` to a single ``.npz`` file.

    Args:
        record: The record to save.
        path: Target file. If its name does not end in ``.npz``, ``.npz`` is appended (as
            ``numpy.savez`` does); the returned path is the real one. An existing file is
            replaced only once the new file is complete.

    Returns:
        The path of the written file.

    Raises:
        TypeError: If ``record`` is not a :class:`ShadowRecord` or :class:`BellRecord`.
        ValueError: If ``path`` is empty or a directory.
        OSError: If writing fails; the temporary file is removed and any existing file at the
            target is left untouched.
    """
    if not isinstance(record, (ShadowRecord, BellRecord)):
        raise TypeError(f"record must be a ShadowRecord or BellRecord, got {type(record).__name__}")
    if not str(path) or pathlib.Path(path).is_dir():
        raise ValueError(f"path={str(path)!r} must name a file, not a directory or ''")
    path = npz_path(path)
    if path.is_dir():
        raise ValueError(f"path={str(path)!r} is a directory")
    arrays = {
        "format": np.array(FORMAT),
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "protocol": np.array(record.PROTOCOL),
        "metadata": np.array(json.dumps(record.metadata, sort_keys=True, allow_nan=False)),
    }
    for key in _ARRAY_KEYS[record.PROTOCOL]:
        arrays[key] = np.asarray(getattr(record, key), dtype=np.uint8)

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "xb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return path


def _scalar(data: dict[str, np.ndarray], key: str, kind: str, path: pathlib.Path) -> object:
    """Returns the value of a 0-d array of dtype kind ``kind`` ('U' or 'i')."""
    arr = data[key]
    if arr.ndim != 0 or arr.dtype.kind not in kind:
        expected = "a 0-d unicode array" if kind == "U" else "a 0-d integer array"
        raise ValueError(
            f"{path}: field {key!r} must be {expected}, got dtype {arr.dtype} shape {arr.shape}"
        )
    return arr[()].item() if kind != "U" else str(arr[()])


def check_npz_sizes(path: pathlib.Path) -> None:
    """Reads the header of every ``.npy`` member of an ``.npz`` and refuses, before anything is
    allocated, a member whose declared shape does not fit in memory or exceeds its stored size.

    A file that is not a zip archive is left to ``np.load`` to report.

    Raises:
        ValueError: Naming the path, the field and the bytes it would need, or a member whose
            header is unreadable.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        return
    with archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            field = info.filename[: -len(".npy")]
            try:
                with archive.open(info) as member:
                    shape, dtype = read_npy_header(member)
                    header_length = member.tell()
            except (ValueError, OSError, EOFError, zipfile.BadZipFile, SyntaxError) as error:
                raise ValueError(f"{path}: field {field!r} has no readable .npy header: {error}") from error
            if dtype.hasobject:
                continue  # refused by np.load(allow_pickle=False) without allocating
            nbytes = declared_bytes(shape, dtype)
            check_allocation(nbytes, f"{path}: field {field!r} declares shape {shape} of {dtype}, which")
            stored = info.file_size - header_length
            if nbytes > stored:
                raise ValueError(
                    f"{path}: field {field!r} declares shape {shape} of {dtype} ({nbytes} bytes) but "
                    f"only {stored} bytes are stored (truncated or corrupt)"
                )


def load_records(path: PathLike) -> ShadowRecord | BellRecord:
    """Loads and validates a file written by :func:`save_records`.

    Args:
        path: The ``.npz`` file.

    Returns:
        A :class:`ShadowRecord` (protocol ``"single-copy"``) or :class:`BellRecord`
        (``"two-copy"``).

    Raises:
        FileNotFoundError: If ``path`` is not an existing file.
        ValueError: If the file is truncated or corrupt, misses keys, has an unknown format tag
            or version, bad metadata JSON, or arrays with a wrong dtype, shape or values. The
            message starts with the path.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"records file not found (or not a regular file): {path}")
    check_npz_sizes(path)
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single .npy array, not an .npz archive")
        with loaded:
            data = {key: loaded[key] for key in loaded.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        raise ValueError(
            f"{path}: not a readable qmemlearn records .npz file (truncated or corrupt): {error}"
        ) from error

    missing = [key for key in _HEADER_KEYS if key not in data]
    if missing:
        raise ValueError(f"{path}: missing required keys {missing}; found {sorted(data)}")
    file_format = _scalar(data, "format", "U", path)
    if file_format != FORMAT:
        raise ValueError(f"{path}: format is {file_format!r}, expected {FORMAT!r}")
    version = _scalar(data, "format_version", "iu", path)
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path}: format_version is {version}; this version of qmemlearn reads {FORMAT_VERSION}"
        )
    protocol = _scalar(data, "protocol", "U", path)
    if protocol not in _ARRAY_KEYS:
        raise ValueError(f"{path}: protocol is {protocol!r}, expected one of {sorted(_ARRAY_KEYS)}")
    required = _HEADER_KEYS + _ARRAY_KEYS[protocol]
    missing = [key for key in required if key not in data]
    if missing:
        raise ValueError(f"{path}: missing required keys {missing} for protocol {protocol!r}")
    unexpected = sorted(set(data) - set(required))
    if unexpected:
        raise ValueError(f"{path}: unexpected keys {unexpected} for protocol {protocol!r}")

    try:
        metadata = json.loads(_scalar(data, "metadata", "U", path))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: field 'metadata' is not valid JSON: {error}") from error
    if not isinstance(metadata, dict):
        raise ValueError(
            f"{path}: field 'metadata' must be a JSON object, got {type(metadata).__name__}"
        )
    try:
        if protocol == ShadowRecord.PROTOCOL:
            return ShadowRecord(bits=data["bits"], recipes=data["recipes"], metadata=metadata)
        return BellRecord(bits=data["bits"], metadata=metadata)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def load_any(path: PathLike) -> ShadowRecord | BellRecord:
    """Loads records from our ``.npz`` files or from ReCirq ``qml_lfe`` ``.npy`` files.

    Args:
        path: ``*.npz`` (written by :func:`save_records`) or a ReCirq ``*.npy`` file
            (see :func:`qmemlearn.records.recirq.load_recirq` for how the kind is detected).

    Raises:
        ValueError: For any other suffix, or an invalid file.
        FileNotFoundError: If the file (or a required ReCirq companion) does not exist.
    """
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_records(path)
    if suffix == ".npy":
        from qmemlearn.records.recirq import load_recirq

        return load_recirq(path)
    raise ValueError(
        f"{path}: cannot tell the record format from the suffix {path.suffix!r}; accepted are "
        f"'*.npz' (qmemlearn records written by save_records) and ReCirq qml_lfe '*.npy' files: "
        f"'Q-size-{{n}}-pauli-{{P}}.npy' (two-copy, or single-copy when a "
        f"'-basis.npy' companion exists), 'C-size-{{n}}-pauli-{{P}}.npy' and "
        f"'...-basis.npy' (single-copy)"
    )
