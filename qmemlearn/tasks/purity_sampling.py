"""Shots of the purity task's circuits, drawn exactly without one simulation per shot.

The circuits are those of :class:`~qmemlearn.sources.depolarized.DepolarizedState` under
:class:`~qmemlearn.protocols.SingleCopyProtocol` and :class:`~qmemlearn.protocols.TwoCopyProtocol`.
Per shot the depolarizing coin (probability p per copy) picks the mixture component:

* single-copy: coin 1 → a uniformly random Pauli frame, so ρ is I/2ⁿ for that shot and every
  local-basis outcome is uniform; coin 0 → |ψ⟩ measured in the shot's bases, drawn by
  :func:`~qmemlearn.backends.local_basis_shots.sample_local_bases`;
* two-copy: ρ⊗ρ mixes ψ⊗ψ (weight (1−p)²), ψ⊗I/2ⁿ, I/2ⁿ⊗ψ and I/2ⁿ⊗I/2ⁿ; the Bell
  outcomes of the last three are uniform over 4ⁿ (the Bell states' marginals are I/2), and
  ψ⊗ψ is drawn by :func:`~qmemlearn.backends.bell_basis_shots.sample_bell_pure`.

``backend="statevector"`` simulates |ψ⟩ once (qsim, cached per state) and samples as above;
``backend="stim"`` runs the literal two-copy circuit, sweep and all, through the stim sampler
(Clifford families, any n). Tests check both against the circuits' exact distributions.
"""

from __future__ import annotations

import numpy as np

from qmemlearn.backends.bell_basis_shots import sample_bell_pure
from qmemlearn.backends.local_basis_shots import sample_local_bases
from qmemlearn.sources.depolarized import DepolarizedState

#: Largest n simulated with state vectors (2ⁿ amplitudes, O(n·2ⁿ) per shot).
MAX_STATE_VECTOR_QUBITS = 14


def setting_labels(shots: int, shots_per_setting: int) -> np.ndarray:
    """Setting label per shot: ``max(1, shots // M)`` settings of M to 2M − 1 consecutive shots."""
    settings = max(1, shots // shots_per_setting)
    return (np.arange(shots) * settings) // shots


def draw_recipes(rng: np.random.Generator, shots: int, n: int, rule: str, shots_per_setting: int) -> tuple[np.ndarray, np.ndarray]:
    """(recipes ``[shots, n]``, setting labels ``[shots]``): one random basis per shot for
    ``shadow``, or random basis settings repeated ``shots_per_setting`` times for ``randomized``."""
    if rule == "randomized":
        labels = setting_labels(shots, shots_per_setting)
        return rng.integers(0, 3, size=(labels[-1] + 1, n), dtype=np.uint8)[labels], labels
    return rng.integers(0, 3, size=(shots, n), dtype=np.uint8), np.arange(shots)


def single_copy_shots(
    source: DepolarizedState, recipes: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Exact single-copy bits of ρ in the given bases (coin per shot, then |ψ⟩ or uniform)."""
    shots, n = recipes.shape
    mixed = rng.random(shots) < source.p
    bits = np.empty((shots, n), dtype=np.uint8)
    bits[mixed] = rng.integers(0, 2, size=(int(mixed.sum()), n), dtype=np.uint8)
    if (~mixed).any():
        bits[~mixed] = sample_local_bases(source.pure.state_vector(), recipes[~mixed], rng)
    return bits


def two_copy_shots(source: DepolarizedState, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Exact two-copy Bell bits of ρ⊗ρ (two coins per shot, then ψ⊗ψ or uniform)."""
    n = source.n
    both_pure = (rng.random((shots, 2)) >= source.p).all(axis=1)
    bits = rng.integers(0, 2, size=(shots, 2 * n), dtype=np.uint8)
    if both_pure.any():
        bits[both_pure] = sample_bell_pure(source.pure.state_vector(), int(both_pure.sum()), rng)
    return bits


def stim_two_copy_shots(source: DepolarizedState, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Two-copy bits from the literal circuit and sweep on the stim sampler (Clifford |ψ⟩)."""
    from qmemlearn.backends import make_sampler
    from qmemlearn.protocols import TwoCopyProtocol, sample_records

    sampler = make_sampler("stim", seed=np.random.default_rng(rng.integers(2**63)))
    return sample_records(source, TwoCopyProtocol(), copies=2 * shots, sampler=sampler, rng=rng).bits


def sample_instance(
    source: DepolarizedState, *, rule: str, shots: int, backend: str, shots_per_setting: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """One trial's records: ``bits`` (and ``recipes``, ``settings`` for single-copy).

    Args:
        source: The hidden state.
        rule: ``shadow`` or ``randomized`` (single-copy), ``swap`` (two-copy).
        shots: Shots (a two-copy shot consumes 2 copies).
        backend: ``statevector`` or ``stim`` (two-copy only).
        shots_per_setting: Repetitions of a basis setting for ``randomized``.
        rng: The trial's stream.
    """
    if rule == "swap":
        bits = stim_two_copy_shots(source, shots, rng) if backend == "stim" else two_copy_shots(source, shots, rng)
        return {"bits": bits}
    recipes, settings = draw_recipes(rng, shots, source.n, rule, shots_per_setting)
    return {"bits": single_copy_shots(source, recipes, rng), "recipes": recipes, "settings": settings}
