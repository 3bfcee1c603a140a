"""Readout calibration: per-qubit confusion from |0…0⟩ and |1…1⟩ preparation circuits.

The two circuits are ordinary ``cirq.Circuit``s (measure; X on every qubit, then measure), so
any ``cirq.Sampler``, hardware included, runs them. The measured qubits are given in the
column order of the protocol's records: ``q0, q1, ...`` for single-copy and
``a0, b0, a1, b1, ...`` for two-copy (:func:`record_qubits`). Per column j,

* ``p01[j]`` = P(read 1 | prepared 0), estimated as the mean bit of the |0…0⟩ circuit;
* ``p10[j]`` = P(read 0 | prepared 1), estimated as one minus the mean bit of the |1…1⟩ circuit;

each a binomial proportion with standard error ``sqrt(p (1 - p) / shots)``. Preparation
errors (an imperfect X) count as readout error here, as in any hardware calibration.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import uuid
from typing import Any, Sequence

import cirq
import numpy as np

from qmemlearn.protocols.base import MEASUREMENT_KEY

__all__ = ["ReadoutCalibration", "calibrate_readout", "readout_calibration_circuits", "record_qubits"]


def _probabilities(value: Any, field: str) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{field}={value!r} must be a 1-D array of probabilities in [0, 1]") from error
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{field} has shape {array.shape}; it must be 1-D with >= 1 entry (one per bit column)")
    if not np.all((array >= 0.0) & (array <= 1.0)):
        j = int(np.flatnonzero(~((array >= 0.0) & (array <= 1.0)))[0])
        raise ValueError(f"{field}[{j}]={float(array[j])!r} must be a probability in [0, 1]")
    array.flags.writeable = False
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class ReadoutCalibration:
    """Per-column readout confusion, estimated from calibration shots.

    Attributes:
        p01: float ``[k]``, P(read 1 | prepared 0) per measured bit column.
        p10: float ``[k]``, P(read 0 | prepared 1) per measured bit column.
        shots: int ``[k]``, shots of each preparation circuit behind the estimates (>= 1).
        qubits: Optional names of the k measured qubits, in column order (informational).

    Readout correction needs ``p01 + p10 < 1`` on every column (an invertible confusion).

    Example:
        >>> calibration = ReadoutCalibration(p01=[0.02], p10=[0.05], shots=[10000])
        >>> round(float(calibration.p10_stderr[0]), 5)
        0.00218
    """

    p01: np.ndarray
    p10: np.ndarray
    shots: np.ndarray
    qubits: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        p01 = _probabilities(self.p01, "p01")
        p10 = _probabilities(self.p10, "p10")
        shots = np.array(self.shots)
        if shots.ndim == 0:
            shots = np.full(p01.shape, shots)
        integral = shots.dtype.kind in "iuf" and np.all(shots == np.round(shots))
        if not integral or shots.shape != p01.shape or np.any(shots < 1):
            raise ValueError(f"shots={self.shots!r} must be an int >= 1 or {p01.size} such ints (one per column)")
        if p10.shape != p01.shape:
            raise ValueError(f"p10 has {p10.size} entries but p01 has {p01.size}; they must match (one per column)")
        bad = np.flatnonzero(p01 + p10 >= 1.0)
        if bad.size:
            j = int(bad[0])
            raise ValueError(
                f"p01[{j}] + p10[{j}] = {float(p01[j] + p10[j])!r} must be < 1 (an invertible readout confusion)"
            )
        qubits = tuple(str(q) for q in self.qubits)
        if qubits and len(qubits) != p01.size:
            raise ValueError(
                f"qubits has {len(qubits)} names but there are {p01.size} columns; give none or one per column"
            )
        shots = shots.astype(np.int64)
        shots.flags.writeable = False
        object.__setattr__(self, "p01", p01)
        object.__setattr__(self, "p10", p10)
        object.__setattr__(self, "shots", shots)
        object.__setattr__(self, "qubits", qubits)

    @property
    def width(self) -> int:
        """Number of calibrated bit columns k."""
        return int(self.p01.size)

    @property
    def p01_stderr(self) -> np.ndarray:
        """Binomial standard errors ``sqrt(p01 (1 - p01) / shots)``, float ``[k]``."""
        return np.sqrt(self.p01 * (1.0 - self.p01) / self.shots)

    @property
    def p10_stderr(self) -> np.ndarray:
        """Binomial standard errors ``sqrt(p10 (1 - p10) / shots)``, float ``[k]``."""
        return np.sqrt(self.p10 * (1.0 - self.p10) / self.shots)

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-native dict (e.g. for record metadata); :meth:`from_json_dict` inverts it."""
        return {
            "p01": self.p01.tolist(),
            "p10": self.p10.tolist(),
            "shots": self.shots.tolist(),
            "qubits": list(self.qubits),
        }

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> "ReadoutCalibration":
        """Inverse of :meth:`to_json_dict`.

        Raises:
            ValueError: If a key is missing or a value is invalid.
        """
        if not isinstance(data, dict):
            raise ValueError(f"data must be a dict with keys p01, p10, shots, got {type(data).__name__}")
        missing = [key for key in ("p01", "p10", "shots") if key not in data]
        if missing:
            raise ValueError(f"data is missing the keys {missing}; needed: p01, p10, shots (qubits optional)")
        return cls(p01=data["p01"], p10=data["p10"], shots=data["shots"], qubits=tuple(data.get("qubits", ())))

    def to_json(self) -> str:
        """The calibration as a JSON string."""
        return json.dumps(self.to_json_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "ReadoutCalibration":
        """Inverse of :meth:`to_json`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"text is not valid JSON: {error}") from error
        return cls.from_json_dict(data)

    def save(self, path: str | os.PathLike) -> pathlib.Path:
        """Atomically writes :meth:`to_json` to ``path`` (temporary name, then rename).

        Returns:
            The path written.
        """
        path = pathlib.Path(path)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            with open(tmp, "x", encoding="utf-8") as handle:
                handle.write(self.to_json() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ReadoutCalibration":
        """Reads a file written by :meth:`save`.

        Raises:
            FileNotFoundError: If ``path`` is not a regular file.
            ValueError: If the file is not UTF-8 text holding a valid calibration (the message
                names the file).
        """
        path = pathlib.Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"readout calibration file not found (or not a regular file): {path}")
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as error:
            raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
        except ValueError as error:
            raise ValueError(f"{path}: not a readout calibration: {error}") from None

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (
            np.array_equal(self.p01, other.p01)
            and np.array_equal(self.p10, other.p10)
            and np.array_equal(self.shots, other.shots)
            and self.qubits == other.qubits
        )

    __hash__ = None  # type: ignore[assignment]


def record_qubits(protocol: Any, n: int) -> tuple[cirq.Qid, ...]:
    """The device qubits measured by ``protocol`` on n system qubits, in record column order.

    Two-copy protocols (with ``pairs(n)``) give ``a0, b0, a1, b1, ...``; single-copy protocols
    (with ``qubits(n)``) give ``q0, ..., q_{n-1}``.

    Raises:
        ValueError: If ``protocol`` has neither method.
    """
    if hasattr(protocol, "pairs"):
        return tuple(q for pair in protocol.pairs(n) for q in pair)
    if hasattr(protocol, "qubits"):
        return tuple(protocol.qubits(n))
    raise ValueError(f"protocol={protocol!r} has no pairs(n) or qubits(n) method to give its measured qubits")


def _checked_qubits(qubits: Sequence[cirq.Qid]) -> tuple[cirq.Qid, ...]:
    qubits = tuple(qubits)
    if not qubits:
        raise ValueError("qubits must contain at least one qubit")
    if len(set(qubits)) != len(qubits):
        raise ValueError(f"qubits={qubits} repeats a qubit; all must be distinct")
    return qubits


def readout_calibration_circuits(
    qubits: Sequence[cirq.Qid], *, key: str = MEASUREMENT_KEY
) -> tuple[cirq.Circuit, cirq.Circuit]:
    """The |0…0⟩ and |1…1⟩ calibration circuits, measuring ``qubits`` in order under ``key``.

    Args:
        qubits: The measured qubits in record column order (see :func:`record_qubits`).
        key: The measurement key. Defaults to the protocols' key ``"m"``.

    Returns:
        ``(zeros, ones)``: measure only; X on every qubit, then measure.

    Raises:
        ValueError: If ``qubits`` is empty or repeats a qubit.
    """
    qubits = _checked_qubits(qubits)
    measure = cirq.Moment(cirq.measure(*qubits, key=key))
    zeros = cirq.Circuit(measure)
    ones = cirq.Circuit(cirq.Moment(cirq.X.on_each(*qubits)), measure)
    return zeros, ones


def calibrate_readout(
    sampler: cirq.Sampler, qubits: Sequence[cirq.Qid], *, shots: int, key: str = MEASUREMENT_KEY
) -> ReadoutCalibration:
    """Runs both calibration circuits through ``sampler`` and estimates p01, p10 per qubit.

    Args:
        sampler: Any ``cirq.Sampler``; each circuit runs once with ``repetitions=shots``.
        qubits: The measured qubits in record column order (see :func:`record_qubits`).
        shots: Shots per calibration circuit, an int >= 1.
        key: The measurement key. Defaults to ``"m"``.

    Returns:
        The :class:`ReadoutCalibration` with ``shots`` per column and the qubit names.

    Raises:
        ValueError: On bad ``shots`` or ``qubits``, or an estimated ``p01 + p10 >= 1``.

    Example:
        >>> import cirq
        >>> calibrate_readout(cirq.Simulator(), cirq.LineQubit.range(2), shots=10).p10.tolist()
        [0.0, 0.0]
    """
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise ValueError(f"shots={shots!r} must be an int >= 1 (shots per calibration circuit)")
    qubits = _checked_qubits(qubits)
    zeros, ones = readout_calibration_circuits(qubits, key=key)
    read_zeros = np.asarray(sampler.run(zeros, repetitions=int(shots)).measurements[key])
    read_ones = np.asarray(sampler.run(ones, repetitions=int(shots)).measurements[key])
    return ReadoutCalibration(
        p01=read_zeros.mean(axis=0),
        p10=1.0 - read_ones.mean(axis=0),
        shots=np.full(len(qubits), int(shots)),
        qubits=tuple(str(q) for q in qubits),
    )
