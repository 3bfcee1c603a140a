"""Import of the released ``.npy`` data of Huang et al., Science 376, 1182 (2022).

The data were written by ReCirq ``recirq/qml_lfe`` (github.com/quantumlib/ReCirq). What we rely
on, read from that code (our own re-implementation; no ReCirq code is copied here):

Two-copy data, ``learn_states_q.py`` (``run_and_save``):
    * file ``Q-size-{n}-pauli-{P}.npy`` saved by ``np.save``; ``P`` is the n-character hidden
      Pauli string (characters ``X Y Z I``);
    * array ``[n_shots, 2n]``: columns are measurement keys ``q0 .. q{2n-1}`` on
      ``all_qubits = np.concatenate(qubit_pairs)``, i.e. a0, b0, a1, b1, ... after
      ``un_bell_pair_block`` = CNOT(a, b) then H(a). That is our :class:`BellRecord` order, so the
      bits are loaded unchanged. (``learn_states_c_test.py`` ``_predict_exp`` decodes pair index
      ``2a + b`` with X: [1, 1, -1, -1], Y: [-1, 1, 1, -1], Z: [1, -1, 1, -1], as DESIGN §3.)

Single-copy data, ``learn_states_c.py``:
    * ``run_and_save`` writes ``Q-size-{n}-pauli-{P}.npy`` (the same name pattern as the
      two-copy script!) with shape ``[n_shots, n]`` (keys ``q0 .. q{n-1}`` on the A qubits;
      the ``# [n_shots, 2 * n]`` comment there is a leftover) and ``Q-size-{n}-pauli-{P}-basis.npy``
      from ``rand_state.randint(0, 3, size=(n_shots, n))``.
    * ``sample_analysis.ipynb`` (the analysis of the released data) reads single-copy files named
      ``C-size-{n}-pauli-{P}.npy`` with the companion ``C-size-{n}-pauli-{P}-basis.npy`` and
      two-copy files ``Q-size-{n}-pauli-{P}.npy``; its ``idx_to_pauli = ["Z", "X", "Y"]``.
    * ``_create_basis_sweeps``: basis 0 sets H=0, S=0 (identity: measures Z); basis 1 sets
      ``PhasedXZGate(axis_phase_exponent=0.5, x_exponent=0.5)`` (commented "H"); basis 2 sets
      ``PhasedXZGate(axis_phase_exponent=-1.0, x_exponent=0.5)`` (commented "HS"). Conjugating Z
      by these unitaries gives U^† Z U = -X for basis 1 and -Y for basis 2 (checked with
      ``cirq.unitary``; pinned by a simulation in ``tests/records/test_recirq.py``). So their
      bit 0 in basis 1/2 is the -1 eigenvalue of X/Y, and we flip those bits.

Mapping to our convention: recipe = (2, 0, 1)[basis] (0: X, 1: Y, 2: Z);
bit = recirq_bit XOR (basis != 0).
"""

from __future__ import annotations

import os
import pathlib
import re

import numpy as np

from qmemlearn.paulis import validate_pauli
from qmemlearn.records.limits import check_allocation, declared_bytes, read_npy_header
from qmemlearn.records.records import BellRecord, ShadowRecord

SOURCE_FORMAT = "recirq-qml_lfe"
SIGN_CONVERSION = "recirq: flipped bits where basis is X or Y (ReCirq measures -X, -Y)"
BASIS_MAPPING = "recirq basis 0 -> Z (recipe 2), 1 -> -X (recipe 0), 2 -> -Y (recipe 1)"
# ReCirq basis integer -> our recipe (0: X, 1: Y, 2: Z), and whether the bit must be flipped.
_RECIPE_OF_BASIS = np.array([2, 0, 1], dtype=np.uint8)
_FLIP_OF_BASIS = np.array([0, 1, 1], dtype=np.uint8)

_NAME = re.compile(
    r"^(?P<kind>[QC])-size-(?P<n>\d+)-pauli-(?P<pauli>[A-Za-z]+)(?P<basis>-basis)?\.npy$"
)

PathLike = str | os.PathLike


