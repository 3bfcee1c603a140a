"""Google processors shipped offline inside cirq-google: device graph, gatesets, calibration.

cirq-google 1.7 ships three processors (``cirq_google.engine.list_virtual_processors()``):

=============  ======  ========  ===================================  ========================
processor      qubits  couplers  calibrated 2-qubit gates             calibration (UTC)
=============  ======  ========  ===================================  ========================
``rainbow``    23      32        √iSWAP, Sycamore                     2021-11-16 10:26:55.838
``weber``      53      86        √iSWAP, Sycamore                     2021-11-03 07:06:28.204
``willow_pink`` 105    182       CZ                                   2024-08-16 08:11:17.630
=============  ======  ========  ===================================  ========================

All of this is read from the installed package, never typed in: the device from
``create_device_from_processor_id``, the target gatesets it advertises from
``device.metadata.compilation_target_gatesets``, and the calibration from
``load_median_device_calibration`` / ``load_device_noise_properties``. rainbow and weber also
advertise a CZ gateset, but their calibrations hold no CZ error data (only √iSWAP and Sycamore
XEB), so CZ noise there would be fiction; :class:`GoogleProcessor` offers only gatesets whose
two-qubit gate is calibrated.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from typing import Any, Mapping

import cirq
import cirq_google
import networkx as nx
from cirq_google.engine import virtual_engine_factory

#: Processor ids with a device spec and a median calibration inside cirq-google.
GOOGLE_PROCESSORS: tuple[str, ...] = tuple(virtual_engine_factory.list_virtual_processors())

# Gateset name -> (target gateset class as advertised by the device, its two-qubit gate type).
# The order is the preference for the default gateset of a processor.
_GATESET_KINDS: dict[str, tuple[type, type]] = {
    "cz": (cirq_google.GoogleCZTargetGateset, cirq.CZPowGate),
    "sqrt_iswap": (cirq.SqrtIswapTargetGateset, cirq.ISwapPowGate),
    "sycamore": (cirq_google.SycamoreTargetGateset, cirq_google.SycamoreGate),
}


def _gateset_name(gateset: cirq.CompilationTargetGateset) -> str | None:
    # Exact type: GoogleCZTargetGateset subclasses cirq.CZTargetGateset, and both are distinct kinds.
    for name, (kind, _) in _GATESET_KINDS.items():
        if type(gateset) is kind:
            return name
    return None


@dataclasses.dataclass(frozen=True, eq=False)
class GoogleProcessor:
    """One processor as cirq-google ships it: device, calibration and usable gatesets.

    Compared and hashed by identity; :func:`load_processor` returns one instance per id.

    Attributes:
        processor_id: One of :data:`GOOGLE_PROCESSORS`.
        device: The ``cirq_google.GridDevice`` built from the bundled device spec.
        noise_properties: ``cirq_google.GoogleNoiseProperties`` of the median calibration.
        calibration_timestamp_ms: Calibration time, milliseconds since the Unix epoch (UTC).
        device_spec_file: Name of the bundled device-spec file the device was built from.
        gatesets: Target gatesets the device advertises *and* whose two-qubit gate has
            calibrated errors, by name (``"cz"``, ``"sqrt_iswap"``, ``"sycamore"``).
        default_gateset: The first of ``cz``, ``sqrt_iswap``, ``sycamore`` in ``gatesets``.
    """

    processor_id: str
    device: cirq_google.GridDevice
    noise_properties: cirq_google.GoogleNoiseProperties
    calibration_timestamp_ms: int
    device_spec_file: str
    gatesets: Mapping[str, cirq.CompilationTargetGateset]
    default_gateset: str

    @property
    def qubits(self) -> tuple[cirq.GridQubit, ...]:
        """Every qubit of the device, sorted."""
        return tuple(sorted(self.device.metadata.qubit_set))

    @property
    def graph(self) -> nx.Graph:
        """The coupling graph: nodes are qubits, edges are couplers (a networkx graph)."""
        return self.device.metadata.nx_graph

    @property
    def couplers(self) -> tuple[tuple[cirq.GridQubit, cirq.GridQubit], ...]:
        """Every coupler as a sorted qubit pair, sorted."""
        return tuple(sorted(tuple(sorted(edge)) for edge in self.graph.edges))

    @property
    def calibration_time(self) -> datetime.datetime:
        """The calibration timestamp as a timezone-aware UTC datetime."""
        return datetime.datetime.fromtimestamp(self.calibration_timestamp_ms / 1000, tz=datetime.timezone.utc)

    def gateset(self, name: str | None = None) -> cirq.CompilationTargetGateset:
        """The target gateset ``name`` (default: :attr:`default_gateset`), as the device advertises it.

        Raises:
            ValueError: If ``name`` is not one of :attr:`gatesets`.
        """
        name = self.default_gateset if name is None else name
        if name not in self.gatesets:
            raise ValueError(
                f"gateset={name!r} is not available on {self.processor_id}; allowed: "
                f"{', '.join(self.gatesets)} (gatesets the device advertises whose two-qubit gate "
                "is calibrated)"
            )
        return self.gatesets[name]

    def readout_error(self, qubit: cirq.GridQubit) -> float:
        """Mean calibrated readout error (p(1|0) + p(0|1)) / 2 of ``qubit``."""
        p00_error, p11_error = self.noise_properties.readout_errors[qubit]
        return (float(p00_error) + float(p11_error)) / 2

    def two_qubit_error(self, pair: tuple[cirq.GridQubit, cirq.GridQubit], gateset: str | None = None) -> float:
        """Calibrated Pauli error per two-qubit gate of ``gateset`` on the coupler ``pair``."""
        gate_type = _GATESET_KINDS[self.default_gateset if gateset is None else gateset][1]
        op_id = cirq.devices.noise_utils.OpIdentifier(gate_type, *pair)
        return float(self.noise_properties.gate_pauli_errors[op_id])

    def metadata(self) -> dict[str, Any]:
        """JSON-native description for records: processor, spec file, calibration, size."""
        return {
            "processor_id": self.processor_id,
            "device_spec": self.device_spec_file,
            "calibration_timestamp_ms": self.calibration_timestamp_ms,
            "calibration_time": self.calibration_time.isoformat(),
            "num_qubits": len(self.qubits),
            "num_couplers": self.graph.number_of_edges(),
            "gatesets": list(self.gatesets),
        }


def validate_processor_id(processor_id: str) -> str:
    """Returns ``processor_id`` if cirq-google ships it.

    Raises:
        ValueError: Naming the id and the allowed ones.
    """
    if processor_id not in GOOGLE_PROCESSORS:
        raise ValueError(f"processor_id={processor_id!r} is not shipped with cirq-google; allowed: {', '.join(GOOGLE_PROCESSORS)}")
    return processor_id


@functools.lru_cache(maxsize=None)
def load_processor(processor_id: str) -> GoogleProcessor:
    """Loads a bundled processor (cached: every call with the same id returns the same object).

    Args:
        processor_id: One of :data:`GOOGLE_PROCESSORS`.

    Raises:
        ValueError: If the processor is not shipped with cirq-google.

    Example:
        >>> load_processor("willow_pink").default_gateset
        'cz'
    """
    validate_processor_id(processor_id)
    device = virtual_engine_factory.create_device_from_processor_id(processor_id)
    properties = virtual_engine_factory.load_device_noise_properties(processor_id)
    calibration = virtual_engine_factory.load_median_device_calibration(processor_id)
    calibrated_types = {op_id.gate_type for op_id in properties.gate_pauli_errors if len(op_id.qubits) == 2}
    advertised = {_gateset_name(g): g for g in device.metadata.compilation_target_gatesets}
    gatesets = {
        name: advertised[name]
        for name, (_, gate_type) in _GATESET_KINDS.items()
        if name in advertised and gate_type in calibrated_types
    }
    return GoogleProcessor(
        processor_id=processor_id,
        device=device,
        noise_properties=properties,
        calibration_timestamp_ms=int(calibration.timestamp),
        device_spec_file=virtual_engine_factory.MOST_RECENT_TEMPLATES[processor_id],
        gatesets=gatesets,
        default_gateset=next(iter(gatesets)),
    )
