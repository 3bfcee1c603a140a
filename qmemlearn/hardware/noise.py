"""Calibrated Google noise presets ``google:<processor>``, and the path from a logical circuit to them.

``google:willow_pink``, ``google:rainbow`` and ``google:weber`` are
``cirq_google.NoiseModelFromGoogleNoiseProperties(load_device_noise_properties(id))``, fully
offline. That model is local: per moment, thermal relaxation/dephasing on each qubit for the
moment's duration; after each gate, depolarizing noise on the gate's qubits and, after each
two-qubit gate, its calibrated coherent PhasedFSim error on the same pair; before each
measurement, a per-qubit readout channel. No channel joins qubits that no gate joins.

It only means something on a circuit that is placed on the device's GridQubits and compiled to
a calibrated native gateset: on LineQubits it adds no noise at all, and it attaches nothing
to gates outside the calibration (e.g. CZ on rainbow). :class:`GoogleDeviceNoiseModel` therefore
refuses such circuits instead of silently simulating them noise-free; use
:func:`prepare_for_processor` to go from a logical circuit to the device circuit, its noise model
and qubit map.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import ClassVar, NamedTuple, Sequence

import cirq
import cirq_google
import numpy as np

from qmemlearn.hardware.compile import compile_circuit
from qmemlearn.hardware.devices import GOOGLE_PROCESSORS, GoogleProcessor, load_processor, validate_processor_id
from qmemlearn.hardware.placement import place
from qmemlearn.noise.spec import NoiseTerm, register_noise_term

#: Prefix of the Google noise spec strings.
GOOGLE_NOISE_PREFIX = "google:"

_CALIBRATED_ONE_QUBIT = (cirq.PhasedXZGate, cirq.ZPowGate, cirq.MeasurementGate, cirq.ResetChannel)


def _kraus_key(channel: cirq.KrausChannel) -> tuple:
    matrices = tuple(np.ascontiguousarray(k, dtype=np.complex128) for k in cirq.kraus(channel))
    return cirq.measurement_key_name(channel, None), tuple((k.shape, k.tobytes()) for k in matrices)


class HashableKrausChannel(cirq.KrausChannel):
    """``cirq.KrausChannel`` with exact equality and a hash.

    cirq 1.7's ``KrausChannel`` defines ``__eq__`` (allclose) but no ``__hash__``, so an operation
    holding one cannot go into a set. ``cirq.final_density_matrix`` puts the circuit's operations
    in a set (``defer_measurements``) and fails on the thermal channels of the Google noise model
    (``cirq.devices.ThermalNoiseModel`` makes them). Same Kraus operators, so the same channel.
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, cirq.KrausChannel) and _kraus_key(other) == _kraus_key(self)

    def __hash__(self) -> int:
        return hash(_kraus_key(self))


def _hashable(op: cirq.Operation, _: int = 0) -> cirq.Operation:
    if type(op.gate) is cirq.KrausChannel:
        gate = HashableKrausChannel(list(cirq.kraus(op.gate)), key=cirq.measurement_key_name(op.gate, None))
        return gate.on(*op.qubits).with_tags(*op.tags)
    return op


class GoogleDeviceNoiseModel(cirq.NoiseModel):
    """The calibrated noise of a Google processor, refusing circuits it would not model.

    Delegates to ``cirq_google.NoiseModelFromGoogleNoiseProperties``. Before adding noise it
    checks that every qubit is a device qubit and every gate has calibrated errors. Its
    thermal channels come out as :class:`HashableKrausChannel`.

    Args:
        processor: The processor whose calibration is used.
    """

    def __init__(self, processor: GoogleProcessor) -> None:
        self.processor = processor
        self.model = cirq_google.NoiseModelFromGoogleNoiseProperties(processor.noise_properties)
        self._two_qubit_types = tuple(
            {op_id.gate_type for op_id in processor.noise_properties.gate_pauli_errors if len(op_id.qubits) == 2}
        )

    def _check(self, moments: Sequence[cirq.Moment], system_qubits: Sequence[cirq.Qid]) -> None:
        name = self.processor.processor_id
        device_qubits = set(self.processor.qubits)
        foreign = [q for q in system_qubits if q not in device_qubits]
        if foreign:
            raise ValueError(
                f"qubit {foreign[0]!r} is not a qubit of {name}; the {GOOGLE_NOISE_PREFIX}{name} noise "
                "only applies to placed, compiled circuits: use "
                "qmemlearn.hardware.prepare_for_processor(circuit, processor_id)"
            )
        for moment in moments:
            for op in moment:
                gate = op.gate
                calibrated = (
                    isinstance(gate, _CALIBRATED_ONE_QUBIT)
                    if len(op.qubits) == 1
                    else isinstance(gate, self._two_qubit_types)
                )
                if not calibrated and not cirq.is_measurement(op):
                    raise ValueError(
                        f"operation {op!r} has no calibrated error on {name}; compile the circuit "
                        "first: qmemlearn.hardware.prepare_for_processor(circuit, processor_id)"
                    )

    def noisy_moments(self, moments: Sequence[cirq.Moment], system_qubits: Sequence[cirq.Qid]) -> Sequence[cirq.OP_TREE]:
        moments = list(moments)
        self._check(moments, system_qubits)
        noisy = cirq.Circuit(self.model.noisy_moments(moments, system_qubits))
        return list(cirq.map_operations(noisy, _hashable).moments)

    def __repr__(self) -> str:
        # Deterministic per processor, so simulators may cache by it.
        return f"qmemlearn.hardware.GoogleDeviceNoiseModel({self.processor.processor_id!r})"