def parse_recirq_name(name: str) -> dict | None:
    """Parses ``{Q|C}-size-{n}-pauli-{P}[-basis].npy``.

    Returns:
        ``{"kind": "Q"|"C", "n": int, "pauli": str, "is_basis": bool}``, or ``None`` if the name
        does not match.

    Raises:
        ValueError: If the name matches but ``n < 1`` or ``P`` is not a Pauli string of length ``n``.
    """
    match = _NAME.match(name)
    if match is None:
        return None
    n = int(match["n"])
    if n < 1:
        raise ValueError(
            f"{name}: size-{match['n']} in the file name gives n={n}; ReCirq files have n >= 1 qubits"
        )
    try:
        validate_pauli(match["pauli"], n=n, name=f"pauli in file name {name!r}")
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from error
    is_basis = bool(match["basis"])
    return {"kind": match["kind"], "n": n, "pauli": match["pauli"], "is_basis": is_basis}


def _companion_basis(path: pathlib.Path) -> pathlib.Path:
    """``X.npy`` -> ``X-basis.npy`` (ReCirq's single-copy basis file)."""
    return path.with_name(path.name[: -len(".npy")] + "-basis.npy")


def _check_npy_size(path: pathlib.Path, field: str) -> None:
    """Refuses, from the header alone, a ``.npy`` whose declared array does not fit in memory or
    is larger than the file. Files without a ``.npy`` header are left to ``np.load`` to report."""
    try:
        with open(path, "rb") as stream:
            shape, dtype = read_npy_header(stream)
            header_length = stream.tell()
    except (ValueError, OSError, EOFError, SyntaxError):
        return
    if dtype.hasobject:
        return
    nbytes = declared_bytes(shape, dtype)
    check_allocation(nbytes, f"{path}: {field} declare shape {shape} of {dtype}, which")
    stored = path.stat().st_size - header_length
    if nbytes > stored:
        raise ValueError(
            f"{path}: {field} declare shape {shape} of {dtype} ({nbytes} bytes) but the file stores "
            f"only {stored} bytes (truncated or corrupt)"
        )


def _load_int_array(path: pathlib.Path, field: str) -> np.ndarray:
    """Loads a ``.npy`` integer/bool array without pickle; errors name the path."""
    if not path.is_file():
        raise FileNotFoundError(f"ReCirq {field} file not found: {path}")
    _check_npy_size(path, field)
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(
            f"{path}: not a readable .npy file (truncated or corrupt): {error}"
        ) from error
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{path}: expected a single .npy array, found an .npz archive")
    if arr.dtype.kind not in "biu":
        raise ValueError(f"{path}: {field} has dtype {arr.dtype}; expected integers 0/1")
    return arr


def _base_metadata(path: pathlib.Path, parsed: dict | None, script: str) -> dict:
    metadata = {"source_format": SOURCE_FORMAT, "source_file": path.name, "recirq_script": script}
    if parsed is not None:
        metadata.update(n=parsed["n"], pauli=parsed["pauli"], recirq_name_prefix=parsed["kind"])
    return metadata


