"""Import (and export) of the released dynamics data of Huang et al., Science 376, 1182 (2022).

The paper's Fig. 4 data are ``.npy`` files named
``1D-scramble-{C|Q}-size-{n}-depth-{d}-type-{0|1}-batch-{k}-number-{j}.npy``, written by
ReCirq ``recirq/qml_lfe`` (``learn_dynamics_c.py`` / ``learn_dynamics_q.py``), one file per
circuit U:

* ``C`` (single-copy): int64 ``[shots, n]``, every qubit measured in the Y basis after U|0…0⟩.
  A bit there is **1 when Y = +1**, the opposite of DESIGN §3, so the loader flips it: our
  bit 0 means Y = +1. (``learn_dynamics_C.py`` appends ``cirq.S`` then ``cirq.H`` before the
  Z measurement, which measures S†XS = −Y; pinned by a simulation in the tests.) The record is a :class:`ShadowRecord` with every recipe Y (code 1).
* ``Q`` (two-copy): int64 ``[shots, 2n]``, column 2i the system qubit i and 2i+1 its memory
  partner, after the un-Bell step; our :class:`BellRecord` order, loaded unchanged.
* ``type``: 0 = scrambling, 1 = T-symmetric (our ``BrickworkDynamics.label``).

Files are read without pickle, after the memory-guarded header check of
:mod:`qmemlearn.records.recirq` (a header may declare any shape; a truncated file is refused
before ``np.load``). :func:`load_dynamics_directory` groups a directory's files by
(protocol, n, depth), the unit that the classification of :mod:`qmemlearn.tasks.dynamics`
works on; :func:`write_dynamics_file` writes our bits in the paper's format (tests, export).
"""

from __future__ import annotations

import os
import pathlib
import re
import uuid

import numpy as np

from qmemlearn.records.recirq import _load_int_array
from qmemlearn.records.records import BellRecord, ShadowRecord

SOURCE_FORMAT = "recirq-qml_lfe-dynamics"
#: File letter -> our protocol name (the dynamics task's protocols).
PROTOCOL_OF_LETTER = {"C": "single-copy", "Q": "two-copy"}
LETTER_OF_PROTOCOL = {v: k for k, v in PROTOCOL_OF_LETTER.items()}
#: File ``type`` -> our class name (``qmemlearn.sources.brickwork.KIND_LABELS`` inverted).
KIND_OF_TYPE = {0: "scrambling", 1: "t-symmetric"}
SIGN_CONVERSION = "paper C files store 1 for Y = +1; flipped to bit 0 = Y = +1 (DESIGN §3)"
GLOB = "1D-scramble-*.npy"
_Y_RECIPE = 1
_NAME = re.compile(
    r"^1D-scramble-(?P<letter>[CQ])-size-(?P<n>\d+)-depth-(?P<depth>\d+)-type-(?P<type>[01])"
    r"-batch-(?P<batch>\d+)-number-(?P<number>\d+)\.npy$"
)
_PATTERN = "1D-scramble-{C|Q}-size-{n}-depth-{d}-type-{0|1}-batch-{k}-number-{j}.npy"

PathLike = str | os.PathLike
Record = ShadowRecord | BellRecord


def parse_dynamics_name(name: str) -> dict:
    """Parses a paper dynamics file name.

    Returns:
        ``{"protocol": "single-copy"|"two-copy", "n", "depth", "type", "label", "kind",
        "batch", "number"}`` (ints, except the names); ``label`` equals ``type``.

    Raises:
        ValueError: If the name does not match :data:`_PATTERN`, or n or depth is < 1.

    Example:
        >>> parse_dynamics_name("1D-scramble-C-size-4-depth-5-type-1-batch-0-number-3.npy")["kind"]
        't-symmetric'
    """
    match = _NAME.match(name)
    if match is None:
        raise ValueError(f"file name {name!r} is not a paper dynamics file; expected {_PATTERN}")
    parsed = {key: int(match[key]) for key in ("n", "depth", "type", "batch", "number")}
    for key in ("n", "depth"):
        if parsed[key] < 1:
            raise ValueError(f"file name {name!r}: {key}={parsed[key]} must be >= 1")
    parsed.update(protocol=PROTOCOL_OF_LETTER[match["letter"]], label=parsed["type"], kind=KIND_OF_TYPE[parsed["type"]])
    return parsed


def _check_bits(path: pathlib.Path, bits: np.ndarray, parsed: dict) -> None:
    width = parsed["n"] * (2 if parsed["protocol"] == "two-copy" else 1)
    letter = LETTER_OF_PROTOCOL[parsed["protocol"]]
    if bits.ndim != 2 or bits.shape[1] != width:
        layout = "[shots, 2n] (2i system, 2i+1 memory)" if letter == "Q" else "[shots, n]"
        raise ValueError(
            f"{path}: a {letter} file of size-{parsed['n']} must hold bits of shape {layout} = "
            f"[shots, {width}], got {bits.shape}"
        )
    bad = np.argwhere((bits != 0) & (bits != 1))
    if len(bad):
        t, i = (int(k) for k in bad[0])
        raise ValueError(f"{path}: bits[{t}, {i}] = {bits[t, i]}; allowed values are 0 and 1")


