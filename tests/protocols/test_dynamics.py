"""Dynamics protocols: the two-copy circuit samples (U·Uᵀ ⊗ I)|Φ⟩; single-copy Y-basis signs."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.backends.mps import MPSSampler
from qmemlearn.protocols.dynamics import (
    SingleCopyDynamicsProtocol,
    TwoCopyDynamicsProtocol,
    single_copy_dynamics_circuit,
    system_memory_qubits,
    two_copy_dynamics_circuit,
)
from qmemlearn.records import BellRecord, ShadowRecord
from qmemlearn.sources.brickwork import BrickworkDynamics


def probabilities(circuit: cirq.Circuit) -> np.ndarray:
    body = cirq.Circuit(op for op in circuit.all_operations() if not cirq.is_measurement(op))
    psi = cirq.final_state_vector(body, qubit_order=sorted(circuit.all_qubits()), dtype=np.complex128)
    return np.abs(psi) ** 2


@pytest.mark.parametrize("kind", ["scrambling", "t-symmetric"])
def test_two_copy_equals_bell_measurement_of_u_times_transpose(kind):
    """The SWAP identity: outcomes are those of un-Bell · (U·Uᵀ ⊗ I)|Φ⟩ (DESIGN §5.2)."""
    dynamics = BrickworkDynamics(n=3, depth=3, kind=kind, seed=5)
    u = dynamics.unitary()
    system, memory = system_memory_qubits(3)
    pairs = list(zip(system, memory))
    reference = cirq.Circuit(
        [cirq.H(s) for s in system], [cirq.CNOT(s, m) for s, m in pairs],
        cirq.MatrixGate(u @ u.T).on(*system),
        [cirq.CNOT(s, m) for s, m in pairs], [cirq.H(s) for s in system],
    )
    np.testing.assert_allclose(probabilities(two_copy_dynamics_circuit(dynamics)), probabilities(reference), atol=1e-10)


def test_two_copy_t_symmetric_is_all_zeros_and_scrambling_is_not():
    p = probabilities(two_copy_dynamics_circuit(BrickworkDynamics(n=4, depth=4, kind="t-symmetric", seed=0)))
    assert p[0] == pytest.approx(1.0, abs=1e-10)
    p = probabilities(two_copy_dynamics_circuit(BrickworkDynamics(n=4, depth=4, kind="scrambling", seed=0)))
    assert p[0] < 0.2


def test_two_copy_bit_order_is_system_then_memory_per_pair():
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=3, depth=1, kind="scrambling", seed=0))
    (measure,) = [op for op in circuit.all_operations() if cirq.is_measurement(op)]
    assert measure.qubits == tuple(cirq.LineQubit(k) for k in range(6))  # s0, m0, s1, m1, s2, m2
    assert {q for op in circuit[2:4].all_operations() for q in op.qubits} <= set(cirq.LineQubit(2 * i) for i in range(3))


def test_y_basis_sign_pin():
    """|+i⟩ (the +1 eigenvector of Y) must read bit 0 through the protocol's Y rotation."""
    circuit = single_copy_dynamics_circuit(BrickworkDynamics(n=2, depth=1, kind="scrambling", seed=0))
    readout = circuit[-2:]
    q = cirq.LineQubit.range(2)
    plus_i = cirq.Circuit([cirq.H.on_each(q), cirq.S.on_each(q)]) + readout
    assert probabilities(plus_i)[0] == pytest.approx(1.0)
    minus_i = cirq.Circuit([cirq.H.on_each(q), (cirq.S**-1).on_each(q)]) + readout
    assert probabilities(minus_i)[3] == pytest.approx(1.0)


def test_single_copy_y_expectations_vanish_only_for_real_u():
    for kind, vanish in [("t-symmetric", True), ("scrambling", False)]:
        p = probabilities(single_copy_dynamics_circuit(BrickworkDynamics(n=4, depth=3, kind=kind, seed=2)))
        bits = (np.arange(16)[:, None] >> np.arange(3, -1, -1)) & 1
        y = p @ (1 - 2 * bits)  # <Y_i>
        assert (np.abs(y).max() < 1e-10) == vanish, (kind, y)


