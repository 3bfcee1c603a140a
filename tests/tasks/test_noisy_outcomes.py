"""Noisy dynamics outcomes: density matrix and qsim trajectories against Cirq's density matrix."""

import math

import cirq
import numpy as np
import pytest
from scipy.stats import chi2

from qmemlearn.noise import ThermalDecayChannel, parse_noise
from qmemlearn.protocols.dynamics import system_memory_qubits
from qmemlearn.sources.brickwork import BrickworkDynamics
from qmemlearn.tasks.dynamics_outcomes import choose_backend, circuit_outcomes, clear_cache, protocol_circuit
from qmemlearn.tasks.noisy_outcomes import TrajectoryOutcomes, density_matrix_probabilities

NOISES = ("depolarizing:p1=0.02,p2=0.1", "idle:t1_us=1.0,t2_us=0.8", "depolarizing:p1=0.01,p2=0.05+readout:p01=0.02,p10=0.05")


def _cirq_probabilities(noisy: cirq.Circuit, qubits) -> np.ndarray:
    body = cirq.drop_terminal_measurements(noisy)
    rho = cirq.DensityMatrixSimulator(dtype=np.complex128).simulate(body, qubit_order=qubits).final_density_matrix
    return np.real(np.diagonal(rho))


def _noisy(n: int, protocol: str, noise: str, kind: str = "scrambling", seed: int = 3) -> cirq.Circuit:
    circuit = protocol_circuit(BrickworkDynamics(n=n, depth=2, kind=kind, seed=seed), protocol)
    return circuit.with_noise(parse_noise(noise).model())


@pytest.mark.parametrize("noise", NOISES)
@pytest.mark.parametrize("n,protocol", [(2, "two-copy"), (3, "single-copy")])
def test_density_matrix_matches_cirq(n, protocol, noise):
    noisy = _noisy(n, protocol, noise)
    qubits = sorted(noisy.all_qubits())
    got = density_matrix_probabilities(noisy, qubits)
    assert got == pytest.approx(_cirq_probabilities(noisy, qubits), abs=1e-12)
    assert got.sum() == pytest.approx(1.0, abs=1e-12)


def _outcome_counts(bits: np.ndarray) -> np.ndarray:
    width = bits.shape[1]
    index = bits.astype(np.int64) @ (1 << np.arange(width - 1, -1, -1))
    return np.bincount(index, minlength=2**width)


