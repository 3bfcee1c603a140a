"""The vectorized local-basis sampler against exact projector probabilities, against the
single-copy protocol circuit (its exact distribution and ``cirq.Simulator`` samples), and the
DESIGN §3 sign pins."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Sequence

import cirq
import numpy as np
import pytest

from qmemlearn.backends import make_sampler
from qmemlearn.backends import local_basis_shots
from qmemlearn.backends.local_basis_shots import sample_local_bases, sample_local_bases_density
from qmemlearn.protocols import SingleCopyProtocol, sample_records
from qmemlearn.protocols.single_copy import _ROTATION_FROM_BASIS, basis_symbol_names

PAULIS = [
    np.array([[0, 1], [1, 0]], dtype=complex),
    np.array([[0, -1j], [1j, 0]]),
    np.diag([1.0, -1.0]).astype(complex),
]


def _projector_probs(rho: np.ndarray, recipe: Sequence[int]) -> np.ndarray:
    """p(bits | recipe) = tr(ρ ⊗_i (I + (−1)^bit_i σ_i)/2), first bit = most significant."""
    n = len(recipe)
    probs = np.empty(2**n)
    for index, bits in enumerate(itertools.product((0, 1), repeat=n)):
        projector = np.array([[1.0 + 0j]])
        for bit, r in zip(bits, recipe):
            projector = np.kron(projector, (np.eye(2) + (-1) ** bit * PAULIS[r]) / 2)
        probs[index] = np.real(np.trace(rho @ projector))
    return probs


def _random_state(n: int, seed: int) -> np.ndarray:
    return cirq.testing.random_superposition(2**n, random_state=seed).astype(np.complex128)


@dataclasses.dataclass(frozen=True)
class _FixedCircuitSource:
    """A pure-state source with no per-shot settings: a fixed random circuit."""

    circuit: cirq.FrozenCircuit

    @property
    def n(self) -> int:
        return len(self.circuit.all_qubits())

    def preparation_circuit(self, qubits: Sequence[cirq.Qid], *, prefix: str = "") -> cirq.Circuit:
        mapping = dict(zip(sorted(self.circuit.all_qubits()), qubits))
        return cirq.Circuit(self.circuit.unfreeze().transform_qubits(mapping))

    def draw_settings(self, rng: np.random.Generator, shots: int, *, prefix: str = "") -> dict[str, np.ndarray]:
        return {}

    def metadata(self) -> dict[str, Any]:
        return {"name": "fixed-circuit"}


def _random_source(n: int, seed: int) -> _FixedCircuitSource:
    qubits = cirq.LineQubit.range(n)
    circuit = cirq.testing.random_circuit(qubits, n_moments=6, op_density=0.9, random_state=seed)
    # Make sure every qubit is touched, so all_qubits() is the full line.
    circuit = cirq.Circuit(cirq.Moment(cirq.I.on_each(qubits)), circuit)
    return _FixedCircuitSource(cirq.FrozenCircuit(circuit))


# ----- sign pins (DESIGN §3) ------------------------------------------------------------------
@pytest.mark.parametrize(
    "vector, recipe, expected",
    [
        ([1, 1j], 1, 0),  # |+i> in Y: +1
        ([1, -1j], 1, 1),  # |-i> in Y: -1
        ([1, 1], 0, 0),  # |+> in X
        ([1, -1], 0, 1),  # |-> in X
        ([1, 0], 2, 0),  # |0> in Z
        ([0, 1], 2, 1),  # |1> in Z
    ],
)
def test_eigenstates_give_their_sign(vector, recipe, expected):
    state = np.array(vector, dtype=complex) / np.linalg.norm(vector)
    bits = sample_local_bases(state, np.full((200, 1), recipe), np.random.default_rng(0))
    assert bits.dtype == np.uint8 and bits.shape == (200, 1)
    assert np.all(bits == expected)


def test_plus_i_in_y_on_many_qubits_gives_zeros():
    plus_i = np.array([1, 1j]) / np.sqrt(2)
    state = plus_i
    for _ in range(4):
        state = np.kron(state, plus_i)
    bits = sample_local_bases(state, np.ones((100, 5), dtype=int), np.random.default_rng(1))
    assert np.all(bits == 0)


def test_qubit_zero_is_the_most_significant_bit():
    # cirq: X on LineQubit(0) of 3 qubits gives index 0b100.
    state = cirq.final_state_vector(cirq.Circuit(cirq.X(cirq.LineQubit(0)), cirq.I.on_each(cirq.LineQubit.range(3))))
    bits = sample_local_bases(state, np.full((10, 3), 2), np.random.default_rng(2))
    assert np.all(bits == [1, 0, 0])


# ----- exact distributions ---------------------------------------------------------------------
@pytest.mark.parametrize("n, seed", [(1, 3), (2, 4), (3, 5), (4, 6)])
def test_matches_projector_probabilities(n, seed, goodness_of_fit):
    state = _random_state(n, seed)
    rho = np.outer(state, state.conj())
    rng = np.random.default_rng(seed)
    recipes_list = [list(r) for r in itertools.product(range(3), repeat=n)][:9]
    groups = []
    for recipe in recipes_list:
        bits = sample_local_bases(state, np.tile(recipe, (3000, 1)), rng)
        index = (bits.astype(int) << np.arange(n - 1, -1, -1)).sum(axis=1)
        groups.append((np.bincount(index, minlength=2**n), _projector_probs(rho, recipe)))
    pvalue, _, _ = goodness_of_fit(groups)
    assert pvalue > 1e-3


def test_mixed_recipes_per_shot_match_exact_marginals():
    # Random recipes per shot: per-qubit means E[(-1)^bit | recipe] = <σ_r> on each qubit.
    n, shots = 3, 60_000
    state = _random_state(n, 11)
    rng = np.random.default_rng(12)
    recipes = rng.integers(0, 3, size=(shots, n))
    bits = sample_local_bases(state, recipes, rng)
    rho = cirq.density_matrix_from_state_vector(state)
    for i in range(n):
        for r in range(3):
            op = np.kron(np.kron(np.eye(2**i), PAULIS[r]), np.eye(2 ** (n - i - 1)))
            exact = np.real(np.trace(rho @ op))
            signs = 1 - 2 * bits[recipes[:, i] == r, i].astype(float)
            stderr = np.sqrt(max(1 - exact**2, 1e-3) / len(signs))
            assert abs(signs.mean() - exact) < 4 * stderr


@pytest.mark.parametrize("n, seed", [(2, 21), (3, 22)])
def test_matches_single_copy_protocol_circuit_exactly(n, seed, ref, goodness_of_fit):
    """The protocol circuit, resolved at each basis setting, has the distribution we sample."""
    source = _random_source(n, seed)
    protocol = SingleCopyProtocol()
    circuit = protocol.circuit(source)
    state = cirq.final_state_vector(source.circuit, qubit_order=cirq.LineQubit.range(n), dtype=np.complex128)
    phases, exponents = basis_symbol_names(n)
    rng = np.random.default_rng(seed)
    groups = []
    for recipe in itertools.product(range(3), repeat=n):
        values = {}
        for i, r in enumerate(recipe):
            values[phases[i]], values[exponents[i]] = _ROTATION_FROM_BASIS[r]
        expected = ref.exact_distribution(circuit, cirq.ParamResolver(values))
        bits = sample_local_bases(state, np.tile(recipe, (400, 1)), rng)
        groups.append((ref.counts(bits), expected))
    pvalue, _, _ = goodness_of_fit(groups)
    assert pvalue > 1e-3


def test_agrees_with_cirq_simulator_samples(ref):
    """Same recipes: cirq.Simulator on the protocol circuit vs this sampler (two-sample test)."""
    n, shots = 2, 3000
    source = _random_source(n, 31)
    record = sample_records(
        source, SingleCopyProtocol(), copies=shots, sampler=make_sampler("cirq", seed=32), rng=np.random.default_rng(33)
    )
    state = cirq.final_state_vector(source.circuit, qubit_order=cirq.LineQubit.range(n), dtype=np.complex128)
    ours = sample_local_bases(state, record.recipes, np.random.default_rng(34))
    pvalues = []
    for recipe in itertools.product(range(3), repeat=n):
        rows = np.all(record.recipes == recipe, axis=1)
        pvalues.append(ref.two_sample_pvalue(ref.counts(record.bits[rows]), ref.counts(ours[rows])))
    # 9 independent tests: Bonferroni at 1e-3 overall.
    assert min(pvalues) > 1e-3 / 9


# ----- density-matrix variant ------------------------------------------------------------------
@pytest.mark.parametrize("n, seed", [(1, 41), (2, 42), (3, 43)])
def test_density_variant_matches_projector_probabilities(n, seed, goodness_of_fit):
    rho = cirq.testing.random_density_matrix(2**n, random_state=seed).astype(np.complex128)
    rng = np.random.default_rng(seed)
    groups = []
    for recipe in list(itertools.product(range(3), repeat=n))[:9]:
        bits = sample_local_bases_density(rho, np.tile(recipe, (3000, 1)), rng)
        index = (bits.astype(int) << np.arange(n - 1, -1, -1)).sum(axis=1)
        groups.append((np.bincount(index, minlength=2**n), _projector_probs(rho, recipe)))
    pvalue, _, _ = goodness_of_fit(groups)
    assert pvalue > 1e-3


def test_density_variant_of_a_pure_state_equals_the_vector_sampler():
    state = _random_state(3, 51)
    recipes = np.random.default_rng(52).integers(0, 3, size=(500, 3))
    a = sample_local_bases(state, recipes, np.random.default_rng(53))
    b = sample_local_bases_density(np.outer(state, state.conj()), recipes, np.random.default_rng(53))
    np.testing.assert_array_equal(a, b)


# ----- seeding and chunking ---------------------------------------------------------------------
def test_result_does_not_depend_on_chunk_size():
    state = _random_state(5, 61)
    recipes = np.random.default_rng(62).integers(0, 3, size=(777, 5))
    whole = sample_local_bases(state, recipes, np.random.default_rng(63))
    chunked = sample_local_bases(state, recipes, np.random.default_rng(63), max_chunk_bytes=48 * 32 * 10)
    assert local_basis_shots._chunk_shots(5, False, 48 * 32 * 10, 777) < 100  # several chunks
    np.testing.assert_array_equal(whole, chunked)
    other = sample_local_bases(state, recipes, np.random.default_rng(64))
    assert not np.array_equal(whole, other)


# ----- bad input -------------------------------------------------------------------------------
def test_bad_inputs_raise():
    rng = np.random.default_rng(0)
    good = np.array([1, 0, 0, 0], dtype=complex)
    with pytest.raises(ValueError, match="state has dimension 3"):
        sample_local_bases(np.ones(3) / np.sqrt(3), np.zeros((1, 1), int), rng)
    with pytest.raises(ValueError, match="squared norm"):
        sample_local_bases(2 * good, np.zeros((1, 2), int), rng)
    with pytest.raises(ValueError, match=r"recipes has shape \(1, 3\)"):
        sample_local_bases(good, np.zeros((1, 3), int), rng)
    with pytest.raises(ValueError, match="recipes must hold integers"):
        sample_local_bases(good, np.full((1, 2), 3), rng)
    with pytest.raises(ValueError, match="rng=.*Generator"):
        sample_local_bases(good, np.zeros((1, 2), int), 7)
    with pytest.raises(ValueError, match="max_chunk_bytes=0"):
        sample_local_bases(good, np.zeros((1, 2), int), rng, max_chunk_bytes=0)
    with pytest.raises(ValueError, match="rho has trace"):
        sample_local_bases_density(2 * np.eye(2) / 2, np.zeros((1, 1), int), rng)
    with pytest.raises(ValueError, match=r"rho has shape \(2,\)"):
        sample_local_bases_density(np.ones(2), np.zeros((1, 1), int), rng)