@functools.lru_cache(maxsize=None)
def google_noise_model(processor_id: str) -> GoogleDeviceNoiseModel:
    """The calibrated noise model of a bundled processor (cached: one instance per id).

    Raises:
        ValueError: If the processor is not shipped with cirq-google.
    """
    return GoogleDeviceNoiseModel(load_processor(processor_id))


@dataclasses.dataclass(frozen=True)
class GoogleNoiseSpec:
    """The noise spec ``google:<processor_id>``; quacks like ``qmemlearn.noise.NoiseSpec``.

    Attributes:
        processor_id: One of :data:`GOOGLE_PROCESSORS`.
    """

    processor_id: str

    def __post_init__(self) -> None:
        validate_processor_id(self.processor_id)

    @property
    def is_ideal(self) -> bool:
        return False

    def to_string(self) -> str:
        """The canonical spec string; :func:`parse_google_noise` of it gives back an equal spec."""
        return GOOGLE_NOISE_PREFIX + self.processor_id

    def model(self) -> GoogleDeviceNoiseModel:
        """The calibrated ``cirq.NoiseModel`` (for placed, compiled circuits only)."""
        return google_noise_model(self.processor_id)


def is_google_noise(spec: object) -> bool:
    """Whether ``spec`` is a ``google:...`` spec string (or already a :class:`GoogleNoiseSpec`)."""
    return isinstance(spec, GoogleNoiseSpec) or (isinstance(spec, str) and spec.strip().startswith(GOOGLE_NOISE_PREFIX))


def parse_google_noise(spec: str | GoogleNoiseSpec) -> GoogleNoiseSpec:
    """Parses ``"google:<processor_id>"``, e.g. ``"google:willow_pink"``.

    Raises:
        ValueError: If the string is not of that form, combines other terms with ``+``, or
            names a processor cirq-google does not ship; the message lists the allowed ids.

    Example:
        >>> parse_google_noise("google:willow_pink").to_string()
        'google:willow_pink'
    """
    allowed = ", ".join(GOOGLE_NOISE_PREFIX + p for p in GOOGLE_PROCESSORS)
    if isinstance(spec, GoogleNoiseSpec):
        return spec
    if not is_google_noise(spec):
        raise ValueError(f"noise={spec!r} is not a Google noise spec; allowed: {allowed}")
    text = spec.strip()
    if "+" in text:
        raise ValueError(f"noise={spec!r}: a Google calibration cannot be combined with other terms; allowed: {allowed}")
    processor_id = text[len(GOOGLE_NOISE_PREFIX):]
    if processor_id not in GOOGLE_PROCESSORS:
        raise ValueError(f"noise={spec!r} names processor {processor_id!r}, which cirq-google does not ship; allowed: {allowed}")
    return GoogleNoiseSpec(processor_id)


@register_noise_term
@dataclasses.dataclass(frozen=True)
class GoogleDeviceTerm(NoiseTerm):
    """The ``google:<processor_id>`` term of :func:`qmemlearn.noise.parse_noise`.

    It brings its own model (the processor's calibration), so it stands alone in a spec.
    """

    processor_id: str
    name: ClassVar[str] = "google"
    local: ClassVar[bool] = False
    example: ClassVar[str] = "google:willow_pink"

    def __post_init__(self) -> None:
        validate_processor_id(self.processor_id)

    @classmethod
    def parse(cls, body: str, *, spec: str) -> "GoogleDeviceTerm":
        return cls(parse_google_noise(GOOGLE_NOISE_PREFIX + body.strip()).processor_id)

    def to_string(self) -> str:
        return GOOGLE_NOISE_PREFIX + self.processor_id

    def model(self) -> "GoogleDeviceNoiseModel":
        return google_noise_model(self.processor_id)


class DeviceCircuit(NamedTuple):
    """A logical circuit made ready for a processor."""

    circuit: cirq.Circuit  #: placed and compiled, validated by the device
    noise_model: GoogleDeviceNoiseModel  #: the processor's calibrated noise
    qubit_map: dict[cirq.Qid, cirq.GridQubit]  #: logical qubit -> device qubit


def prepare_for_processor(
    circuit: cirq.AbstractCircuit, processor_id: str, *, gateset: str | None = None
) -> DeviceCircuit:
    """Places and compiles a logical protocol circuit for a processor, with its calibrated noise.

    Args:
        circuit: The logical circuit (e.g. ``TwoCopyProtocol().circuit(source)``), parameterized
            or not; the sweep that goes with it is unchanged.
        processor_id: One of :data:`GOOGLE_PROCESSORS`.
        gateset: ``"cz"``, ``"sqrt_iswap"`` or ``"sycamore"``; default: the processor's default.

    Returns:
        ``(circuit, noise_model, qubit_map)``.

    Raises:
        ValueError: If the processor is unknown, the circuit does not fit (the message gives the
            largest size that does), or it cannot be compiled.

    Example:
        >>> import cirq
        >>> q = cirq.LineQubit.range(2)
        >>> c = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(*q), cirq.measure(*q, key="m"))
        >>> device_circuit, noise, qubit_map = prepare_for_processor(c, "willow_pink")
        >>> sorted(type(v).__name__ for v in qubit_map.values())
        ['GridQubit', 'GridQubit']
    """
    processor = load_processor(processor_id)
    placed, qubit_map = place(circuit, processor)
    compiled = compile_circuit(placed, processor, gateset=gateset)
    return DeviceCircuit(compiled, google_noise_model(processor_id), qubit_map)
