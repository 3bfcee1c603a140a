"""The built-in local noise terms, in canonical order. Units: probabilities in [0, 1], angles
in radians, T1/T2 in microseconds, gate and measurement durations in nanoseconds.

``depolarizing:p1=..,p2=..``
    ``cirq.depolarize(p1)`` after every 1-qubit gate, 2-qubit ``cirq.depolarize(p2)`` after
    every 2-qubit gate.
``coherent:angle=..``
    A systematic over-rotation by ``angle`` (radians, in [-π, π]) after every gate: ``cirq.rx(angle)``
    after a 1-qubit gate, ``cirq.ZZPowGate(exponent=angle/π)`` (= exp(-i·angle·ZZ/2) up to a
    global phase) after a 2-qubit gate. A fixed axis, not the gate's own: the gates here are
    parameterized (``X**flip``, ``PhasedXPowGate``), so a fixed miscalibration pulse is the one
    error defined for every sweep point, and it does not commute with the gates.
``readout:p01=..,p10=..``
    :class:`ReadoutErrorChannel` on every measured qubit in a moment right before the
    measurement (0 read as 1 with p01, 1 read as 0 with p10); never ``confusion_map``.
``amplitude-damping:gamma=..``
    ``cirq.amplitude_damp(gamma)`` on every qubit after every moment without a measurement.
``idle:t1_us=..,t2_us=..[,t1q_ns=25,t2q_ns=32,meas_ns=0]``
    Thermal relaxation (T1) and dephasing (T2 <= 2·T1) on every qubit for the duration of
    every moment: :class:`ThermalDecayChannel`, whose Kraus operators come from
    ``cirq.devices.ThermalNoiseModel``. A moment lasts as long as its
    longest operation: ``t1q_ns`` for a 1-qubit gate (``cirq.I`` included, which is how a
    qubit waits), ``t2q_ns`` for a 2-qubit gate, ``meas_ns`` for a measurement (default 0:
    measurements add no decay; measured qubits never decay during their measurement).
    A copy waiting ``k`` moments of ``cirq.I`` decays for ``k·t1q_ns``, see :func:`memory_wait_us`.

Gate errors (depolarizing, coherent) never follow a measurement, a noise channel (ops tagged
``cirq.VirtualTag``) or ``cirq.I``: an identity is a wait, and only idle terms act on it.
Gates on 3 or more qubits get no gate error.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar, Sequence

import cirq

from qmemlearn.noise.channels import ReadoutErrorChannel, ThermalDecayChannel
from qmemlearn.noise.spec import NoiseSpec, NoiseTerm, check_number, parse_noise, register_noise_term

_VIRTUAL = cirq.VirtualTag()


def _wait_moments(op: cirq.Operation) -> int:
    """Moments a merged memory-wait identity stands for (1 for every other operation)."""
    from qmemlearn.protocols.two_copy import wait_moments

    return wait_moments(op)


def is_noisy_gate(op: cirq.Operation) -> bool:
    """True for the operations that get gate errors: not a measurement, channel or identity."""
    return not (cirq.is_measurement(op) or _VIRTUAL in op.tags or isinstance(op.gate, cirq.IdentityGate))


@register_noise_term
@dataclasses.dataclass(frozen=True)
class Depolarizing(NoiseTerm):
    """Depolarizing gate noise: p1 after 1-qubit gates, p2 after 2-qubit gates."""

    p1: float = 0.0
    p2: float = 0.0
    name: ClassVar[str] = "depolarizing"
    keys: ClassVar[tuple[str, ...]] = ("p1", "p2")
    example: ClassVar[str] = "depolarizing:p1=0.001,p2=0.01"

    def __post_init__(self) -> None:
        for key in self.keys:
            object.__setattr__(self, key, check_number(key, getattr(self, key), 0.0, 1.0))

    @property
    def is_ideal(self) -> bool:
        return self.p1 == 0.0 and self.p2 == 0.0

    def after_gate(self, op: cirq.Operation) -> list[cirq.Operation]:
        if len(op.qubits) == 1 and self.p1:
            return [cirq.depolarize(self.p1).on(*op.qubits)]
        if len(op.qubits) == 2 and self.p2:
            return [cirq.depolarize(self.p2, n_qubits=2).on(*op.qubits)]
        return []


@register_noise_term
@dataclasses.dataclass(frozen=True)
class Coherent(NoiseTerm):
    """Systematic over-rotation by ``angle`` radians after every gate (module docstring)."""

    angle: float
    name: ClassVar[str] = "coherent"
    keys: ClassVar[tuple[str, ...]] = ("angle",)
    required: ClassVar[tuple[str, ...]] = ("angle",)
    example: ClassVar[str] = "coherent:angle=0.02"

    def __post_init__(self) -> None:
        object.__setattr__(self, "angle", check_number("angle", self.angle, -math.pi, math.pi))

    @property
    def is_ideal(self) -> bool:
        return self.angle == 0.0

    def after_gate(self, op: cirq.Operation) -> list[cirq.Operation]:
        if len(op.qubits) == 1:
            return [cirq.rx(self.angle).on(*op.qubits)]
        if len(op.qubits) == 2:
            return [cirq.ZZPowGate(exponent=self.angle / math.pi).on(*op.qubits)]
        return []


@register_noise_term
@dataclasses.dataclass(frozen=True)
class Readout(NoiseTerm):
    """Readout error as a channel right before the measurement."""

    p01: float = 0.0
    p10: float = 0.0
    name: ClassVar[str] = "readout"
    keys: ClassVar[tuple[str, ...]] = ("p01", "p10")
    example: ClassVar[str] = "readout:p01=0.02,p10=0.05"

    def __post_init__(self) -> None:
        for key in self.keys:
            object.__setattr__(self, key, check_number(key, getattr(self, key), 0.0, 1.0))

    @property
    def is_ideal(self) -> bool:
        return self.p01 == 0.0 and self.p10 == 0.0

    def before_measurement(self, qubits: Sequence[cirq.Qid]) -> list[cirq.Operation]:
        channel = ReadoutErrorChannel(self.p01, self.p10)
        return [channel.on(q) for q in qubits]


@register_noise_term
@dataclasses.dataclass(frozen=True)
class AmplitudeDamping(NoiseTerm):
    """``amplitude_damp(gamma)`` on every qubit after every moment without a measurement."""

    gamma: float
    name: ClassVar[str] = "amplitude-damping"
    keys: ClassVar[tuple[str, ...]] = ("gamma",)
    required: ClassVar[tuple[str, ...]] = ("gamma",)
    example: ClassVar[str] = "amplitude-damping:gamma=0.001"

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_number("gamma", self.gamma, 0.0, 1.0))

    @property
    def is_ideal(self) -> bool:
        return self.gamma == 0.0

    def after_moment(self, moment: cirq.Moment, system_qubits: Sequence[cirq.Qid]) -> list[cirq.Operation]:
        if any(cirq.is_measurement(op) for op in moment):
            return []
        repeats = max((_wait_moments(op) for op in moment), default=1)
        gamma = self.gamma if repeats == 1 else 1.0 - (1.0 - self.gamma) ** repeats  # k moments compose to one
        return [cirq.amplitude_damp(gamma).on(q) for q in system_qubits]


@register_noise_term
@dataclasses.dataclass(frozen=True)
class Idle(NoiseTerm):
    """T1/T2 decay of every qubit for the duration of every moment (module docstring)."""

    t1_us: float
    t2_us: float
    t1q_ns: float = 25.0
    t2q_ns: float = 32.0
    meas_ns: float = 0.0
    name: ClassVar[str] = "idle"
    keys: ClassVar[tuple[str, ...]] = ("t1_us", "t2_us", "t1q_ns", "t2q_ns", "meas_ns")
    required: ClassVar[tuple[str, ...]] = ("t1_us", "t2_us")
    example: ClassVar[str] = "idle:t1_us=100,t2_us=80"

    def __post_init__(self) -> None:
        t1 = check_number("t1_us", self.t1_us, 0.0, math.inf, open_low=True)
        t2 = check_number("t2_us", self.t2_us, 0.0, math.inf, open_low=True)
        if t2 > 2 * t1:
            raise ValueError(f"noise parameter t2_us={t2!r} must be <= 2*t1_us = {2 * t1!r} (T2 <= 2·T1 for any qubit)")
        object.__setattr__(self, "t1_us", t1)
        object.__setattr__(self, "t2_us", t2)
        for key in ("t1q_ns", "t2q_ns", "meas_ns"):
            object.__setattr__(self, key, check_number(key, getattr(self, key), 0.0, math.inf))

    @property
    def is_ideal(self) -> bool:
        return self.t1q_ns == 0.0 and self.t2q_ns == 0.0 and self.meas_ns == 0.0

    def moment_ns(self, moment: cirq.Moment) -> float:
        """Duration of a moment in ns: its longest non-virtual operation."""
        longest = 0.0
        for op in moment:
            if _VIRTUAL in op.tags:
                continue
            if cirq.is_measurement(op):
                longest = max(longest, self.meas_ns)
            else:
                longest = max(longest, (self.t1q_ns if len(op.qubits) == 1 else self.t2q_ns) * _wait_moments(op))
        return longest

    def decay_factors(self, duration_ns: float) -> tuple[float, float]:
        """(exp(-t/T1), exp(-t/T2)) for t = ``duration_ns``: excited population and coherence."""
        return math.exp(-duration_ns / (1e3 * self.t1_us)), math.exp(-duration_ns / (1e3 * self.t2_us))

    def after_moment(self, moment: cirq.Moment, system_qubits: Sequence[cirq.Qid]) -> list[cirq.Operation]:
        """Decay on every qubit not measured in the moment (Cirq's ``skip_measurements``)."""
        duration = self.moment_ns(moment)
        if duration == 0.0:
            return []
        measured = {q for op in moment if cirq.is_measurement(op) for q in op.qubits}
        channel = ThermalDecayChannel(duration, self.t1_us, self.t2_us)
        return [channel.on(q) for q in system_qubits if q not in measured]


def memory_wait_us(memory_wait: int, noise: str | NoiseSpec) -> float:
    """Duration in µs of ``memory_wait`` wait moments under the spec's ``idle`` term.

    A wait moment of the two-copy protocol holds only 1-qubit gates (``cirq.I`` on copy A,
    copy B's preparation), so it lasts ``t1q_ns``: the wait is ``memory_wait·t1q_ns/1000`` µs.

    Raises:
        ValueError: If ``memory_wait`` is not an int >= 0 or the spec has no ``idle`` term.

    Example:
        >>> memory_wait_us(40, "idle:t1_us=100,t2_us=80")
        1.0
    """
    if isinstance(memory_wait, bool) or not isinstance(memory_wait, int) or memory_wait < 0:
        raise ValueError(f"memory_wait={memory_wait!r} must be an int >= 0 (moments)")
    idle = parse_noise(noise).term("idle")
    if idle is None:
        raise ValueError(f"noise={parse_noise(noise).to_string()!r} has no idle term; a wait has a duration only under idle")
    return memory_wait * idle.t1q_ns / 1e3


def memory_wait_moments(wait_us: float, noise: str | NoiseSpec) -> int:
    """The number of wait moments that last ``wait_us`` µs under the spec's ``idle`` term.

    The inverse of :func:`memory_wait_us`; ``wait_us`` must be a whole number of ``t1q_ns``
    moments (to 1e-9 relative), so a requested time is never silently rounded.

    Raises:
        ValueError: If ``wait_us`` is negative or not finite, the spec has no ``idle`` term or
            its ``t1q_ns`` is 0, or ``wait_us`` is not a multiple of ``t1q_ns`` (the message
            gives the nearest ones).

    Example:
        >>> memory_wait_moments(1.0, "idle:t1_us=100,t2_us=80")
        40
    """
    wait = check_number("wait_us", wait_us, 0.0, math.inf)
    spec = parse_noise(noise)
    idle = spec.term("idle")
    if idle is None or idle.t1q_ns == 0.0:
        raise ValueError(f"noise={spec.to_string()!r} has no idle term with t1q_ns > 0; a wait has a duration only under idle")
    moments = wait * 1e3 / idle.t1q_ns
    nearest = round(moments)
    if abs(moments - nearest) > 1e-9 * max(1.0, moments):
        low, high = math.floor(moments) * idle.t1q_ns / 1e3, math.ceil(moments) * idle.t1q_ns / 1e3
        raise ValueError(
            f"wait_us={wait_us!r} is not a whole number of {idle.t1q_ns:g} ns moments; nearest: {low!r} or {high!r} µs"
        )
    return int(nearest)