def _chi_square(counts: np.ndarray, probabilities: np.ndarray) -> tuple[float, int]:
    expected = counts.sum() * probabilities
    keep = expected > 0
    assert counts[~keep].sum() == 0, "a sample fell on an outcome of probability 0"
    return float(((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()), int(keep.sum() - 1)


@pytest.mark.parametrize("noise", NOISES[:2])
def test_trajectories_agree_in_distribution_with_the_density_matrix(noise):
    """4000 single-shot trajectories at n = 2 (4 qubits): chi-square test of the joint law."""
    noisy = _noisy(2, "two-copy", noise)
    exact = _cirq_probabilities(noisy, sorted(noisy.all_qubits()))
    bits = TrajectoryOutcomes(noisy=noisy, width=4).sample_bits(4000, np.random.default_rng(11))
    statistic, dof = _chi_square(_outcome_counts(bits), exact)
    assert statistic < chi2.ppf(0.999, dof)
    # The test has power: the noiseless law is rejected from the same samples.
    ideal = _cirq_probabilities(cirq.Circuit(op for op in noisy.all_operations() if cirq.VirtualTag() not in op.tags),
                                sorted(noisy.all_qubits()))
    wrong = np.clip(ideal, 1e-3, None) / np.clip(ideal, 1e-3, None).sum()
    assert _chi_square(_outcome_counts(bits), wrong)[0] > chi2.ppf(0.999, dof)


def test_trajectory_counts_are_sums_of_bits_and_reproducible():
    outcomes = TrajectoryOutcomes(noisy=_noisy(2, "two-copy", NOISES[0]), width=4)
    bits = outcomes.sample_bits(50, np.random.default_rng(5))
    assert outcomes.sample_ones(50, np.random.default_rng(5)).tolist() == bits.sum(axis=0).tolist()
    assert outcomes.sample_bits(50, np.random.default_rng(6)).tolist() != bits.tolist()


def test_noisy_wide_circuits_use_trajectories_and_noiseless_choice_is_unchanged():
    noisy = "depolarizing:p1=0.001,p2=0.01"
    assert choose_backend(10, noisy, "auto") == "exact"
    assert choose_backend(16, noisy, "auto") == "trajectories"
    assert choose_backend(20, noisy, "auto") == "trajectories"
    with pytest.raises(ValueError, match="beyond the trajectory limit"):
        choose_backend(24, noisy, "auto")
    assert choose_backend(26, "ideal", "auto") == "exact"
    assert choose_backend(27, "ideal", "auto") == "mps"
    clear_cache()
    u = BrickworkDynamics(n=2, depth=1, kind="t-symmetric", seed=0)
    with pytest.raises(ValueError, match="backend='trajectories' is for noisy circuits"):
        circuit_outcomes(u, protocol="two-copy", noise="ideal", backend="trajectories")
    assert isinstance(circuit_outcomes(u, protocol="two-copy", noise=noisy, backend="trajectories"), TrajectoryOutcomes)


def _thermal_by_hand(duration_ns: float, t1_us: float, t2_us: float, qubit: cirq.Qid) -> list[cirq.Operation]:
    """Amplitude damping 1 − e^(−t/T1), then phase damping bringing coherences to e^(−t/T2)."""
    t = duration_ns / 1e3
    gamma = 1 - math.exp(-t / t1_us)
    lam = 1 - math.exp(-2 * t / t2_us + t / t1_us)
    return [cirq.amplitude_damp(gamma).on(qubit), cirq.phase_damp(lam).on(qubit)]


def test_memory_idles_during_u_and_decays_as_an_explicit_density_matrix():
    """n = 2 two-copy under idle noise: the memory qubits have no gate while U runs, the noise
    model puts a T1/T2 channel of the moment's length on them, and the outcome law equals a
    density matrix built by hand (Cirq's amplitude and phase damping, closed-form rates)."""
    t1, t2, depth = 0.5, 0.6, 2
    u = BrickworkDynamics(n=2, depth=depth, kind="t-symmetric", seed=7)
    circuit = protocol_circuit(u, "two-copy")
    _, memory = system_memory_qubits(2)
    u_moments = list(range(2, 2 + 2 * depth)) + list(range(3 + 2 * depth, 3 + 4 * depth))
    for k in u_moments:
        assert not any(set(op.qubits) & set(memory) for op in circuit[k]), f"memory busy in moment {k}"
    noise = f"idle:t1_us={t1},t2_us={t2}"
    noisy = circuit.with_noise(parse_noise(noise).model())
    # A moment lasts its longest gate; at n = 2 the odd brickwork layers are empty (0 ns).
    durations = [0.0 if not m.operations else 25.0 if all(len(op.qubits) == 1 for op in m) else 32.0
                 for m in circuit[:-1]]
    channels = [op for op in noisy.all_operations() if isinstance(op.gate, ThermalDecayChannel)]
    for q in memory:
        assert [op.gate.duration_ns for op in channels if op.qubits == (q,)] == [d for d in durations if d]
    by_hand = cirq.Circuit()
    qubits = sorted(circuit.all_qubits())
    for moment, duration in zip(circuit[:-1], durations):
        by_hand += moment
        by_hand += cirq.Moment(op for q in qubits for op in _thermal_by_hand(duration, t1, t2, q)[:1])
        by_hand += cirq.Moment(op for q in qubits for op in _thermal_by_hand(duration, t1, t2, q)[1:])
    expected = _cirq_probabilities(by_hand, qubits)
    clear_cache()
    got = circuit_outcomes(u, protocol="two-copy", noise=noise).probabilities()
    assert got == pytest.approx(expected, abs=1e-12)
    # Noiseless, a T-symmetric U gives all zeros; the decay moves weight off it.
    assert expected[0] < 0.9
