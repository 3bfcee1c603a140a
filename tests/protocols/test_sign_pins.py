"""Sign and column-order pins (DESIGN §3): deterministic outcomes of known states.

ReCirq's ``learn_states_c.py`` measured −X and −Y; ours must give bit 0 for the +1
eigenvalue. Every pin runs on the fast backend and on ``cirq.Simulator``.
"""

from __future__ import annotations

import numpy as np
import pytest

from qmemlearn.backends import ClusterSampler, make_sampler
from qmemlearn.estimators import bell_pair_values
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol, sample_records
from qmemlearn.sources import PauliMixedState

SAMPLERS = {
    "fast": (lambda: ClusterSampler(seed=5), 2000),
    "cirq": (lambda: make_sampler("cirq", seed=5), 40),
}


@pytest.fixture(params=sorted(SAMPLERS))
def sampler_and_shots(request):
    factory, shots = SAMPLERS[request.param]
    return factory(), shots


@pytest.mark.parametrize("letter", ["X", "Y", "Z"])
@pytest.mark.parametrize("sign", [1, -1])
def test_eigenstate_in_its_own_basis_gives_bit_by_sign(letter, sign, sampler_and_shots):
    """P=letter, α=1 is the pure eigenstate of sign s: |+i⟩ in basis Y gives bits == 0."""
    sampler, shots = sampler_and_shots
    state = PauliMixedState(letter, alpha=1.0, sign=sign)
    record = sample_records(
        state, SingleCopyProtocol(basis=letter), copies=shots, sampler=sampler, rng=np.random.default_rng(1)
    )
    assert np.all(record.recipes == "XYZ".index(letter))
    expected = 0 if sign == 1 else 1
    assert np.all(record.bits == expected), np.bincount(record.bits.ravel())


def test_plus_i_state_is_exactly_plus_i():
    rho = PauliMixedState("Y", alpha=1.0, sign=1).density_matrix()
    plus_i = np.array([1, 1j]) / np.sqrt(2)
    np.testing.assert_allclose(rho, np.outer(plus_i, plus_i.conj()), atol=1e-15)


@pytest.mark.parametrize("sign", [1, -1])
def test_parity_pin_with_per_qubit_bases(sign, sampler_and_shots):
    """ρ = (I + s·XYZ)/8 measured in bases X, Y, Z: the bit parity is 0 for s=+1, 1 for s=−1,
    and every single bit is uniform (a mixed state, so the pin is on the product only)."""
    sampler, shots = sampler_and_shots
    state = PauliMixedState("XYZ", alpha=1.0, sign=sign)
    record = sample_records(
        state, SingleCopyProtocol(basis="XYZ"), copies=shots, sampler=sampler, rng=np.random.default_rng(2)
    )
    np.testing.assert_array_equal(record.recipes[0], [0, 1, 2])
    assert np.all(record.bits.sum(axis=1) % 2 == (0 if sign == 1 else 1))
    if shots >= 1000:
        means = record.bits.mean(axis=0)
        assert np.all(np.abs(means - 0.5) < 4 * 0.5 / np.sqrt(shots)), means


def test_two_copy_column_order_pin(sampler_and_shots):
    """Columns are a0, b0, a1, b1 (DESIGN §3).

    P = "ZI", α=1: ρ = |0⟩⟨0| ⊗ I/2. Pair 0 holds |00⟩ = (Φ+ + Φ−)/√2, so b0 = 0 and a0 is
    uniform; pair 1 is maximally mixed. P = "IX", α=1: ρ = I/2 ⊗ |+⟩⟨+|. Pair 1 holds
    |++⟩ = (Φ+ + Ψ+)/√2, so a1 = 0 and b1 is uniform.
    """
    sampler, shots = sampler_and_shots
    for pauli, zero_column in (("ZI", 1), ("IX", 2)):
        state = PauliMixedState(pauli, alpha=1.0, sign=1)
        bits = sample_records(state, TwoCopyProtocol(), copies=2 * shots, sampler=sampler, rng=np.random.default_rng(3)).bits
        assert bits.shape == (shots, 4)
        assert np.all(bits[:, zero_column] == 0), (pauli, zero_column)
        for column in {0, 1, 2, 3} - {zero_column}:
            assert 0 < bits[:, column].sum() < shots, (pauli, column)  # random, not stuck
            if shots >= 1000:
                assert abs(bits[:, column].mean() - 0.5) < 4 * 0.5 / np.sqrt(shots), (pauli, column)


def test_two_copy_correlated_pin(sampler_and_shots):
    """P = "ZX", α=1: tr((ZX)ρ)² = 1, so the one-shot value ZZ·XX = (−1)^(b0 + a1) is always +1."""
    sampler, shots = sampler_and_shots
    for sign in (1, -1):
        state = PauliMixedState("ZX", alpha=1.0, sign=sign)
        bits = sample_records(state, TwoCopyProtocol(), copies=2 * shots, sampler=sampler, rng=np.random.default_rng(8)).bits
        np.testing.assert_array_equal(bits[:, 1], bits[:, 2])
        assert np.all(bell_pair_values(bits, ["ZX"]) == 1)


def test_two_copy_minus_state_pin(sampler_and_shots):
    """|1⟩|1⟩ = (Φ+ − Φ−)/√2 and |−⟩|−⟩ = (Φ+ − Ψ+)/√2: the same columns as for |0⟩, |+⟩."""
    sampler, shots = sampler_and_shots
    for pauli, fixed_column in (("Z", 1), ("X", 0)):
        state = PauliMixedState(pauli, alpha=1.0, sign=-1)
        bits = sample_records(state, TwoCopyProtocol(), copies=2 * shots, sampler=sampler, rng=np.random.default_rng(4)).bits
        assert np.all(bits[:, fixed_column] == 0), (pauli, np.bincount(bits[:, fixed_column]))


def test_two_copy_yy_sign_pin(sampler_and_shots):
    """|+i⟩|+i⟩ = (Φ− + iΨ+)/√2: a ≠ b always, so YY = −(−1)^(a+b) = +1 and SWAP = +1."""
    sampler, shots = sampler_and_shots
    for sign in (1, -1):  # |−i⟩|−i⟩ = −(Φ− − iΨ+)/√2: same pin
        state = PauliMixedState("Y", alpha=1.0, sign=sign)
        bits = sample_records(state, TwoCopyProtocol(), copies=2 * shots, sampler=sampler, rng=np.random.default_rng(6)).bits
        assert np.all(bits[:, 0] != bits[:, 1])
        assert np.all(bell_pair_values(bits, ["Y"]) == 1)


def test_two_copy_singlet_only_on_mixed_pairs(sampler_and_shots):
    """P = "Q I I", α=1: ρ = |q⟩⟨q| ⊗ I/2 ⊗ I/2. Pair 0 holds two identical pure states, which
    are symmetric (SWAP = +1), so (a0, b0) = (1, 1) never occurs; pairs 1 and 2 are maximally
    mixed and give the singlet (1, 1) a quarter of the time."""
    sampler, shots = sampler_and_shots
    for letter in "XYZ":
        for sign in (1, -1):
            state = PauliMixedState(letter + "II", alpha=1.0, sign=sign)
            bits = sample_records(state, TwoCopyProtocol(), copies=2 * shots, sampler=sampler, rng=np.random.default_rng(7)).bits
            assert np.all(bits[:, 0] & bits[:, 1] == 0), (letter, sign)
            singlets = (bits[:, 2] & bits[:, 3]) | (bits[:, 4] & bits[:, 5])
            assert singlets.any()
