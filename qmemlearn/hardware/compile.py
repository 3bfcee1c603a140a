"""Compilation of placed circuits to a Google processor's native gateset, keeping sweep symbols.

The protocol circuits are parameterized per shot (DESIGN §4), so the compiled circuit must keep
its sympy symbols: one program, one sweep, as hardware runs it. ``cirq.optimize_for_target_gateset``
keeps symbols with all three gatesets (CZ, √iSWAP, Sycamore), but it leaves symbolic
single-qubit gates in whatever form they came (``X**f``, ``PhX(p)**e``) or splits them into
``Z X Z`` (checked for cirq 1.7). On the device those are microwave pulses like any other, but
the calibrated noise model only attaches its single-qubit error to ``cirq.PhasedXZGate``, so
such gates would run noise-free. Therefore every symbolic single-qubit gate is first rewritten
as the equal (up to global phase) symbolic ``PhasedXZGate``:

- ``X**t``          -> ``PhasedXZ(a=0, x=t, z=0)``
- ``Y**t``          -> ``PhasedXZ(a=½, x=t, z=0)``   (Y = S·X·S†)
- ``PhX(p)**t``     -> ``PhasedXZ(a=p, x=t, z=0)``   (both are Z^p X^t Z^−p)

Symbolic ``Z**t`` stays a (virtual) Z, as on hardware. Constant single-qubit gates get the same
treatment: the willow_pink CZ gateset also accepts e.g. ``PhX(0.5)**0.5``, which it leaves in
place of the H of a CNOT, and which the calibrated noise would again skip. A symbolic multi-qubit gate cannot be
run with symbols on these devices (``FSimGateFamily(allow_symbols=False)``); it is refused, and
such circuits must be resolved and compiled per distinct setting. Two symbolic gates in a row
on one qubit stay two pulses: merging them would need new sweep values, not a circuit rewrite.

After the gateset, moments are stratified (single-qubit and two-qubit gates never share a
moment, as on Google hardware), all terminal measurements are put in one final moment, and the
result is checked with ``device.validate_circuit``.
"""

from __future__ import annotations

import cirq

from qmemlearn.hardware.devices import GoogleProcessor


def _as_phased_xz(op: cirq.Operation, _: int = 0) -> cirq.Operation:
    gate = op.gate
    if gate is None or cirq.is_measurement(op) or isinstance(gate, (cirq.PhasedXZGate, cirq.ZPowGate)):
        return op
    if not cirq.is_parameterized(op):
        if len(op.qubits) == 1 and cirq.has_unitary(op):
            return cirq.PhasedXZGate.from_matrix(cirq.unitary(op)).on(*op.qubits)
        return op
    if len(op.qubits) != 1:
        raise ValueError(
            f"operation {op!r} is a parameterized multi-qubit gate; Google devices accept no "
            "symbols in two-qubit gates, so resolve the parameters (cirq.resolve_parameters) and "
            "compile once per distinct setting"
        )
    if isinstance(gate, cirq.XPowGate):
        axis, exponent = 0.0, gate.exponent
    elif isinstance(gate, cirq.YPowGate):
        axis, exponent = 0.5, gate.exponent
    elif isinstance(gate, cirq.PhasedXPowGate):
        axis, exponent = gate.phase_exponent, gate.exponent
    else:
        raise ValueError(
            f"operation {op!r} is a parameterized single-qubit gate that has no symbolic "
            "PhasedXZ form; use X, Y, Z or PhasedX powers, or resolve the parameters first"
        )
    return cirq.PhasedXZGate(axis_phase_exponent=axis, x_exponent=exponent, z_exponent=0).on(*op.qubits)


def single_qubit_gates_to_phased_xz(circuit: cirq.AbstractCircuit) -> cirq.Circuit:
    """Rewrites every single-qubit gate except Z powers as an equal ``PhasedXZGate``.

    Symbolic gates keep their symbols (see the module docstring); constant ones go through
    ``PhasedXZGate.from_matrix``. Equal up to global phase.

    Raises:
        ValueError: For a parameterized multi-qubit gate, or a single-qubit one other than
            X, Y, Z, PhasedX powers and PhasedXZ.
    """
    return cirq.map_operations(circuit.unfreeze(copy=True), _as_phased_xz, deep=True).unfreeze(copy=False)


def _is_single_qubit_gate(op: cirq.Operation) -> bool:
    return len(op.qubits) == 1 and not cirq.is_measurement(op)


def _is_multi_qubit_gate(op: cirq.Operation) -> bool:
    return len(op.qubits) > 1 and not cirq.is_measurement(op)


def compile_circuit(
    circuit: cirq.AbstractCircuit, processor: GoogleProcessor, *, gateset: str | None = None
) -> cirq.Circuit:
    """Compiles a placed circuit to the processor's native gateset and validates it.

    Args:
        circuit: A circuit on the processor's qubits (see :func:`qmemlearn.hardware.placement.place`),
            possibly parameterized.
        processor: The target processor.
        gateset: ``"cz"``, ``"sqrt_iswap"`` or ``"sycamore"``; default: the processor's
            :attr:`~qmemlearn.hardware.devices.GoogleProcessor.default_gateset`.

    Returns:
        The compiled circuit: native gates, symbolic single-qubit gates as ``PhasedXZGate``,
        single- and two-qubit gates in separate moments, all measurements in the final moment.

    Raises:
        ValueError: If the gateset is not available on the processor, or the circuit has a
            parameterized multi-qubit gate, or the compiled circuit fails ``device.validate_circuit``
            (e.g. a qubit or coupler the device does not have).
    """
    target = processor.gateset(gateset)
    compiled = cirq.optimize_for_target_gateset(single_qubit_gates_to_phased_xz(circuit), gateset=target)
    compiled = single_qubit_gates_to_phased_xz(compiled)
    compiled = cirq.stratified_circuit(compiled, categories=[_is_single_qubit_gate, _is_multi_qubit_gate])
    compiled = cirq.synchronize_terminal_measurements(compiled)
    compiled = cirq.drop_empty_moments(compiled)
    processor.device.validate_circuit(compiled)
    return compiled
