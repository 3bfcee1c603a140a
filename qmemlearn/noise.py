"""Noise presets, written as short strings and turned into ``cirq.NoiseModel``s.

A noise spec is ``"ideal"`` or ``+``-joined terms ``name:key=value,...``:

    ``depolarizing:p1=0.001,p2=0.01``   depolarize(p1) after each 1-qubit gate, 2-qubit
                                        depolarize(p2) after each 2-qubit gate
    ``readout:p01=0.01,p10=0.02``       before each measurement, 0→1 with p01 and 1→0 with p10
    ``amplitude-damping:gamma=0.001``   amplitude_damp(gamma) on every qubit after every moment
                                        (idle memory decay, per moment)

Example: ``"depolarizing:p1=0.001,p2=0.005+readout:p01=0.02,p10=0.02"``.

Readout error is a channel before the measurement, never ``measure(confusion_map=...)``:
qsim crashes on confusion maps and stimcirq ignores them (DESIGN §6). Channels never follow a
measurement, so every backend sees the same noise. The Google calibrations of DESIGN §6 are
a later preset.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import cirq
import numpy as np

_TERMS = {
    "depolarizing": ("p1", "p2"),
    "readout": ("p01", "p10"),
    "amplitude-damping": ("gamma",),
}


@dataclasses.dataclass(frozen=True)
class NoiseSpec:
    """Parameters of the local noise presets; all probabilities in [0, 1]. Zero means absent."""

    p1: float = 0.0
    p2: float = 0.0
    p01: float = 0.0
    p10: float = 0.0
    gamma: float = 0.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"noise parameter {field.name}={value!r} must be a number in [0, 1]")
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"noise parameter {field.name}={value!r} must be a number in [0, 1]")
            object.__setattr__(self, field.name, float(value))  # canonical: NoiseSpec(p1=1) == (p1=1.0)

    @property
    def is_ideal(self) -> bool:
        return not any(dataclasses.astuple(self))

    def to_string(self) -> str:
        """The canonical spec string; :func:`parse_noise` of it gives back an equal spec."""
        terms = []
        for name, keys in _TERMS.items():
            values = {k: getattr(self, k) for k in keys}
            if any(values.values()):
                terms.append(name + ":" + ",".join(f"{k}={v!r}" for k, v in values.items()))
        return "+".join(terms) or "ideal"

    def model(self) -> cirq.NoiseModel | None:
        """The ``cirq.NoiseModel``, or None when ideal."""
        return None if self.is_ideal else LocalNoiseModel(self)


def parse_noise(spec: str | NoiseSpec | None) -> NoiseSpec:
    """Parses a noise spec string (see the module docstring).

    Raises:
        ValueError: Naming the unknown term or key, or the bad value, and listing what is allowed.

    Example:
        >>> parse_noise("depolarizing:p1=0.001").p1
        0.001
    """
    if spec is None:
        return NoiseSpec()
    if isinstance(spec, NoiseSpec):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"noise={spec!r} must be 'ideal' or terms like 'depolarizing:p1=0.001'")
    if spec.strip() == "ideal":
        return NoiseSpec()
    values: dict[str, float] = {}
    for term in spec.split("+"):
        name, _, body = term.strip().partition(":")
        if name not in _TERMS:
            raise ValueError(f"noise term {name!r} in noise={spec!r} is unknown; allowed: ideal, {', '.join(_TERMS)}")
        for item in filter(None, (x.strip() for x in body.split(","))):
            key, _, text = item.partition("=")
            if key not in _TERMS[name]:
                raise ValueError(f"noise term {name!r} has no parameter {key!r}; allowed: {', '.join(_TERMS[name])}")
            try:
                values[key] = float(text)
            except ValueError:
                raise ValueError(f"noise parameter {key}={text!r} must be a number in [0, 1]") from None
    return NoiseSpec(**values)


@cirq.value_equality
class ReadoutErrorChannel(cirq.Gate):
    """Asymmetric readout error as a 1-qubit channel: |0⟩→|1⟩ with p01 and |1⟩→|0⟩ with p10."""

    def __init__(self, p01: float, p10: float) -> None:
        NoiseSpec(p01=p01, p10=p10)  # validates both probabilities
        self.p01, self.p10 = float(p01), float(p10)

    def _num_qubits_(self) -> int:
        return 1

    def _kraus_(self) -> list[np.ndarray]:
        p01, p10 = self.p01, self.p10
        kraus = [
            np.diag([np.sqrt(1 - p01), np.sqrt(1 - p10)]),
            np.array([[0.0, 0.0], [np.sqrt(p01), 0.0]]),
            np.array([[0.0, np.sqrt(p10)], [0.0, 0.0]]),
        ]
        return [k for k in kraus if np.any(k)]

    def _has_kraus_(self) -> bool:
        return True

    def _value_equality_values_(self) -> tuple[float, float]:
        return self.p01, self.p10

    def _circuit_diagram_info_(self, args: cirq.CircuitDiagramInfoArgs) -> str:
        return f"RO({self.p01:g},{self.p10:g})"

    def __repr__(self) -> str:
        return f"qmemlearn.noise.ReadoutErrorChannel(p01={self.p01!r}, p10={self.p10!r})"


class LocalNoiseModel(cirq.NoiseModel):
    """Gate depolarizing, readout error before measurement, and idle amplitude damping."""

    def __init__(self, spec: NoiseSpec) -> None:
        self.spec = spec

    def noisy_moment(self, moment: cirq.Moment, system_qubits: Sequence[cirq.Qid]) -> cirq.OP_TREE:
        spec = self.spec
        measured = [q for op in moment for q in op.qubits if cirq.is_measurement(op)]
        before: list[cirq.Operation] = []
        if measured and (spec.p01 or spec.p10):
            before = [ReadoutErrorChannel(spec.p01, spec.p10).on(q) for q in measured]
        after: list[cirq.Operation] = []
        for op in moment:
            if cirq.is_measurement(op) or cirq.VirtualTag() in op.tags:
                continue
            if len(op.qubits) == 1 and spec.p1:
                after.append(cirq.depolarize(spec.p1).on(*op.qubits))
            elif len(op.qubits) == 2 and spec.p2:
                after.append(cirq.depolarize(spec.p2, n_qubits=2).on(*op.qubits))
        idle: list[cirq.Operation] = []
        if spec.gamma and not measured:
            idle = [cirq.amplitude_damp(spec.gamma).on(q) for q in system_qubits]
        return [
            cirq.Moment(ops) if i == 1 else cirq.Moment(op.with_tags(cirq.VirtualTag()) for op in ops)
            for i, ops in enumerate([before, list(moment), after, idle])
            if ops
        ]

    def __repr__(self) -> str:
        return f"LocalNoiseModel({self.spec!r})"
