"""Exact local-Pauli-basis shots from a state vector (or a density matrix), vectorized.

Given a state on n qubits and ``recipes[t, i]`` in {0: X, 1: Y, 2: Z}, each shot t is the
measurement of every qubit i in the eigenbasis of the Pauli ``recipes[t, i]``, and
``bits[t, i] = 0`` means the **+1 eigenvalue** was seen (DESIGN §3). The result has exactly
the distribution of the single-copy protocol circuit (:class:`SingleCopyProtocol`) run on a
preparation of the state, without simulating one circuit per shot.

Algorithm (qubit by qubit, chain rule): rotate qubit 0 into its basis, draw its bit from the
marginal, keep the conditional state of the remaining n−1 qubits, and repeat. Shots that
share their (basis, bit) prefix share the conditional state, so only the distinct prefixes are
kept (at most ``min(6^k, shots)`` states of size ``2^(n−k)`` after k qubits). The work per
shot is about ``2·2^n`` amplitudes rather than ``n·2^n``; shots are processed in chunks so
the memory stays below ``max_chunk_bytes``.

Qubit order is Cirq's big-endian one: qubit 0 is the most significant bit of the index, i.e.
the first of ``cirq.LineQubit.range(n)``. One seed fixes the result regardless of the chunk
size: the uniforms are drawn in shot order, ``n`` per shot.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

_S = 1 / np.sqrt(2)
#: ``BASIS_CHANGE[r]`` has row k = ⟨eigenvector of eigenvalue (−1)^k| of Pauli r (0: X, 1: Y, 2: Z).
BASIS_CHANGE = np.array(
    [
        [[_S, _S], [_S, -_S]],  # ⟨+|, ⟨−|
        [[_S, -1j * _S], [_S, 1j * _S]],  # ⟨+i|, ⟨−i|
        [[1, 0], [0, 1]],  # ⟨0|, ⟨1|
    ],
    dtype=np.complex128,
)
DEFAULT_CHUNK_BYTES = 2**28
_NORM_TOLERANCE = 1e-6


def _num_qubits(dim: int, name: str) -> int:
    n = int(dim).bit_length() - 1
    if dim < 2 or 2**n != dim:
        raise ValueError(f"{name} has dimension {dim}; it must be 2**n for n >= 1 qubits")
    return n


def _check_recipes(recipes: np.ndarray, n: int) -> np.ndarray:
    recipes = np.asarray(recipes)
    if recipes.ndim != 2 or recipes.shape[1] != n:
        raise ValueError(f"recipes has shape {recipes.shape}; it must be [shots, n] with n={n}")
    if not np.issubdtype(recipes.dtype, np.integer) or (recipes.size and (recipes.min() < 0 or recipes.max() > 2)):
        raise ValueError("recipes must hold integers in {0: X, 1: Y, 2: Z}")
    return recipes.astype(np.int64, copy=False)


def _check_rng(rng: np.random.Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng={rng!r} must be a numpy.random.Generator")


def _check_chunk(max_chunk_bytes: int) -> None:
    if isinstance(max_chunk_bytes, bool) or not isinstance(max_chunk_bytes, (int, np.integer)) or max_chunk_bytes < 1:
        raise ValueError(f"max_chunk_bytes={max_chunk_bytes!r} must be an int >= 1")


def _squared_norms(vectors: np.ndarray) -> np.ndarray:
    """Σ |v|² over the last axis of a C-contiguous complex array ``[p, r]``."""
    flat = np.ascontiguousarray(vectors).view(np.float64)
    return np.einsum("pr,pr->p", flat, flat)


def _vector_level(
    states: np.ndarray, pair_state: np.ndarray, basis: np.ndarray
) -> tuple[np.ndarray, Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    """p(bit = 1) per (state, basis) pair, and a function making the conditional states.

    ``states`` is ``[m, 2, rest]`` (the measured qubit on axis 1).
    """
    change = BASIS_CHANGE[basis]  # [p, 2, 2]
    top = states[pair_state, 0]
    bottom = states[pair_state, 1]
    plus = change[:, 0, 0, None] * top + change[:, 0, 1, None] * bottom
    prob_one = np.clip(1.0 - _squared_norms(plus), 0.0, 1.0)  # the states are normalized

    def conditional(pair: np.ndarray, bit: np.ndarray) -> np.ndarray:
        rows = change[pair, bit]  # [q, 2]
        new = rows[:, 0, None] * top[pair] + rows[:, 1, None] * bottom[pair]
        return new / np.sqrt(_squared_norms(new))[:, None]

    return prob_one, conditional


def _density_level(
    states: np.ndarray, pair_state: np.ndarray, basis: np.ndarray
) -> tuple[np.ndarray, Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    """As :func:`_vector_level` for density matrices ``[m, 2, rest, 2, rest]``."""
    change = BASIS_CHANGE[basis]
    rotated = np.einsum("pab,pbrcs,pdc->pards", change, states[pair_state], change.conj(), optimize=True)
    weight = np.real(np.einsum("parar->pa", rotated))  # [p, 2]
    prob_one = np.clip(weight[:, 1] / weight.sum(axis=1), 0.0, 1.0)

    def conditional(pair: np.ndarray, bit: np.ndarray) -> np.ndarray:
        new = rotated[pair, bit, :, bit, :]
        return new / np.real(np.einsum("prr->p", new))[:, None, None]

    return prob_one, conditional


def _sample_chunk(root: np.ndarray, recipes: np.ndarray, uniforms: np.ndarray, *, density: bool) -> np.ndarray:
    """Bits of one chunk. ``root`` is the normalized state with a leading axis of length 1."""
    shots, n = recipes.shape
    bits = np.empty((shots, n), dtype=np.uint8)
    states = root  # [m, 2^(n-k)] vectors or [m, 2^(n-k), 2^(n-k)] matrices
    index = np.zeros(shots, dtype=np.int64)  # which of ``states`` each shot is in
    level = _density_level if density else _vector_level
    for k in range(n):
        rest = 2 ** (n - k - 1)
        shape = (len(states), 2, rest, 2, rest) if density else (len(states), 2, rest)
        # Distinct (state, basis) pairs among the shots: each is rotated once.
        pairs, pair_of_shot = np.unique(index * 3 + recipes[:, k], return_inverse=True)
        prob_one, conditional = level(states.reshape(shape), pairs // 3, pairs % 3)
        bit = (uniforms[:, k] < prob_one[pair_of_shot]).astype(np.int64)
        bits[:, k] = bit
        if k < n - 1:  # distinct (pair, bit): their conditional states
            kept, index = np.unique(pair_of_shot * 2 + bit, return_inverse=True)
            states = conditional(kept // 2, kept % 2)
    return bits


def _peak_bytes(n: int, shots: int, density: bool) -> int:
    """Bound on the working memory of a chunk of ``shots`` shots, in bytes.

    At level k at most ``min(3·6^k, shots)`` rotated states of ``2^(n−k)`` amplitudes (squared
    for density matrices) exist; about three complex128 arrays of that size are alive at once.
    """
    peak = 0
    for k in range(n):
        size = 4 ** (n - k) if density else 2 ** (n - k)
        peak = max(peak, min(3 * 6**k, shots) * size)
    return 3 * 16 * peak


def _chunk_shots(n: int, density: bool, max_chunk_bytes: int, shots: int) -> int:
    """The most shots (up to ``shots``) per chunk that fit in ``max_chunk_bytes``; at least 1."""
    low, high = 1, max(1, shots)
    if _peak_bytes(n, high, density) <= max_chunk_bytes:
        return high
    while high - low > 1:  # the peak grows with the shots: bisect
        mid = (low + high) // 2
        if _peak_bytes(n, mid, density) <= max_chunk_bytes:
            low = mid
        else:
            high = mid
    return low


def _sample(
    root: np.ndarray, recipes: np.ndarray, rng: np.random.Generator, max_chunk_bytes: int, *, density: bool
) -> np.ndarray:
    shots, n = recipes.shape
    bits = np.empty((shots, n), dtype=np.uint8)
    chunk = _chunk_shots(n, density, max_chunk_bytes, shots)
    for start in range(0, shots, chunk):
        stop = min(shots, start + chunk)
        uniforms = rng.random((stop - start, n))
        bits[start:stop] = _sample_chunk(root, recipes[start:stop], uniforms, density=density)
    return bits


def sample_local_bases(
    state: np.ndarray,
    recipes: np.ndarray,
    rng: np.random.Generator,
    *,
    max_chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> np.ndarray:
    """Exact shots of a pure state measured in per-shot, per-qubit Pauli bases.

    Args:
        state: Normalized state vector of n qubits, length 2^n, Cirq order (qubit 0 = most
            significant bit of the index).
        recipes: ``[shots, n]`` integers, 0: X, 1: Y, 2: Z, the basis of qubit i in shot t.
        rng: The source of randomness; ``n`` uniforms are drawn per shot, in shot order.
        max_chunk_bytes: Bound on the working memory, in bytes (approximate).

    Returns:
        uint8 bits ``[shots, n]``; 0 means the +1 eigenvalue of that Pauli (DESIGN §3).

    Raises:
        ValueError: If the state is not a normalized vector of length 2^n, or the recipes are
            not ``[shots, n]`` in {0, 1, 2}.
    """
    state = np.asarray(state)
    if state.ndim != 1:
        raise ValueError(f"state has shape {state.shape}; it must be a vector of length 2**n")
    n = _num_qubits(state.shape[0], "state")
    norm = float(np.vdot(state, state).real)
    if abs(norm - 1) > _NORM_TOLERANCE:
        raise ValueError(f"state has squared norm {norm:.6g}; it must be normalized (1 within {_NORM_TOLERANCE})")
    recipes = _check_recipes(recipes, n)
    _check_rng(rng)
    _check_chunk(max_chunk_bytes)
    root = (state.astype(np.complex128) / np.sqrt(norm))[None, :]
    return _sample(root, recipes, rng, max_chunk_bytes, density=False)


def sample_local_bases_density(
    rho: np.ndarray,
    recipes: np.ndarray,
    rng: np.random.Generator,
    *,
    max_chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> np.ndarray:
    """Exact shots of a density matrix measured in per-shot, per-qubit Pauli bases.

    Same conventions as :func:`sample_local_bases`; costs O(4^n) per distinct prefix, so it is
    meant for small n (mixed states whose mixture is not known in closed form).

    Args:
        rho: ``[2^n, 2^n]`` Hermitian, trace 1, positive semidefinite, Cirq order.
        recipes: ``[shots, n]`` integers, 0: X, 1: Y, 2: Z.
        rng: The source of randomness; ``n`` uniforms per shot, in shot order.
        max_chunk_bytes: Bound on the working memory, in bytes (approximate).

    Returns:
        uint8 bits ``[shots, n]``; 0 means the +1 eigenvalue of that Pauli.

    Raises:
        ValueError: If ``rho`` is not a square 2^n matrix of trace 1, or the recipes are bad.
    """
    rho = np.asarray(rho)
    if rho.ndim != 2 or rho.shape[0] != rho.shape[1]:
        raise ValueError(f"rho has shape {rho.shape}; it must be a square 2**n x 2**n matrix")
    n = _num_qubits(rho.shape[0], "rho")
    trace = complex(np.trace(rho))
    if abs(trace - 1) > _NORM_TOLERANCE:
        raise ValueError(f"rho has trace {trace:.6g}; it must have trace 1 (within {_NORM_TOLERANCE})")
    recipes = _check_recipes(recipes, n)
    _check_rng(rng)
    _check_chunk(max_chunk_bytes)
    root = (rho.astype(np.complex128) / trace.real)[None, :, :]
    return _sample(root, recipes, rng, max_chunk_bytes, density=True)
