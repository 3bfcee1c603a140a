"""Exact two-copy Bell-basis shots of ψ⊗ψ from the n-qubit state vector ψ (Bell sampling).

The two-copy protocol (DESIGN §3) measures pair i, (a_i, b_i), after CNOT(a_i→b_i), H(a_i):
outcome (a, b) is the Bell state (I ⊗ X^b Z^a)|Φ⁺⟩. With ⟨Φ⁺|^{⊗n}(|u⟩⊗|v⟩) = uᵀv/√2ⁿ,

    p(a, b) = |ψᵀ Z^a X^b ψ|² / 2ⁿ = |Σ_i ψ_i ψ_{i⊕x} (−1)^{z·i}|² / 2ⁿ,   x = b, z = a,

so the marginal of x is the XOR autocorrelation p(x) = Σ_i |ψ_i|²|ψ_{i⊕x}|², and given x
the z are distributed as the squared Walsh–Hadamard transform of f_i = ψ_i ψ_{i⊕x}. Both are
O(n·2ⁿ) transforms of an n-qubit vector, instead of a 2n-qubit simulation: exact shots of the
TwoCopyProtocol circuit on |ψ⟩ at n = 14 take milliseconds. Bits come in the record order
a0, b0, a1, b1, …; integer indices are Cirq's (qubit 0 = most significant bit).
"""

from __future__ import annotations

import numpy as np

from qmemlearn.backends.local_basis_shots import _check_rng, _num_qubits

DEFAULT_CHUNK_BYTES = 2**27
_NORM_TOLERANCE = 1e-6


def walsh_hadamard(values: np.ndarray) -> np.ndarray:
    """Unnormalized Walsh–Hadamard transform over the last axis (length 2ⁿ): Σ_i v_i (−1)^{z·i}."""
    values = np.array(values, copy=True)
    lead = values.shape[:-1]
    size = values.shape[-1]
    n = _num_qubits(size, "values") if size > 1 else 0
    for k in range(n):
        view = values.reshape(*lead, 2**k, 2, size // 2 ** (k + 1))
        top = view[..., 0, :].copy()
        view[..., 0, :] += view[..., 1, :]
        view[..., 1, :] = top - view[..., 1, :]
    return values


def _index_bits(indices: np.ndarray, n: int) -> np.ndarray:
    shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
    return ((indices[:, None] >> shifts) & 1).astype(np.uint8)


def bell_probabilities(state: np.ndarray) -> np.ndarray:
    """The full 4ⁿ Bell outcome distribution of ψ⊗ψ, ``[2ⁿ (z = a), 2ⁿ (x = b)]`` (small n)."""
    state = np.asarray(state, dtype=np.complex128)
    d = state.shape[0]
    idx = np.arange(d)
    f = state[None, :] * state[idx[:, None] ^ idx[None, :]]  # [x, i]
    return (np.abs(walsh_hadamard(f)) ** 2 / d).T


def sample_bell_pure(
    state: np.ndarray, shots: int, rng: np.random.Generator, *, max_chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> np.ndarray:
    """Exact two-copy Bell outcomes of ψ⊗ψ.

    Args:
        state: Normalized n-qubit state vector, length 2ⁿ, Cirq order.
        shots: Number of two-copy shots, an int >= 0 (each consumes 2 copies).
        rng: The source of randomness: one uniform per shot for x, then one per shot for z.
        max_chunk_bytes: Bound on the memory of the conditional transforms, in bytes.

    Returns:
        uint8 ``[shots, 2n]`` bits a0, b0, a1, b1, … (DESIGN §3).

    Raises:
        ValueError: If the state is not a normalized vector of length 2ⁿ, or shots < 0.
    """
    state = np.asarray(state)
    if state.ndim != 1:
        raise ValueError(f"state has shape {state.shape}; it must be a vector of length 2**n")
    n = _num_qubits(state.shape[0], "state")
    norm = float(np.vdot(state, state).real)
    if abs(norm - 1) > _NORM_TOLERANCE:
        raise ValueError(f"state has squared norm {norm:.6g}; it must be normalized (1 within {_NORM_TOLERANCE})")
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 0:
        raise ValueError(f"shots={shots!r} must be an int >= 0")
    _check_rng(rng)
    psi = state.astype(np.complex128) / np.sqrt(norm)
    d = psi.shape[0]
    weights = np.abs(psi) ** 2
    hat = walsh_hadamard(weights)
    p_x = np.clip(walsh_hadamard(hat * hat).real / d, 0.0, None)  # XOR autocorrelation
    cdf = np.cumsum(p_x)
    xs = np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(shots), side="right"), d - 1)
    uniforms = rng.random(shots)
    zs = np.empty(shots, dtype=np.int64)
    distinct, inverse = np.unique(xs, return_inverse=True)
    idx = np.arange(d)
    chunk = max(1, int(max_chunk_bytes // (48 * d)))
    for start in range(0, len(distinct), chunk):
        block = distinct[start : start + chunk]
        probs = np.abs(walsh_hadamard(psi[None, :] * psi[idx[None, :] ^ block[:, None]])) ** 2
        cdfs = np.cumsum(probs, axis=1)
        cdfs /= cdfs[:, -1:]
        for row, x in enumerate(block):
            members = np.flatnonzero(inverse == start + row)
            zs[members] = np.minimum(np.searchsorted(cdfs[row], uniforms[members], side="right"), d - 1)
    bits = np.empty((shots, 2 * n), dtype=np.uint8)
    bits[:, 0::2] = _index_bits(zs, n)
    bits[:, 1::2] = _index_bits(xs, n)
    return bits
