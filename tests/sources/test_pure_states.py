"""Pure-state sources: state vectors against their own circuits (cirq), GHZ in closed form,
the stabilizer family against stim's tableau, determinism per seed, bad input."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import stim
import stimcirq

from qmemlearn.sources.pure_states import FAMILIES, PureState


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("n", [1, 2, 4])
def test_state_vector_is_the_circuit_output(family, n):
    state = PureState(family, n, seed=7)
    qubits = cirq.LineQubit.range(n)
    circuit = cirq.Circuit(state.preparation_circuit(qubits), cirq.I.on_each(qubits))
    expected = cirq.final_state_vector(circuit, qubit_order=qubits, dtype=np.complex128)
    np.testing.assert_allclose(state.state_vector(), expected, atol=1e-10)
    assert abs(np.linalg.norm(state.state_vector()) - 1) < 1e-12


def test_qsim_state_vector_at_n_10_matches_cirq():
    state = PureState("brickwork", 10, seed=3)
    qubits = cirq.LineQubit.range(10)
    expected = cirq.final_state_vector(state.preparation_circuit(qubits), qubit_order=qubits, dtype=np.complex128)
    assert abs(np.vdot(expected, state.state_vector())) == pytest.approx(1.0, abs=1e-5)


def test_ghz_closed_form():
    vector = PureState("ghz", 4).state_vector()
    expected = np.zeros(16)
    expected[[0, 15]] = 1 / np.sqrt(2)
    np.testing.assert_allclose(vector, expected, atol=1e-12)


def test_stabilizer_family_is_clifford_and_matches_stim():
    state = PureState("stabilizer", 5, seed=11)
    qubits = cirq.LineQubit.range(5)
    circuit = stimcirq.cirq_circuit_to_stim_circuit(state.preparation_circuit(qubits))
    simulator = stim.TableauSimulator()
    simulator.do_circuit(circuit)
    from_stim = simulator.state_vector(endian="big")
    assert abs(np.vdot(from_stim, state.state_vector())) == pytest.approx(1.0, abs=1e-6)
    assert state.is_clifford and not PureState("brickwork", 3).is_clifford


def test_brickwork_is_entangled_and_depth_is_honoured():
    state = PureState("brickwork", 4, seed=5)
    assert len(state.preparation_circuit(cirq.LineQubit.range(4))) == 4  # depth 0 means n
    assert len(PureState("brickwork", 4, seed=5, depth=2).preparation_circuit(cirq.LineQubit.range(4))) == 2
    rho_a = cirq.density_matrix_from_state_vector(state.state_vector(), indices=[0, 1])
    assert np.real(np.trace(rho_a @ rho_a)) < 0.95  # half of the chain is mixed


def test_seed_fixes_the_state():
    a, b, c = PureState("brickwork", 3, seed=1), PureState("brickwork", 3, seed=1), PureState("brickwork", 3, seed=2)
    np.testing.assert_array_equal(a.state_vector(), b.state_vector())
    assert abs(np.vdot(a.state_vector(), c.state_vector())) < 0.99


def test_bad_inputs():
    with pytest.raises(ValueError, match="family='haar' must be one of"):
        PureState("haar", 3)
    with pytest.raises(ValueError, match="n=0 must be an int >= 1"):
        PureState("ghz", 0)
    with pytest.raises(ValueError, match="seed=-1"):
        PureState("ghz", 2, seed=-1)
    with pytest.raises(ValueError, match="qubits has 2 qubits; the state has n=3"):
        PureState("ghz", 3).preparation_circuit(cirq.LineQubit.range(2))
    with pytest.raises(ValueError, match="n=30 is over the state-vector limit"):
        PureState("ghz", 30).state_vector()
