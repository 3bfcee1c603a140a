"""Pair U-statistics of product kernels over classical-shadow snapshots, in O(6ⁿ + T) time.

A single-copy snapshot is, per qubit, one of 6 *cells* ``c = 2·recipe + bit`` (recipe 0: X,
1: Y, 2: Z; bit 0 = +1 eigenvalue, DESIGN §3), with local snapshot
``ρ̂_c = (I + 3·(−1)^bit·P_recipe)/2``. A *product kernel* is
``k(s, t) = Π_i F_i[c_{s,i}, c_{t,i}]`` with one 6×6 table ``F_i`` per qubit, e.g.
``F[c, c'] = tr(ρ̂_c ρ̂_c')`` (the purity kernel: 5, −4, ½ as in DESIGN §3) or
``tr(O_i ρ̂_c ρ̂_c')`` (the kernel of ``tr(Oρ²)``).

Sums over all ordered pairs are ``⟨H, (⊗_i F_i) H⟩`` with ``H`` the ``6ⁿ`` histogram of the
snapshots, computed by n mode products, so the cost does not grow with the number of
snapshots T (against O(T²n) for the explicit pair sum of :func:`qmemlearn.estimators.shadow_purity`).
Memory is ``16·6ⁿ`` bytes: :data:`MAX_N` = 9 (160 MB).

Faster for kernels ``tr(O ρ̂_s ρ̂_t)`` with O a Pauli string (including O = I, the purity):
the snapshot sum ``S = Σ_s ρ̂_s = 2⁻ⁿ Σ_P s_P P`` has Pauli coefficients
``s_P = Σ_s Π_i A[c_{s,i}, P_i]`` with ``A[c, I] = 1``, ``A[c, P] = 3(−1)^bit [recipe = P]``
(:func:`pauli_sums`, real, one contraction ``6ⁿ → 4ⁿ``), and
``Σ_{s,t} tr(O ρ̂_s ρ̂_t) = tr(O S²) = 2⁻ⁿ ⟨s, (⊗_i G_i) s⟩`` with the 4×4 monomial
``G_i[p, q] = tr(O_i σ_p σ_q)/2`` (:func:`observable_pair_sum`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from qmemlearn.estimators.statistics import _as_bits, _as_recipes

__all__ = [
    "MAX_N", "local_snapshots", "snapshot_cells", "histogram", "apply_tables", "pair_sum", "diagonal_values",
    "pauli_sums", "observable_pair_sum",
]

#: Largest n accepted (the histogram has 6ⁿ complex entries).
MAX_N = 9

_PAULI = np.array(
    [[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=np.complex128
)


def local_snapshots() -> np.ndarray:
    """The six local snapshots ``ρ̂_c = (I + 3(−1)^bit P)/2``, complex ``[6, 2, 2]``, c = 2·recipe + bit."""
    signs = np.array([1.0, -1.0])
    return np.array([(np.eye(2) + 3 * signs[c % 2] * _PAULI[c // 2]) / 2 for c in range(6)])


def snapshot_cells(bits: np.ndarray, recipes: np.ndarray) -> np.ndarray:
    """int64 ``[T, n]`` cells ``2·recipe + bit``.

    Raises:
        ValueError: On malformed bits or recipes, or n > :data:`MAX_N`.
    """
    bits = _as_bits(bits)
    recipes = _as_recipes(recipes, bits.shape)
    if bits.shape[1] > MAX_N:
        raise ValueError(f"n={bits.shape[1]} is too large for the 6^n snapshot histogram; the limit is n <= {MAX_N}")
    return 2 * recipes.astype(np.int64) + bits.astype(np.int64)


def histogram(cells: np.ndarray) -> np.ndarray:
    """float64 tensor of shape ``(6,)*n``: how many snapshots fall in each cell string."""
    n = cells.shape[1]
    flat = np.ravel_multi_index(tuple(cells.T), (6,) * n) if n else np.zeros(len(cells), np.int64)
    return np.bincount(flat, minlength=6**n).astype(np.float64).reshape((6,) * n)


def apply_tables(hist: np.ndarray, tables: Sequence[np.ndarray]) -> np.ndarray:
    """``(⊗_i F_i) H``: entry c is ``Σ_t H[t] Π_i F_i[c_i, t_i]``, complex ``(6,)*n``."""
    out = hist.astype(np.complex128)
    for axis, table in enumerate(tables):
        out = np.moveaxis(np.tensordot(table, out, axes=([1], [axis])), 0, axis)
    return out


def pair_sum(hist: np.ndarray, applied: np.ndarray) -> complex:
    """``Σ_{s,t} k(s, t)`` over all ordered pairs (including s = t) from :func:`apply_tables`."""
    return complex(np.vdot(hist.astype(np.complex128), applied))


def diagonal_values(cells: np.ndarray, tables: Sequence[np.ndarray]) -> np.ndarray:
    """``k(s, s) = Π_i F_i[c_{s,i}, c_{s,i}]`` per snapshot, complex ``[T]``."""
    diag = np.stack([np.diagonal(table) for table in tables])  # [n, 6]
    return np.prod(diag[np.arange(cells.shape[1])[None, :], cells], axis=1)


_SIGMA = np.concatenate([np.eye(2, dtype=np.complex128)[None], _PAULI])  # I, X, Y, Z
#: ``_TO_PAULI[c, k]``: coefficient of σ_k in ``2 ρ̂_c``.
_TO_PAULI = np.array([[1.0] + [3.0 * (1 - 2 * (c % 2)) * (k == c // 2) for k in range(3)] for c in range(6)])

#: ``_MONOMIAL[o][p, q] = tr(σ_o σ_p σ_q)/2``.
_MONOMIAL = {c: np.einsum("ij,pjk,qki->pq", _SIGMA[k], _SIGMA, _SIGMA) / 2 for k, c in enumerate("IXYZ")}


def pauli_sums(hist: np.ndarray) -> np.ndarray:
    """Pauli coefficients ``s_P`` of ``S = Σ_s ρ̂_s = 2⁻ⁿ Σ_P s_P P``, float64 ``(4,)*n`` (0: I, 1: X, 2: Y, 3: Z)."""
    out = hist
    for axis in range(hist.ndim):
        out = np.moveaxis(np.tensordot(_TO_PAULI.T, out, axes=([1], [axis])), 0, axis)
    return out


def observable_pair_sum(sums: np.ndarray, observable: str) -> float:
    """``Σ_{s,t} tr(O ρ̂_s ρ̂_t) = tr(O S²)`` over all ordered pairs, from :func:`pauli_sums`."""
    out = sums.astype(np.complex128)
    for axis, letter in enumerate(observable):
        if letter == "I":
            continue
        out = np.moveaxis(np.tensordot(_MONOMIAL[letter], out, axes=([1], [axis])), 0, axis)
    return float(np.vdot(sums, out).real) / 2 ** sums.ndim