def load_recirq_two_copy(path: PathLike) -> BellRecord:
    """Loads a two-copy file ``Q-size-{n}-pauli-{P}.npy`` written by ``learn_states_q.py``.

    The ``[shots, 2n]`` bits (a0, b0, a1, b1, ...) are already our order and are loaded unchanged.
    If the name matches the pattern, ``n`` and ``P`` go into the metadata and the shape is checked.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the array is not 2-D ``[shots, 2n]`` with 0/1 entries.
    """
    path = pathlib.Path(path)
    parsed = parse_recirq_name(path.name)
    if parsed is not None and parsed["is_basis"]:
        raise ValueError(f"{path}: this is a single-copy basis file, not two-copy data")
    bits = _load_int_array(path, "two-copy bits")
    if parsed is not None and (bits.ndim != 2 or bits.shape[1] != 2 * parsed["n"]):
        hint = ""
        if bits.ndim == 2 and bits.shape[1] == parsed["n"]:
            hint = " (it has n columns: single-copy data? use load_recirq_single_copy)"
        raise ValueError(
            f"{path}: the file name says n={parsed['n']}, so two-copy bits must have shape "
            f"[shots, {2 * parsed['n']}] (a0, b0, a1, b1, ...), got {bits.shape}{hint}"
        )
    metadata = _base_metadata(path, parsed, "learn_states_q.py")
    metadata["bit_order"] = "a0,b0,a1,b1,... (ReCirq order, loaded unchanged)"
    try:
        return BellRecord(bits=bits, metadata=metadata)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def load_recirq_single_copy(path: PathLike, basis_path: PathLike | None = None) -> ShadowRecord:
    """Loads single-copy data written by ``learn_states_c.py`` and converts it to our convention.

    Args:
        path: The bits file, e.g. ``C-size-{n}-pauli-{P}.npy`` or ``Q-size-{n}-pauli-{P}.npy``
            (shape ``[shots, n]``). Passing the ``...-basis.npy`` file instead also works.
        basis_path: The basis file ``[shots, n]`` with entries 0 (Z), 1 (-X), 2 (-Y); by
            default the companion ``{stem}-basis.npy`` next to ``path``.

    Returns:
        A :class:`ShadowRecord` with recipes 0: X, 1: Y, 2: Z and bits flipped where the ReCirq
        basis is X or Y, so that bit 0 is the +1 eigenvalue of the recipe Pauli.

    Raises:
        FileNotFoundError: If the bits or basis file is missing.
        ValueError: If shapes or values are invalid or disagree with the file name.
    """
    path = pathlib.Path(path)
    if path.name.endswith("-basis.npy") and basis_path is None:
        basis_path, path = path, path.with_name(path.name[: -len("-basis.npy")] + ".npy")
    basis_path = _companion_basis(path) if basis_path is None else pathlib.Path(basis_path)
    parsed = parse_recirq_name(path.name)
    bits = _load_int_array(path, "single-copy bits")
    basis = _load_int_array(basis_path, "single-copy basis")
    # With n = 1, np.squeeze in run_and_save leaves the bits 1-D [shots]; the basis is [shots, 1].
    if bits.ndim == 1 and basis.ndim == 2 and basis.shape == (bits.shape[0], 1):
        bits = bits.reshape(-1, 1)
    if bits.ndim != 2 or bits.shape != basis.shape:
        raise ValueError(
            f"{path}: single-copy bits have shape {bits.shape} but the basis file "
            f"{basis_path.name} has shape {basis.shape}; both must be [shots, n]"
        )
    if parsed is not None and bits.shape[1] != parsed["n"]:
        raise ValueError(
            f"{path}: the file name says n={parsed['n']}, so single-copy bits must have shape "
            f"[shots, {parsed['n']}], got {bits.shape}"
        )
    for arr, name, high in ((bits, "bits", 1), (basis, "basis", 2)):
        bad = np.argwhere((arr < 0) | (arr > high)) if arr.dtype.kind != "b" else []
        if len(bad):
            t, i = (int(k) for k in bad[0])
            raise ValueError(
                f"{path}: ReCirq {name} has the value {arr[t, i]} at [{t}, {i}]; "
                f"allowed values are 0..{high}"
            )
    basis = basis.astype(np.intp)
    recipes = _RECIPE_OF_BASIS[basis]
    ours = bits.astype(np.uint8) ^ _FLIP_OF_BASIS[basis]
    metadata = _base_metadata(path, parsed, "learn_states_c.py")
    metadata.update(
        basis_file=basis_path.name, sign_conversion=SIGN_CONVERSION, basis_mapping=BASIS_MAPPING
    )
    return ShadowRecord(bits=ours, recipes=recipes, metadata=metadata)


def load_recirq(path: PathLike) -> ShadowRecord | BellRecord:
    """Loads a ReCirq ``qml_lfe`` ``.npy`` file, deciding its kind from the name.

    Single-copy if the name ends in ``-basis.npy``, starts with ``C-``, or a ``-basis.npy``
    companion exists next to it (``learn_states_c.py`` also uses the ``Q-`` prefix); otherwise
    two-copy.
    """
    path = pathlib.Path(path)
    parsed = parse_recirq_name(path.name)
    single = (
        path.name.endswith("-basis.npy")
        or (parsed is not None and parsed["kind"] == "C")
        or _companion_basis(path).is_file()
    )
    return load_recirq_single_copy(path) if single else load_recirq_two_copy(path)
