"""MPSSampler: exact against cirq/qsim state vectors, samples by chi-square, truncation, refusals."""

from __future__ import annotations

import json

import cirq
import numpy as np
import pytest
import sympy

from qmemlearn.backends.mps import MPSSampler
from qmemlearn.protocols.dynamics import single_copy_dynamics_circuit, two_copy_dynamics_circuit
from qmemlearn.sources.brickwork import BrickworkDynamics


def exact_probabilities(circuit: cirq.Circuit) -> np.ndarray:
    """Reference: complex128 cirq state vector of the unitary part, bits of key 'm' in order."""
    body = cirq.Circuit(op for op in circuit.all_operations() if not cirq.is_measurement(op))
    qubits = sorted(circuit.all_qubits())
    psi = cirq.final_state_vector(body, qubit_order=qubits, dtype=np.complex128)
    probs = (np.abs(psi) ** 2).reshape((2,) * len(qubits))
    (measure,) = [op for op in circuit.all_operations() if cirq.is_measurement(op)]
    measured = [qubits.index(q) for q in measure.qubits]
    others = tuple(k for k in range(len(qubits)) if k not in measured)
    marginal = probs.sum(axis=others).transpose(np.argsort(np.argsort(measured)))
    for axis, inv in enumerate(measure.gate.full_invert_mask()):
        if inv:
            marginal = np.flip(marginal, axis=axis)
    return marginal.reshape(-1)


def counts_of(bits: np.ndarray) -> np.ndarray:
    index = bits.astype(np.int64) @ (1 << np.arange(bits.shape[1] - 1, -1, -1))
    return np.bincount(index, minlength=2 ** bits.shape[1])


@pytest.mark.parametrize("block_size", [1, 2])
@pytest.mark.parametrize("kind", ["scrambling", "t-symmetric"])
def test_two_copy_probabilities_match_cirq(kind, block_size):
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=4, depth=4, kind=kind, seed=3))
    p = MPSSampler(block_size=block_size).probabilities(circuit)
    np.testing.assert_allclose(p, exact_probabilities(circuit), atol=1e-10)


def test_generic_circuit_nonlocal_gates_odd_qubits_unmeasured_and_inverted():
    q = cirq.LineQubit.range(5)
    rng = np.random.default_rng(4)
    circuit = cirq.Circuit(
        [cirq.PhasedXZGate(x_exponent=a, z_exponent=b, axis_phase_exponent=c).on(qb) for qb, (a, b, c) in zip(q, rng.random((5, 3)))],
        cirq.CZ(q[0], q[3]),
        cirq.FSimGate(0.3, 0.7).on(q[4], q[1]),
        cirq.CCZ(q[0], q[2], q[4]),  # decomposed into 1- and 2-qubit gates
        cirq.ISWAP(q[2], q[0]) ** 0.5,
        [cirq.ry(0.4 * k).on(qb) for k, qb in enumerate(q)],
        cirq.measure(q[4], q[0], q[2], q[1], key="m", invert_mask=(True, False, True)),
    )
    reference = exact_probabilities(circuit)
    for block_size in (1, 2):
        np.testing.assert_allclose(MPSSampler(block_size=block_size).probabilities(circuit), reference, atol=1e-10)


def test_probabilities_match_qsim_at_20_qubits():
    qsimcirq = pytest.importorskip("qsimcirq")
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=10, depth=4, kind="scrambling", seed=8))
    body = circuit[:-1]
    psi = qsimcirq.QSimSimulator().simulate(body, qubit_order=sorted(circuit.all_qubits())).final_state_vector
    np.testing.assert_allclose(MPSSampler().probabilities(circuit), np.abs(psi) ** 2, atol=1e-6)


def test_samples_match_exact_distribution(goodness_of_fit):
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=5, depth=4, kind="scrambling", seed=2))
    bits = MPSSampler(seed=5).run(circuit, repetitions=50_000).measurements["m"]
    pvalue, _, dof = goodness_of_fit([(counts_of(bits), exact_probabilities(circuit))])
    assert dof > 300 and pvalue > 1e-3


