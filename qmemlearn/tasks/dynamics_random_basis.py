"""Outcomes of the random-Pauli-basis single-copy dynamics protocol (``single-copy-random``).

Each shot is one query of U: U|0…0⟩, then qubit i measured in a uniformly random Pauli basis
(recipes 0: X, 1: Y, 2: Z, drawn anew per shot and per qubit; bit 0 = +1 eigenvalue, DESIGN
§3). That is :func:`qmemlearn.protocols.dynamics.single_copy_random_dynamics_circuit` with its
sweep; here the state U|0…0⟩ is simulated once (qsim) and every shot is drawn exactly from it
by the vectorized local-basis sampler
(:func:`qmemlearn.backends.local_basis_shots.sample_local_bases`).

The features need, per circuit, qubit and basis, the number of shots measured in that basis
and how many of them gave bit 1, so ``sample_ones`` returns int64 ``[2, n, 3]``: index 0 the
counts of ones, index 1 the counts of shots in that basis (summing to ``shots`` per qubit).
States are kept in a per-process LRU cache bounded by
:data:`qmemlearn.tasks.dynamics_outcomes.CACHE_BYTES`, like the other protocols' outcomes.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import TYPE_CHECKING

import cirq
import numpy as np

from qmemlearn.tasks.dynamics_outcomes import CACHE_BYTES, MAX_EXACT_QUBITS

if TYPE_CHECKING:
    from qmemlearn.sources.brickwork import BrickworkDynamics

PROTOCOL = "single-copy-random"


@dataclasses.dataclass(frozen=True, eq=False)
class RandomBasisOutcomes:
    """The state U|0…0⟩ (Cirq order: qubit 0 most significant), sampled in random local bases."""

    state: np.ndarray
    n: int

    @property
    def nbytes(self) -> int:
        return int(self.state.nbytes)

    def sample_shots(self, shots: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(bits, recipes)``, uint8 ``[shots, n]``: recipes uniform, bits exact given them."""
        from qmemlearn.backends.local_basis_shots import sample_local_bases
        from qmemlearn.protocols.single_copy import SingleCopyProtocol

        recipes = SingleCopyProtocol(basis=None).recipes(rng, shots, self.n)
        return sample_local_bases(self.state, recipes, rng), recipes

    def sample_ones(self, shots: int, rng: np.random.Generator) -> np.ndarray:
        """int64 ``[2, n, 3]``: ones and shots per (qubit, basis 0: X, 1: Y, 2: Z)."""
        bits, recipes = self.sample_shots(shots, rng)
        return basis_counts(bits, recipes)


def basis_counts(bits: np.ndarray, recipes: np.ndarray) -> np.ndarray:
    """int64 ``[2, n, 3]``: per (qubit, basis), the shots with bit 1 and the shots in that basis.

    Example:
        >>> basis_counts(np.array([[1, 0], [0, 0]]), np.array([[1, 2], [1, 0]]))[:, 0].tolist()
        [[0, 1, 0], [0, 2, 0]]
    """
    in_basis = np.asarray(recipes)[:, :, None] == np.arange(3)  # [shots, n, 3]
    ones = (in_basis & (np.asarray(bits)[:, :, None] == 1)).sum(axis=0)
    return np.stack([ones, in_basis.sum(axis=0)]).astype(np.int64)


_CACHE: collections.OrderedDict["BrickworkDynamics", RandomBasisOutcomes] = collections.OrderedDict()


def random_basis_outcomes(dynamics: "BrickworkDynamics", *, noise: str = "ideal", backend: str = "auto") -> RandomBasisOutcomes:
    """The (cached) state of U|0…0⟩ for the ``single-copy-random`` protocol.

    Args:
        dynamics: The circuit U.
        noise: Must be ``"ideal"`` (the sampler draws from a pure state).
        backend: ``auto`` or ``exact`` (a state vector, up to ``MAX_EXACT_QUBITS`` qubits).

    Raises:
        ValueError: On noise, another backend, or n beyond the state-vector limit.
    """
    if noise != "ideal":
        raise ValueError(f"noise={noise!r}: the {PROTOCOL} protocol is simulated noiseless only (noise='ideal')")
    if backend not in ("auto", "exact"):
        raise ValueError(f"backend={backend!r}: the {PROTOCOL} protocol needs a state vector ('auto' or 'exact')")
    if dynamics.n > MAX_EXACT_QUBITS:
        raise ValueError(f"n={dynamics.n}: the {PROTOCOL} protocol needs a state vector of n <= {MAX_EXACT_QUBITS} qubits")
    cached = _CACHE.get(dynamics)
    if cached is not None:
        _CACHE.move_to_end(dynamics)
        return cached
    import qsimcirq

    qubits = cirq.LineQubit.range(dynamics.n)
    state = qsimcirq.QSimSimulator().simulate(dynamics.circuit(qubits), qubit_order=qubits).final_state_vector
    state = np.asarray(state, dtype=np.complex128)
    outcomes = RandomBasisOutcomes(state=state / np.linalg.norm(state), n=dynamics.n)
    _CACHE[dynamics] = outcomes
    while sum(o.nbytes for o in _CACHE.values()) > CACHE_BYTES and len(_CACHE) > 1:
        _CACHE.popitem(last=False)
    return outcomes


def clear_cache() -> None:
    """Forgets every cached state (tests; memory)."""
    _CACHE.clear()