def test_protocols_make_records_with_backend_metadata():
    dynamics = BrickworkDynamics(n=3, depth=2, kind="t-symmetric", seed=0)
    sampler = MPSSampler(seed=0)
    record = TwoCopyDynamicsProtocol().sample(dynamics, shots=20, sampler=sampler)
    assert isinstance(record, BellRecord) and record.bits.shape == (20, 6) and not record.bits.any()
    assert record.metadata["queries"] == 40 and record.metadata["cost_unit"] == "queries of U"
    assert record.metadata["backend_run"]["backend"] == "mps"
    assert record.metadata["source"]["kind"] == "t-symmetric"
    single = SingleCopyDynamicsProtocol().sample(dynamics, shots=20, sampler=cirq.Simulator(seed=1))
    assert isinstance(single, ShadowRecord) and (single.recipes == 1).all() and single.metadata["queries"] == 20
    with pytest.raises(ValueError, match=r"shots=0 must be an int > 0"):
        TwoCopyDynamicsProtocol().sample(dynamics, shots=0, sampler=sampler)


def _resolved(circuit, columns, shot):
    return cirq.resolve_parameters(circuit, {name: float(values[shot]) for name, values in columns.items()})


@pytest.mark.parametrize("kind", ["scrambling", "t-symmetric"])
def test_random_basis_circuit_matches_the_exact_local_basis_sampler(kind):
    """Chi-square (two samples): the circuit form under cirq.Simulator vs the task's sampler."""
    import scipy.stats

    from qmemlearn.backends.local_basis_shots import sample_local_bases
    from qmemlearn.tasks.dynamics_random_basis import random_basis_outcomes

    from qmemlearn.protocols.dynamics import SingleCopyRandomDynamicsProtocol

    dynamics = BrickworkDynamics(n=3, depth=3, kind=kind, seed=8)
    protocol = SingleCopyRandomDynamicsProtocol()
    circuit = protocol.circuit(dynamics)
    columns, recipes = protocol.draw_settings(dynamics, np.random.default_rng(0), 3)
    state = random_basis_outcomes(dynamics).state
    for shot in range(3):
        cirq_bits = cirq.Simulator(seed=shot).run(_resolved(circuit, columns, shot), repetitions=3000).measurements["m"]
        ours = sample_local_bases(state, np.tile(recipes[shot], (3000, 1)), np.random.default_rng(shot))
        table = np.array([np.bincount(b @ [4, 2, 1], minlength=8) for b in (cirq_bits, ours)])
        table = table[:, table.sum(axis=0) > 0]
        assert scipy.stats.chi2_contingency(table)[1] > 1e-3, recipes[shot]


def test_random_basis_protocol_records_and_expectations():
    """Full sweep through cirq.Simulator: uniform bases, per-basis means = exact ⟨Pᵢ⟩; ⟨Yᵢ⟩ = 0 for real U."""
    from qmemlearn.protocols.dynamics import SingleCopyRandomDynamicsProtocol

    shots = 600
    for kind in ("scrambling", "t-symmetric"):
        dynamics = BrickworkDynamics(n=2, depth=2, kind=kind, seed=4)
        record = SingleCopyRandomDynamicsProtocol().sample(
            dynamics, shots=shots, sampler=cirq.Simulator(seed=1), rng=np.random.default_rng(2))
        assert isinstance(record, ShadowRecord) and record.bits.shape == (shots, 2)
        assert record.metadata["queries"] == shots
        qubits = cirq.LineQubit.range(2)
        psi = cirq.final_state_vector(dynamics.circuit(qubits), qubit_order=qubits)
        for i, q in enumerate(qubits):
            for basis, pauli in enumerate((cirq.X, cirq.Y, cirq.Z)):
                exact = pauli(q).expectation_from_state_vector(psi, {q: k for k, q in enumerate(qubits)}).real
                if pauli is cirq.Y and kind == "t-symmetric":
                    assert abs(exact) < 1e-6
                chosen = record.recipes[:, i] == basis
                assert abs(chosen.sum() - shots / 3) < 4 * np.sqrt(shots * 2 / 9)
                signs = 1 - 2 * record.bits[chosen, i].astype(float)
                assert abs(signs.mean() - exact) < 4 * np.sqrt(max(1 - exact**2, 0.05) / chosen.sum())