def test_samples_at_20_qubits_match_qsim_marginals(goodness_of_fit):
    """2n = 20: the 8-bit marginal of the first 4 pairs and the Hamming weight, against qsim."""
    qsimcirq = pytest.importorskip("qsimcirq")
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=10, depth=4, kind="scrambling", seed=9))
    psi = qsimcirq.QSimSimulator().simulate(circuit[:-1], qubit_order=sorted(circuit.all_qubits())).final_state_vector
    probs = (np.abs(psi.astype(np.complex128)) ** 2).reshape((2,) * 20)
    probs /= probs.sum()
    bits = MPSSampler(seed=6).run(circuit, repetitions=40_000).measurements["m"]
    marginal = probs.sum(axis=tuple(range(8, 20))).reshape(-1)
    weights = np.indices((2,) * 20).sum(axis=0)
    weight_probs = np.bincount(weights.reshape(-1), weights=probs.reshape(-1), minlength=21)
    pvalue, _, dof = goodness_of_fit(
        [(counts_of(bits[:, :8]), marginal), (np.bincount(bits.sum(axis=1), minlength=21), weight_probs)]
    )
    assert dof > 200 and pvalue > 1e-3


def test_t_symmetric_gives_all_zeros_at_40_qubits_and_bond_collapses():
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=20, depth=3, kind="t-symmetric", seed=1))
    sampler = MPSSampler(seed=1)
    bits = sampler.run(circuit, repetitions=300).measurements["m"]
    assert bits.shape == (300, 40) and not bits.any()
    info = sampler.last_run_info
    assert info["max_bond_reached"] >= 4  # U entangles the pairs ...
    assert info["final_max_bond"] == 1  # ... and U·Uᵀ ∝ I undoes it: a product of pair states
    assert info["fidelity_estimate"] == pytest.approx(1.0, abs=1e-9)


def test_scrambling_at_40_qubits_is_far_from_all_zeros():
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=20, depth=3, kind="scrambling", seed=1))
    bits = MPSSampler(seed=2).run(circuit, repetitions=300).measurements["m"]
    assert 0.35 < bits.mean() < 0.6  # near uniform bits (0.5), far from 0


@pytest.mark.parametrize("max_bond", [16, 32])
def test_bond_cap_reports_fidelity_below_one_close_to_true_overlap(max_bond):
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=6, depth=6, kind="scrambling", seed=4))
    exact = MPSSampler().state(circuit)
    truncated = MPSSampler(max_bond=max_bond).state(circuit)
    assert exact.fidelity_estimate == pytest.approx(1.0, abs=1e-9) and exact.max_bond_reached == 64
    assert truncated.max_bond_reached == max_bond
    # The estimate (product of kept weights) tracks the true fidelity |<exact|truncated>|^2
    # (measured: 0.096 vs 0.089 at bond 16, 0.371 vs 0.402 at bond 32).
    overlap = abs(np.vdot(exact.state_vector(), truncated.state_vector())) ** 2
    assert 0.05 < truncated.fidelity_estimate < 0.5
    assert truncated.fidelity_estimate == pytest.approx(overlap, rel=0.15)


def test_run_sweep_simulates_each_distinct_setting_once(goodness_of_fit):
    q = cirq.LineQubit.range(3)
    t = sympy.Symbol("t")
    circuit = cirq.Circuit(cirq.X(q[0]) ** t, cirq.CNOT(q[0], q[2]), cirq.H(q[1]), cirq.measure(*q, key="m"))
    sweep = cirq.Points("t", [0.0, 1.0, 0.0, 0.5, 1.0])
    sampler = MPSSampler(seed=3)
    results = sampler.run_sweep(circuit, sweep, repetitions=4000)
    assert sampler.last_run_info["settings"] == 3
    assert [r.params.value_of("t") for r in results] == [0.0, 1.0, 0.0, 0.5, 1.0]
    groups = []
    for r in results:
        assert isinstance(r, cirq.ResultDict) and r.records["m"].shape == (4000, 1, 3)
        resolved = cirq.resolve_parameters(circuit, r.params)
        groups.append((counts_of(r.measurements["m"]), exact_probabilities(resolved)))
    pvalue, _, dof = goodness_of_fit(groups)
    assert dof >= 5 and pvalue > 1e-3


def test_last_run_info_is_json_and_records_metadata():
    circuit = single_copy_dynamics_circuit(BrickworkDynamics(n=4, depth=2, kind="scrambling", seed=0))
    sampler = MPSSampler(max_bond=2, seed=0, threads=1)
    sampler.run(circuit, repetitions=10)
    info = json.loads(json.dumps(sampler.last_run_info))
    assert info["backend"] == "mps" and info["max_bond"] == 2 and info["max_bond_reached"] <= 2
    assert 0 < info["fidelity_estimate"] <= 1 and info["seconds"] > 0


