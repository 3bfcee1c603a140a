"""Hashable noise channels: readout error before a measurement, and T1/T2 decay over a duration."""

from __future__ import annotations

import functools
import math

import cirq
import numpy as np

from qmemlearn.noise.spec import check_number


@cirq.value_equality
class ReadoutErrorChannel(cirq.Gate):
    """Asymmetric readout error as a 1-qubit channel: |0⟩→|1⟩ with p01 and |1⟩→|0⟩ with p10.

    Placed right before a measurement it gives the confusion matrix
    ``P(read j | state i) = [[1 - p01, p01], [p10, 1 - p10]]`` exactly, on every backend
    (unlike ``cirq.measure(confusion_map=...)``, DESIGN §6).
    """

    def __init__(self, p01: float, p10: float) -> None:
        self.p01 = check_number("p01", p01, 0.0, 1.0)
        self.p10 = check_number("p10", p10, 0.0, 1.0)

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


@functools.lru_cache(maxsize=1024)
def _thermal_kraus(duration_ns: float, t1_us: float, t2_us: float) -> tuple[np.ndarray, ...]:
    """Kraus operators of T1/T2 decay from ``cirq.devices.ThermalNoiseModel`` (rates in GHz).

    Cirq's dephasing rate is 1/T_phi = 1/T2 - 1/(2·T1) (Lindblad operator sqrt(2γ)·n), so
    coherences decay as exp(-t/T2) and the excited population as exp(-t/T1).
    """
    if duration_ns == 0.0:
        return (np.eye(2, dtype=np.complex128),)
    qubit = cirq.LineQubit(0)
    model = cirq.devices.ThermalNoiseModel(
        qubits={qubit},
        gate_durations_ns={cirq.Gate: duration_ns},
        cool_rate_GHz=1.0 / (1e3 * t1_us),
        dephase_rate_GHz=max(0.0, 1.0 / (1e3 * t2_us) - 0.5 / (1e3 * t1_us)),
        require_physical_tag=False,
    )
    _, noise = model.noisy_moment(cirq.Moment(cirq.I(qubit)), [qubit])
    return tuple(cirq.kraus(noise.operations[0]))


@cirq.value_equality
class ThermalDecayChannel(cirq.Gate):
    """T1 relaxation and T2 dephasing of one qubit over ``duration_ns`` nanoseconds.

    Hashable (unlike ``cirq.KrausChannel``), with the Kraus operators of Cirq's
    ``ThermalNoiseModel``: ⟨1|ρ|1⟩ → e^(-t/T1)·⟨1|ρ|1⟩ and ⟨0|ρ|1⟩ → e^(-t/T2)·⟨0|ρ|1⟩.
    """

    def __init__(self, duration_ns: float, t1_us: float, t2_us: float) -> None:
        self.duration_ns = check_number("duration_ns", duration_ns, 0.0, math.inf)
        self.t1_us = check_number("t1_us", t1_us, 0.0, math.inf, open_low=True)
        self.t2_us = check_number("t2_us", t2_us, 0.0, 2 * self.t1_us, open_low=True)

    def _num_qubits_(self) -> int:
        return 1

    def _kraus_(self) -> tuple[np.ndarray, ...]:
        return _thermal_kraus(self.duration_ns, self.t1_us, self.t2_us)

    def _has_kraus_(self) -> bool:
        return True

    def _value_equality_values_(self) -> tuple[float, float, float]:
        return self.duration_ns, self.t1_us, self.t2_us

    def _circuit_diagram_info_(self, args: cirq.CircuitDiagramInfoArgs) -> str:
        return f"T1T2({self.duration_ns:g}ns)"

    def __repr__(self) -> str:
        return (
            f"qmemlearn.noise.ThermalDecayChannel(duration_ns={self.duration_ns!r}, "
            f"t1_us={self.t1_us!r}, t2_us={self.t2_us!r})"
        )
