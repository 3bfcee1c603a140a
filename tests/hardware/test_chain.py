"""Chains and combs for the dynamics circuits: valid on the device graph, as long as the colour bound."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.hardware import (
    GOOGLE_PROCESSORS,
    PlacementError,
    chain_layout,
    chain_upper_bound,
    compile_circuit,
    largest_n,
    load_processor,
    longest_chain,
    place,
)
from qmemlearn.protocols.dynamics import single_copy_dynamics_circuit, two_copy_dynamics_circuit
from qmemlearn.sources.brickwork import BrickworkDynamics

# Largest n: the search reaches the checkerboard bound, so these are optimal (see chain.py).
LARGEST = {"rainbow": (17, 8), "weber": (49, 24), "willow_pink": (99, 49)}


@pytest.mark.parametrize("processor_id", GOOGLE_PROCESSORS)
@pytest.mark.parametrize("partners", [False, True])
def test_longest_chain_is_valid_and_meets_the_colour_bound(processor_id, partners):
    processor = load_processor(processor_id)
    chain, teeth = longest_chain(processor, partners=partners)
    couplers = set(processor.couplers)
    assert len(chain) == LARGEST[processor_id][partners] == chain_upper_bound(processor, partners=partners)
    assert largest_n(processor, "two-copy" if partners else "single-copy", chain=True) == len(chain)
    assert all(tuple(sorted(edge)) in couplers for edge in zip(chain, chain[1:]))
    if partners:
        assert len(teeth) == len(chain)
        assert all(tuple(sorted(edge)) in couplers for edge in zip(chain, teeth))
        assert len(set(chain) | set(teeth)) == 2 * len(chain)  # all distinct, partners off the chain
    else:
        assert teeth == () and len(set(chain)) == len(chain)


def test_colour_bound_is_a_real_bound():
    # willow_pink: 56 + 49 qubits; a chain alternates colours (<= 2*49 + 1), a comb pairs them (<= 49).
    processor = load_processor("willow_pink")
    assert chain_upper_bound(processor, partners=False) == 99
    assert chain_upper_bound(processor, partners=True) == 49


def test_too_long_a_chain_names_the_largest_n():
    processor = load_processor("rainbow")
    with pytest.raises(PlacementError, match=r"n=9 does not fit on rainbow: it hosts at most 8 system qubits on a chain, each with a memory partner"):
        chain_layout(processor, 9, partners=True)
    with pytest.raises(PlacementError, match=r"n=18 does not fit on rainbow: it hosts at most 17 qubits on a chain"):
        chain_layout(processor, 18, partners=False)
    u = BrickworkDynamics(n=9, depth=2, kind="scrambling", seed=0)
    with pytest.raises(PlacementError, match=r"n=9 does not fit on rainbow: it hosts at most 8"):
        place(two_copy_dynamics_circuit(u), processor)


@pytest.mark.parametrize("processor_id", GOOGLE_PROCESSORS)
@pytest.mark.parametrize("kind", ["t-symmetric", "scrambling"])
def test_dynamics_circuits_place_on_a_comb_and_compile(processor_id, kind):
    processor = load_processor(processor_id)
    n = 3
    u = BrickworkDynamics(n=n, depth=2, kind=kind, seed=4)
    system = [cirq.LineQubit(2 * i) for i in range(n)]
    memory = [cirq.LineQubit(2 * i + 1) for i in range(n)]
    for circuit in (two_copy_dynamics_circuit(u), single_copy_dynamics_circuit(u)):
        placed, qubit_map = place(circuit, processor)
        couplers = set(processor.couplers)
        for op in placed.all_operations():
            if len(op.qubits) == 2:
                assert tuple(sorted(op.qubits)) in couplers, op
        if len(circuit.all_qubits()) == 2 * n:  # two-copy: system chain, memory beside it
            chain = [qubit_map[q] for q in system]
            assert [qubit_map[m] for m in memory] == list(longest_chain(processor, partners=True)[1][:n])
            assert chain == list(longest_chain(processor, partners=True)[0][:n])
        for gateset in processor.gatesets:
            compiled = compile_circuit(placed, processor, gateset=gateset)
            processor.device.validate_circuit(compiled)
            assert all(cirq.is_measurement(op) for op in compiled[-1])
            # Same unitary up to global phase (the circuits are small: 2n = 6 qubits).
            cirq.testing.assert_circuits_with_terminal_measurements_are_equivalent(compiled, placed, atol=1e-6)


def test_two_copy_dynamics_on_the_chain_keeps_its_outcomes():
    """Placed + compiled two-copy dynamics circuit: same outcome distribution, bits in logical order."""
    u = BrickworkDynamics(n=2, depth=2, kind="t-symmetric", seed=2)
    logical = two_copy_dynamics_circuit(u)
    processor = load_processor("willow_pink")
    placed, qubit_map = place(logical, processor)
    compiled = compile_circuit(placed, processor)
    (measurement,) = compiled[-1].operations
    assert measurement.qubits == tuple(qubit_map[cirq.LineQubit(i)] for i in range(4))
    order = measurement.qubits
    p_device = np.abs(cirq.final_state_vector(compiled[:-1], qubit_order=order, dtype=np.complex128)) ** 2
    p_logical = np.abs(cirq.final_state_vector(logical[:-1], qubit_order=cirq.LineQubit.range(4), dtype=np.complex128)) ** 2
    np.testing.assert_allclose(p_device, p_logical, atol=1e-8)
    assert p_logical[0] == pytest.approx(1.0)  # T-symmetric U: U·Uᵀ = I, all zeros