def test_memory_guard_refuses_large_bond_cap():
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=20, depth=2, kind="scrambling", seed=0))
    with pytest.raises(ValueError, match=r"max_bond=100000 on 20 sites of dimension 4 needs about .* GiB"):
        MPSSampler(max_bond=100_000).run(circuit)


def test_memory_guard_stops_exact_growth():
    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=8, depth=6, kind="scrambling", seed=0))
    with pytest.raises(ValueError, match=r"reached bond \d+ .* pass max_bond=\.\.\."):
        MPSSampler(memory_limit_bytes=200_000).run(circuit)


def test_refuses_noise_midcircuit_measurement_and_classical_control():
    q = cirq.LineQubit.range(2)
    with pytest.raises(ValueError, match="not unitary"):
        MPSSampler().run(cirq.Circuit(cirq.depolarize(0.1).on(q[0]), cirq.measure(*q, key="m")))
    with pytest.raises(ValueError, match="terminal"):
        MPSSampler().run(cirq.Circuit(cirq.measure(q[0], key="a"), cirq.H(q[0]), cirq.measure(*q, key="m")))
    with pytest.raises(ValueError, match="classically controlled"):
        MPSSampler().run(
            cirq.Circuit(cirq.measure(q[0], key="a"), cirq.X(q[1]).with_classical_controls("a"), cirq.measure(q[1], key="m"))
        )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"max_bond": 0}, r"max_bond=0 must be None \(exact\) or an int >= 1"),
        ({"cutoff": 1.5}, r"cutoff=1.5 must be a float in \[0, 1\)"),
        ({"block_size": 3}, r"block_size=3 must be 1 or 2"),
        ({"threads": 0}, r"threads=0 must be None or an int >= 1"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MPSSampler(**kwargs)


def test_next_gate_peak_bounds_every_real_update():
    """The exact guard's per-gate worst case is never below the state the gate really leaves."""
    import quimb.tensor as qtn

    from qmemlearn.backends.mps_state import compile_site_gates, next_gate_peak_bytes
    from qmemlearn.protocols.dynamics_simulation import interleaved_two_copy_circuit

    circuit = interleaved_two_copy_circuit(BrickworkDynamics(n=6, depth=5, kind="scrambling", seed=3))
    qubits = sorted(circuit.all_qubits())
    operations = [op for op in circuit.all_operations() if not cirq.is_measurement(op)]
    gates = compile_site_gates(operations, {q: k for k, q in enumerate(qubits)}, 2)
    zero = np.eye(4, dtype=complex)[0]
    psi = qtn.MatrixProductState.from_product([zero] * 6)
    checked = 0
    for gate in gates:
        if len(gate.sites) == 1:
            psi.gate_(gate.matrix, gate.sites[0], contract=True)
            continue
        i, j = gate.sites
        left = psi.bond_size(i - 1, i) if i > 0 else 1
        right = psi.bond_size(j, j + 1) if j < 5 else 1
        peak = next_gate_peak_bytes(sum(t.data.nbytes for t in psi), left, right, 4)
        psi.gate_(gate.matrix, gate.sites, contract="swap+split", cutoff=1e-12)
        assert sum(t.data.nbytes for t in psi) <= peak
        assert psi.bond_size(i, j) <= min(4 * left, 4 * right)  # the rank bound the guard uses
        checked += 1
    assert checked >= 10 and max(psi.bond_size(k, k + 1) for k in range(5)) > 16  # the bond really grew


def test_exact_guard_admits_what_fits():
    """The exact guard refuses only what the next gate could really need: a run whose whole-chain
    doubling bound (every site at twice the largest bond) is over the limit still finishes."""
    from qmemlearn.backends.mps_state import estimate_memory_bytes

    circuit = two_copy_dynamics_circuit(BrickworkDynamics(n=8, depth=6, kind="scrambling", seed=0))
    limit = 300 * 2**20
    state = MPSSampler(memory_limit_bytes=limit).state(circuit)
    assert state.fidelity_estimate == pytest.approx(1.0, abs=1e-9)  # exact
    assert estimate_memory_bytes(8, 2 * state.max_bond_reached, 4) > limit  # the old guard refused this
    with pytest.raises(ValueError, match=r"reached bond \d+ and the next gate .* over the"):
        MPSSampler(memory_limit_bytes=2 * 2**20).state(circuit)
