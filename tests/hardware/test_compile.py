"""Compilation: native gates only, symbols kept, same unitary as the logical circuit, valid on the device."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from qmemlearn.hardware import GOOGLE_PROCESSORS, compile_circuit, load_processor, place, single_qubit_gates_to_phased_xz
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol
from qmemlearn.sources import PauliMixedState

NATIVE_TWO_QUBIT = {"cz": cirq.CZ, "sqrt_iswap": cirq.SQRT_ISWAP, "sycamore": None}
CASES = [(pid, gs) for pid in GOOGLE_PROCESSORS for gs in load_processor(pid).gatesets]


def _random_resolver(circuit: cirq.AbstractCircuit, seed: int) -> cirq.ParamResolver:
    """Generic values (not only the 0/1 and ±½ the protocols use), so the check is for all values."""
    rng = np.random.default_rng(seed)
    return cirq.ParamResolver({name: float(rng.uniform(-2, 2)) for name in sorted(cirq.parameter_names(circuit))})


@pytest.mark.parametrize("processor_id, gateset", CASES)
@pytest.mark.parametrize("protocol, pauli", [(TwoCopyProtocol(), "XY"), (SingleCopyProtocol(), "YZ")])
def test_compiled_circuit_equals_logical_and_validates(processor_id, gateset, protocol, pauli):
    processor = load_processor(processor_id)
    logical = protocol.circuit(PauliMixedState(pauli))
    placed, qubit_map = place(logical, processor)
    compiled = compile_circuit(placed, processor, gateset=gateset)
    processor.device.validate_circuit(compiled)
    # Symbols survive: the compiled program runs the logical circuit's sweep unchanged.
    assert cirq.parameter_names(compiled) == cirq.parameter_names(logical)
    # All measurements in one final moment, and only there.
    assert all(cirq.is_measurement(op) for op in compiled[-1])
    assert not any(cirq.is_measurement(op) for moment in compiled[:-1] for op in moment)
    # Native gates only: PhasedXZ (symbolic or not), Z, the gateset's two-qubit gate.
    for op in compiled.all_operations():
        if cirq.is_measurement(op):
            continue
        if len(op.qubits) == 1:
            assert isinstance(op.gate, (cirq.PhasedXZGate, cirq.ZPowGate)), op
        elif gateset == "sycamore":
            assert op.gate == cirq.FSimGate(np.pi / 2, np.pi / 6), op
        else:
            assert op.gate in (NATIVE_TWO_QUBIT[gateset], cirq.SQRT_ISWAP_INV), op
        # One- and two-qubit gates never share a moment.
    for moment in compiled:
        assert len({len(op.qubits) for op in moment if not cirq.is_measurement(op)}) <= 1
    for seed in range(3):
        resolver = _random_resolver(logical, seed)
        cirq.testing.assert_circuits_with_terminal_measurements_are_equivalent(
            cirq.resolve_parameters(compiled, resolver),
            cirq.resolve_parameters(placed, resolver),
            atol=1e-6,
        )


def test_symbolic_gates_become_equal_phased_xz():
    q = cirq.LineQubit(0)
    t, p = sympy.Symbol("t"), sympy.Symbol("p")
    circuit = cirq.Circuit(cirq.X(q) ** t, cirq.Y(q) ** t, cirq.PhasedXPowGate(phase_exponent=p, exponent=t).on(q), cirq.rx(t).on(q), cirq.H(q))
    rewritten = single_qubit_gates_to_phased_xz(circuit)
    assert all(isinstance(op.gate, cirq.PhasedXZGate) for op in rewritten.all_operations())
    for values in ({"t": 0.37, "p": -0.81}, {"t": 1.0, "p": 0.5}, {"t": -1.7, "p": 0.2}):
        cirq.testing.assert_allclose_up_to_global_phase(
            cirq.unitary(cirq.resolve_parameters(rewritten, values)),
            cirq.unitary(cirq.resolve_parameters(circuit, values)),
            atol=1e-9,
        )


def test_symbolic_two_qubit_gate_is_refused():
    processor = load_processor("willow_pink")
    a, b = processor.couplers[0]
    circuit = cirq.Circuit(cirq.CZ(a, b) ** sympy.Symbol("t"), cirq.measure(a, b, key="m"))
    with pytest.raises(ValueError, match=r"parameterized multi-qubit gate.*compile once per distinct setting"):
        compile_circuit(circuit, processor)


def test_off_device_circuit_fails_validation():
    processor = load_processor("willow_pink")
    far = cirq.GridQubit(0, 0), cirq.GridQubit(0, 1)  # not willow_pink qubits
    with pytest.raises(ValueError, match=r"Qubit not on device"):
        compile_circuit(cirq.Circuit(cirq.CZ(*far), cirq.measure(*far, key="m")), processor)
