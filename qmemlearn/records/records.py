"""Measurement records: single-copy (classical shadow) and two-copy (Bell) shots.

Conventions (DESIGN §3):
    * :class:`ShadowRecord` follows PennyLane's ``qml.ClassicalShadow(bits, recipes)``:
      ``recipes[t, i]`` in {0: X, 1: Y, 2: Z} is the Pauli measured on system qubit ``i`` in shot
      ``t`` and ``bits[t, i]`` in {0, 1}, where 0 means the **+1 eigenvalue of that Pauli** was
      seen. One shot consumes one copy of the state.
    * :class:`BellRecord` stores ``bits[t, 2i] = a_i`` (copy A) and ``bits[t, 2i+1] = b_i``
      (copy B), measured after CNOT(a_i -> b_i) then H(a_i). One shot consumes two copies.
    * Arrays are ``uint8`` and read-only; ``metadata`` is a JSON-native ``dict``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar

import numpy as np

RECIPE_NAMES = "XYZ"  # recipe code k measures the Pauli RECIPE_NAMES[k]


def _bit_array(value: Any, field: str, high: int, allowed: str) -> np.ndarray:
    """Validates a 2-D integer array with entries in ``[0, high]``; returns a read-only uint8 copy.

    Raises:
        ValueError: naming ``field``, the offending dtype/shape/value and the allowed range.
    """
    try:
        arr = np.asarray(value)
    except Exception as error:  # e.g. ragged nested lists
        raise ValueError(f"{field} could not be converted to an array: {error}") from error
    if arr.dtype.kind not in "biu":
        raise ValueError(
            f"{field} has dtype {arr.dtype}; it must be an integer or bool array with "
            f"values {allowed}"
        )
    if arr.ndim != 2:
        raise ValueError(f"{field} has shape {arr.shape}; it must be 2-D [shots, qubits]")
    if arr.size:
        bad = (arr < 0) | (arr > high) if arr.dtype.kind != "b" else np.zeros(arr.shape, bool)
        if bad.any():
            t, i = (int(k) for k in np.argwhere(bad)[0])
            raise ValueError(
                f"{field} has the value {arr[t, i]} at [{t}, {i}]; allowed values are {allowed}"
            )
    out = arr.astype(np.uint8, copy=True)
    out.flags.writeable = False
    return out


def _json_metadata(metadata: Any, field: str) -> dict:
    """Checks that ``metadata`` is a JSON-serialisable dict; returns its JSON-normalised copy.

    The copy is what a save/load round trip returns (tuples become lists, int keys strings).
    """
    if not isinstance(metadata, dict):
        raise ValueError(f"{field} must be a dict, got {type(metadata).__name__}")
    try:
        return json.loads(json.dumps(metadata, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{field} must be JSON-serialisable (json.dumps failed: {error})"
        ) from error


def _check_width(bits: np.ndarray, field: str, *, paired: bool) -> None:
    """Checks that there is at least one system qubit (and, if ``paired``, an even width)."""
    width = bits.shape[1]
    if paired and (width < 2 or width % 2):
        raise ValueError(
            f"{field} has shape {bits.shape}; the second axis must be 2n >= 2 "
            f"(columns a0, b0, a1, b1, ...)"
        )
    if not paired and width < 1:
        raise ValueError(f"{field} has shape {bits.shape}; it needs n >= 1 qubit columns")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ShadowRecord:
    """Single-copy randomized Pauli measurement shots (a classical shadow).

    Attributes:
        bits: uint8 ``[T, n]``; 0 means the +1 eigenvalue of the measured Pauli was seen.
        recipes: uint8 ``[T, n]``; measured Pauli per qubit, 0: X, 1: Y, 2: Z.
        metadata: JSON-native dict (protocol parameters, source, seed, versions, ...).

    Any integer or bool arrays with valid values are accepted and stored as read-only uint8.
    ``T = 0`` shots is allowed.
    """

    bits: np.ndarray
    recipes: np.ndarray
    metadata: dict = dataclasses.field(default_factory=dict)

    PROTOCOL: ClassVar[str] = "single-copy"

    def __post_init__(self) -> None:
        bits = _bit_array(self.bits, "ShadowRecord.bits", 1, "0 or 1")
        recipes = _bit_array(self.recipes, "ShadowRecord.recipes", 2, "0 (X), 1 (Y) or 2 (Z)")
        _check_width(bits, "ShadowRecord.bits", paired=False)
        if bits.shape != recipes.shape:
            raise ValueError(
                f"ShadowRecord.bits has shape {bits.shape} but ShadowRecord.recipes has shape "
                f"{recipes.shape}; they must be equal [shots, n]"
            )
        object.__setattr__(self, "bits", bits)
        object.__setattr__(self, "recipes", recipes)
        object.__setattr__(self, "metadata", _json_metadata(self.metadata, "ShadowRecord.metadata"))

    @property
    def n(self) -> int:
        """Number of system qubits."""
        return int(self.bits.shape[1])

    @property
    def shots(self) -> int:
        """Number of shots T."""
        return int(self.bits.shape[0])

    @property
    def copies(self) -> int:
        """Copies of the state consumed: one per shot."""
        return self.shots

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (
            np.array_equal(self.bits, other.bits)
            and np.array_equal(self.recipes, other.recipes)
            and self.metadata == other.metadata
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ShadowRecord(n={self.n}, shots={self.shots}, metadata={self.metadata!r})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class BellRecord:
    """Two-copy Bell-basis measurement shots.

    Attributes:
        bits: uint8 ``[T, 2n]``; ``bits[t, 2i] = a_i`` (copy A), ``bits[t, 2i+1] = b_i`` (copy B),
            after CNOT(a_i -> b_i) then H(a_i). Per pair XX = (-1)^a, ZZ = (-1)^b,
            YY = -(-1)^(a+b).
        metadata: JSON-native dict.

    ``T = 0`` shots is allowed.
    """

    bits: np.ndarray
    metadata: dict = dataclasses.field(default_factory=dict)

    PROTOCOL: ClassVar[str] = "two-copy"

    def __post_init__(self) -> None:
        bits = _bit_array(self.bits, "BellRecord.bits", 1, "0 or 1")
        _check_width(bits, "BellRecord.bits", paired=True)
        object.__setattr__(self, "bits", bits)
        object.__setattr__(self, "metadata", _json_metadata(self.metadata, "BellRecord.metadata"))

    @property
    def n(self) -> int:
        """Number of system qubits (half the number of bit columns)."""
        return int(self.bits.shape[1] // 2)

    @property
    def shots(self) -> int:
        """Number of shots T."""
        return int(self.bits.shape[0])

    @property
    def copies(self) -> int:
        """Copies of the state consumed: two per shot."""
        return 2 * self.shots

    @property
    def a(self) -> np.ndarray:
        """Copy-A bits ``[T, n]`` (a read-only view, ``bits[:, 0::2]``)."""
        return self.bits[:, 0::2]

    @property
    def b(self) -> np.ndarray:
        """Copy-B bits ``[T, n]`` (a read-only view, ``bits[:, 1::2]``)."""
        return self.bits[:, 1::2]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return np.array_equal(self.bits, other.bits) and self.metadata == other.metadata

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"BellRecord(n={self.n}, shots={self.shots}, metadata={self.metadata!r})"


Record = ShadowRecord | BellRecord
