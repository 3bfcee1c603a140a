"""Noise presets, written as canonical spec strings and turned into ``cirq.NoiseModel``s.

A noise spec is ``"ideal"`` or ``+``-joined terms ``name:key=value,...``:

    ``depolarizing:p1=0.001,p2=0.01``   depolarize(p1) after 1-qubit gates, depolarize(p2) after 2-qubit gates
    ``coherent:angle=0.02``             over-rotation rx(angle) / ZZ**(angle/π) after each gate (radians)
    ``readout:p01=0.01,p10=0.02``       before each measurement, 0→1 with p01 and 1→0 with p10
    ``amplitude-damping:gamma=0.001``   amplitude_damp(gamma) on every qubit after every moment
    ``idle:t1_us=100,t2_us=80``         T1/T2 decay (µs) of every qubit over every moment, whose
                                        duration comes from t1q_ns=25, t2q_ns=32, meas_ns=0 (ns)

Example: ``"depolarizing:p1=0.001,p2=0.005+readout:p01=0.02,p10=0.02"``. The full rules are in
:mod:`qmemlearn.noise.terms`; parsing is strict and ``parse_noise(s).to_string()`` is the
canonical string that callers must store (tables, strong ids, metadata), see
:mod:`qmemlearn.noise.spec`, which also says how to register a new term (``google:...``).

Readout error is a channel before the measurement, never ``measure(confusion_map=...)``:
qsim crashes on confusion maps and stimcirq ignores them (DESIGN §6). Channels never follow a
measurement, so every backend sees the same noise. Closed forms of the noisy estimators are in
:mod:`qmemlearn.noise.theory`.
"""

from qmemlearn.noise.channels import ReadoutErrorChannel, ThermalDecayChannel
from qmemlearn.noise.spec import (
    LAZY_NOISE_TERMS,
    NOISE_TERMS,
    NoiseSpec,
    NoiseTerm,
    parse_noise,
    register_noise_term,
)
from qmemlearn.noise.terms import (
    AmplitudeDamping,
    Coherent,
    Depolarizing,
    Idle,
    Readout,
    is_noisy_gate,
    memory_wait_moments,
    memory_wait_us,
)
from qmemlearn.noise.model import LocalNoiseModel

__all__ = [
    "LAZY_NOISE_TERMS",
    "NOISE_TERMS",
    "AmplitudeDamping",
    "Coherent",
    "Depolarizing",
    "Idle",
    "LocalNoiseModel",
    "NoiseSpec",
    "NoiseTerm",
    "Readout",
    "ReadoutErrorChannel",
    "ThermalDecayChannel",
    "is_noisy_gate",
    "memory_wait_moments",
    "memory_wait_us",
    "parse_noise",
    "register_noise_term",
]
