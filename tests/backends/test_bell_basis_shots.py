"""Bell sampling of ψ⊗ψ against the TwoCopyProtocol circuit (exact cirq distribution and
chi-square of samples), the Walsh–Hadamard transform against scipy, and bad input."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import scipy.linalg

from qmemlearn.backends.bell_basis_shots import bell_probabilities, sample_bell_pure, walsh_hadamard
from qmemlearn.protocols import TwoCopyProtocol
from qmemlearn.sources.pure_states import PureState


def _circuit_distribution(state: PureState) -> np.ndarray:
    circuit = TwoCopyProtocol().circuit(state)
    qubits = sorted(circuit.all_qubits())  # LineQubit(2i) = a_i, LineQubit(2i+1) = b_i
    body = cirq.drop_terminal_measurements(cirq.Circuit(circuit))
    return np.abs(cirq.final_state_vector(body, qubit_order=qubits, dtype=np.complex128)) ** 2


def _record_index(bits: np.ndarray) -> np.ndarray:
    bits = bits.astype(np.int64)
    return (bits << np.arange(bits.shape[1] - 1, -1, -1)).sum(axis=1)


def _as_record_order(table: np.ndarray, n: int) -> np.ndarray:
    """[z, x] table -> probabilities indexed by the record bits a0 b0 a1 b1 ..."""
    out = np.zeros(4**n)
    for z in range(2**n):
        for x in range(2**n):
            index = 0
            for k in range(n):
                index = (index << 2) | (((z >> (n - 1 - k)) & 1) << 1) | ((x >> (n - 1 - k)) & 1)
            out[index] = table[z, x]
    return out


def test_walsh_hadamard_matches_scipy():
    values = np.random.default_rng(0).normal(size=(3, 16))
    np.testing.assert_allclose(walsh_hadamard(values), values @ scipy.linalg.hadamard(16).T, atol=1e-12)


@pytest.mark.parametrize("family", ["brickwork", "ghz", "stabilizer"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_bell_probabilities_equal_the_two_copy_circuit(family, n):
    state = PureState(family, n, seed=n + 10)
    np.testing.assert_allclose(_as_record_order(bell_probabilities(state.state_vector()), n),
                               _circuit_distribution(state), atol=1e-12)


@pytest.mark.parametrize("family, n, seed", [("brickwork", 2, 1), ("brickwork", 3, 2), ("stabilizer", 3, 3), ("ghz", 2, 0)])
def test_samples_match_the_circuit(family, n, seed, goodness_of_fit):
    state = PureState(family, n, seed=seed)
    bits = sample_bell_pure(state.state_vector(), 20_000, np.random.default_rng(seed))
    assert bits.shape == (20_000, 2 * n) and bits.dtype == np.uint8
    counts = np.bincount(_record_index(bits), minlength=4**n)
    pvalue, _, _ = goodness_of_fit([(counts, _circuit_distribution(state))])
    assert pvalue > 1e-3


def test_swap_product_is_plus_one_for_pure_states():
    bits = sample_bell_pure(PureState("brickwork", 6, seed=4).state_vector(), 2000, np.random.default_rng(5))
    assert np.all((bits[:, 0::2] & bits[:, 1::2]).sum(axis=1) % 2 == 0)


def test_seed_and_chunks():
    psi = PureState("brickwork", 5, seed=9).state_vector()
    a = sample_bell_pure(psi, 300, np.random.default_rng(1))
    b = sample_bell_pure(psi, 300, np.random.default_rng(1), max_chunk_bytes=48 * 32 * 3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, sample_bell_pure(psi, 300, np.random.default_rng(2)))


def test_bad_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="squared norm"):
        sample_bell_pure(np.array([1.0, 1.0]), 3, rng)
    with pytest.raises(ValueError, match="shots=-1 must be an int >= 0"):
        sample_bell_pure(np.array([1.0, 0.0]), -1, rng)
    with pytest.raises(ValueError, match="state has dimension 3"):
        sample_bell_pure(np.ones(3) / np.sqrt(3), 1, rng)
