"""The interleaved two-copy dynamics circuit has the literal circuit's final state, exactly."""

import cirq
import numpy as np
import pytest

from qmemlearn.backends.mps import MPSSampler
from qmemlearn.protocols.dynamics import two_copy_dynamics_circuit
from qmemlearn.protocols.dynamics_simulation import interleaved_two_copy_circuit
from qmemlearn.sources.brickwork import BrickworkDynamics


def _final_state(circuit: cirq.Circuit, n: int) -> np.ndarray:
    body = cirq.drop_terminal_measurements(circuit)
    return cirq.final_state_vector(body, qubit_order=cirq.LineQubit.range(2 * n), dtype=np.complex128)


@pytest.mark.parametrize("kind", ["t-symmetric", "scrambling"])
@pytest.mark.parametrize("n, depth, seed", [(2, 1, 0), (3, 3, 1), (4, 4, 2), (5, 2, 3)])
def test_final_state_vector_equals_the_literal_circuit(kind, n, depth, seed):
    u = BrickworkDynamics(n=n, depth=depth, kind=kind, seed=seed)
    literal = _final_state(two_copy_dynamics_circuit(u), n)
    interleaved = _final_state(interleaved_two_copy_circuit(u), n)
    np.testing.assert_allclose(interleaved, literal, atol=1e-10)  # global phase included


def test_measurement_key_and_bit_order_match_the_literal_circuit():
    u = BrickworkDynamics(n=3, depth=2, kind="scrambling", seed=5)
    (literal,) = [op for op in two_copy_dynamics_circuit(u).all_operations() if cirq.is_measurement(op)]
    (interleaved,) = [op for op in interleaved_two_copy_circuit(u).all_operations() if cirq.is_measurement(op)]
    assert literal == interleaved


def test_t_symmetric_bond_stays_small_while_the_literal_order_grows():
    u = BrickworkDynamics(n=6, depth=6, kind="t-symmetric", seed=4)
    literal = MPSSampler().state(two_copy_dynamics_circuit(u))
    interleaved = MPSSampler().state(interleaved_two_copy_circuit(u))
    assert literal.max_bond_reached >= 16
    assert interleaved.max_bond_reached <= 4
    assert interleaved.final_max_bond == literal.final_max_bond == 1