def load_dynamics_file(path: PathLike) -> Record:
    """Loads one paper dynamics file as our record.

    Args:
        path: A ``1D-scramble-…npy`` file.

    Returns:
        ``C``: a :class:`ShadowRecord` (recipes all Y, bits flipped to our sign); ``Q``: a
        :class:`BellRecord` (bits unchanged). The metadata hold the protocol, n, depth, type,
        label, kind, batch, number, source file and ``queries_per_shot``.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: On an unparsable name, a non-integer dtype, a shape that disagrees with
            the size in the name, bits outside {0, 1}, or a truncated/malformed file.
    """
    path = pathlib.Path(path)
    parsed = parse_dynamics_name(path.name)
    bits = _load_int_array(path, "dynamics bits")
    _check_bits(path, bits, parsed)
    metadata = {
        "source_format": SOURCE_FORMAT,
        "source_file": path.name,
        **parsed,
        "queries_per_shot": 2 if parsed["protocol"] == "two-copy" else 1,
        "cost_unit": "queries of U",
    }
    if parsed["protocol"] == "two-copy":
        metadata["bit_order"] = "2i system, 2i+1 memory (paper order, loaded unchanged)"
        return BellRecord(bits=bits, metadata=metadata)
    metadata["sign_conversion"] = SIGN_CONVERSION
    ours = 1 - bits.astype(np.uint8)
    return ShadowRecord(bits=ours, recipes=np.full(ours.shape, _Y_RECIPE, dtype=np.uint8), metadata=metadata)


def load_dynamics_directory(directory: PathLike) -> dict[tuple[str, int, int], list[Record]]:
    """Loads every ``1D-scramble-*.npy`` file of ``directory``, grouped by (protocol, n, depth).

    Returns:
        Groups in sorted key order; the records of a group sorted by (type, batch, number).

    Raises:
        ValueError: If ``directory`` is not a directory, holds no such file, or a file is bad
            (see :func:`load_dynamics_file`).
    """
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        raise ValueError(f"directory={str(directory)!r} is not a directory")
    paths = sorted(directory.glob(GLOB))
    if not paths:
        raise ValueError(f"directory={str(directory)!r} holds no {GLOB} files (expected {_PATTERN})")
    groups: dict[tuple[str, int, int], list[Record]] = {}
    for path in paths:
        record = load_dynamics_file(path)
        meta = record.metadata
        groups.setdefault((meta["protocol"], meta["n"], meta["depth"]), []).append(record)
    return {
        key: sorted(groups[key], key=lambda r: (r.metadata["type"], r.metadata["batch"], r.metadata["number"]))
        for key in sorted(groups)
    }


def group_counts(records: list[Record], shots: int | None = None) -> tuple[np.ndarray, int, np.ndarray]:
    """Per-circuit counts of ones over the first ``shots`` shots of each record, and the labels.

    Args:
        records: One group (same protocol, n and depth).
        shots: Shots used per circuit, >= 2. Defaults to None (the fewest any record has).

    Returns:
        ``(ones [circuits, bits] int64, shots, labels [circuits])``, labels being the file
        types (0 scrambling, 1 T-symmetric), our bit sign.

    Raises:
        ValueError: If the records disagree in width, or ``shots`` is < 2 or more than a
            record holds.
    """
    if not records:
        raise ValueError("records must hold at least one record")
    widths = {r.bits.shape[1] for r in records}
    if len(widths) != 1:
        raise ValueError(f"records of one group must have one width; got widths {sorted(widths)}")
    fewest = min(r.shots for r in records)
    used = fewest if shots is None else shots
    if isinstance(used, bool) or not isinstance(used, (int, np.integer)) or not 2 <= used <= fewest:
        raise ValueError(f"shots={shots!r} must be an int in [2, {fewest}] (the fewest shots of a file in the group)")
    ones = np.stack([r.bits[:used].sum(axis=0, dtype=np.int64) for r in records])
    labels = np.array([r.metadata["label"] for r in records], dtype=np.int64)
    return ones, int(used), labels


def dynamics_file_name(*, protocol: str, n: int, depth: int, label: int, batch: int, number: int) -> str:
    """The paper's file name for one circuit (``label``: 0 scrambling, 1 T-symmetric)."""
    if protocol not in LETTER_OF_PROTOCOL:
        raise ValueError(f"protocol={protocol!r} must be one of {', '.join(LETTER_OF_PROTOCOL)}")
    if label not in KIND_OF_TYPE:
        raise ValueError(f"label={label!r} must be 0 (scrambling) or 1 (t-symmetric)")
    return (
        f"1D-scramble-{LETTER_OF_PROTOCOL[protocol]}-size-{n}-depth-{depth}-type-{label}"
        f"-batch-{batch}-number-{number}.npy"
    )


def write_dynamics_file(
    directory: PathLike, bits: np.ndarray, *, protocol: str, n: int, depth: int, label: int, batch: int = 0,
    number: int = 0,
) -> pathlib.Path:
    """Writes our bits (DESIGN §3 sign) as a paper file: int64, C bits flipped; atomic rename.

    Returns:
        The written path; :func:`load_dynamics_file` gives ``bits`` back.

    Raises:
        ValueError: If the name fields or the bits are invalid for the paper format.
    """
    name = dynamics_file_name(protocol=protocol, n=n, depth=depth, label=label, batch=batch, number=number)
    path = pathlib.Path(directory) / name
    bits = np.asarray(bits)
    _check_bits(path, bits, parse_dynamics_name(name))
    paper = bits.astype(np.int64) if protocol == "two-copy" else 1 - bits.astype(np.int64)
    tmp = path.with_name(f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "xb") as handle:
            np.save(handle, paper, allow_pickle=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
