"""Shared references for the protocol tests: exact outcome distributions computed with numpy
from ``PauliMixedState.density_matrix()`` (independent of any circuit), and a goodness-of-fit
test. Exposed as fixtures because tests import with ``--import-mode=importlib``."""

from __future__ import annotations

import types

import numpy as np
import pytest

PAULI_MATRICES = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}
_S = 1 / np.sqrt(2)
# Outcome (a, b) of CNOT(a->b), H(a) per pair (DESIGN §3): |Φ+>→00, |Ψ+>→01, |Φ->→10, |Ψ->→11.
BELL_OF_OUTCOME = {
    (0, 0): np.array([_S, 0, 0, _S], dtype=complex),
    (0, 1): np.array([0, _S, _S, 0], dtype=complex),
    (1, 0): np.array([_S, 0, 0, -_S], dtype=complex),
    (1, 1): np.array([0, _S, -_S, 0], dtype=complex),
}


def outcome_bits(index: int, width: int) -> list[int]:
    """Bits of an outcome index, first column = most significant bit."""
    return [(index >> (width - 1 - j)) & 1 for j in range(width)]


def outcome_index(bits: np.ndarray) -> np.ndarray:
    """Outcome index per row of a bit array, first column = most significant bit."""
    bits = np.asarray(bits, dtype=np.int64)
    return (bits << np.arange(bits.shape[1] - 1, -1, -1)).sum(axis=1)


def single_copy_probs(rho: np.ndarray, letters: str) -> np.ndarray:
    """p(bits | basis letters): projector ⊗_i (I + (-1)^bit_i σ_i)/2, bit 0 = +1 eigenvalue."""
    n = len(letters)
    probs = np.empty(2**n)
    for index in range(2**n):
        projector = np.array([[1.0 + 0j]])
        for bit, letter in zip(outcome_bits(index, n), letters):
            projector = np.kron(projector, (PAULI_MATRICES["I"] + (-1) ** bit * PAULI_MATRICES[letter]) / 2)
        probs[index] = np.real(np.trace(rho @ projector))
    return probs


def two_copy_probs(rho: np.ndarray) -> np.ndarray:
    """p(a0, b0, a1, b1, ...) of ρ⊗ρ measured pairwise in the Bell basis."""
    n = int(round(np.log2(rho.shape[0])))
    joint = np.kron(rho, rho).reshape((2,) * (4 * n))  # row axes a0..a_{n-1} b0..b_{n-1}, then columns
    interleaved = [k for i in range(n) for k in (i, n + i)]
    joint = joint.transpose(interleaved + [2 * n + k for k in interleaved]).reshape(4**n, 4**n)
    probs = np.empty(4**n)
    for index in range(4**n):
        bits = outcome_bits(index, 2 * n)
        vector = np.array([1.0 + 0j])
        for i in range(n):
            vector = np.kron(vector, BELL_OF_OUTCOME[(bits[2 * i], bits[2 * i + 1])])
        probs[index] = np.real(np.vdot(vector, joint @ vector))
    return probs


@pytest.fixture(scope="session")
def ref(goodness_of_fit):
    """Reference helpers (exact distributions and goodness of fit)."""
    return types.SimpleNamespace(
        single_copy_probs=single_copy_probs,
        two_copy_probs=two_copy_probs,
        gof=goodness_of_fit,
        outcome_index=outcome_index,
        outcome_bits=outcome_bits,
        PAULI_MATRICES=PAULI_MATRICES,
    )
