"""A resolved Cirq circuit as a quimb MPS: compile to site gates, evolve, sample in batches.

Qubits are sorted and grouped into *sites* of ``block_size`` consecutive qubits (physical
dimension d = 2^block_size); qubit k lives on site k // block_size, and within a site the
first qubit is the most significant bit of the local index (Cirq's big-endian order). With
``block_size=2`` a two-copy dynamics circuit (system i on LineQubit(2i), memory i on 2i+1)
becomes a chain of n pair-sites: the Bell, SWAP and un-Bell gates are one-site gates and
every gate of U acts on two neighbouring sites.

Gates are applied with ``MatrixProductState.gate_(..., contract="swap+split")`` (quimb's TEBD
update: canonicalize around the pair, contract, SVD, truncate to ``max_bond``/``cutoff``
without renormalizing), so the squared norm left at the end is quimb's fidelity estimate
(the product of the kept weights, as in ``CircuitMPS.fidelity_estimate``).

:func:`sample_sites` draws all shots at once from the right-canonical MPS: sweeping left to
right it carries one left-environment vector per shot, ``[shots, bond]``, computes the
conditional probabilities of the d outcomes of the next site with one matrix product, draws
them with one uniform per shot, and contracts the chosen physical index.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Sequence

import cirq
import numpy as np

BYTES_PER_AMPLITUDE = 16  # complex128
#: Peak memory of one gate update relative to one (d·bond)² matrix: theta, U, S, V, LAPACK work.
SVD_WORKSPACE_FACTOR = 8


@dataclasses.dataclass
class SiteGate:
    """A unitary on one site ``(i,)`` or two sites ``(i, j)``; matrix is d^k × d^k."""

    sites: tuple[int, ...]
    matrix: np.ndarray


def estimate_memory_bytes(num_sites: int, bond: int, dim: int) -> int:
    """Peak bytes of an MPS of ``num_sites`` sites of dimension ``dim`` at bond ``bond``.

    The state takes num_sites·dim·bond²·16 bytes; one gate update adds about
    :data:`SVD_WORKSPACE_FACTOR` matrices of (dim·bond)² amplitudes.
    """
    state = num_sites * dim * bond**2 * BYTES_PER_AMPLITUDE
    return state + SVD_WORKSPACE_FACTOR * (dim * bond) ** 2 * BYTES_PER_AMPLITUDE


def next_gate_peak_bytes(state_bytes: int, left_bond: int, right_bond: int, dim: int, span: int = 2) -> int:
    """Worst-case peak bytes of applying one gate to ``span`` neighbouring sites, exactly.

    The two-site block is a (left_bond·d^(span−1))×(d·right_bond) matrix whose rank, the new
    bond, is at most the smaller side; the update holds the state, that matrix and
    :data:`SVD_WORKSPACE_FACTOR` more of its size (U, S, V, LAPACK work). Unlike a bound that
    assumes every bond of the chain doubles, this is tight for one gate, so an exact evolution is
    refused only when the very next gate could exceed memory.
    """
    rows, cols = left_bond * dim ** (span - 1), dim * right_bond
    return state_bytes + (1 + SVD_WORKSPACE_FACTOR) * rows * cols * BYTES_PER_AMPLITUDE


def _embed(matrix: np.ndarray, positions: Sequence[int], width: int) -> np.ndarray:
    """Embeds a gate on ``positions`` of ``width`` qubits into a 2^width matrix (identity elsewhere)."""
    k = len(positions)
    if k == width and list(positions) == list(range(width)):
        return matrix
    identity = np.eye(2**width, dtype=complex).reshape((2,) * (2 * width))
    full = cirq.targeted_left_multiply(matrix.reshape((2,) * (2 * k)), identity, list(positions))
    return full.reshape(2**width, 2**width)


def compile_site_gates(
    operations: Sequence[cirq.Operation], qubit_index: dict[cirq.Qid, int], block_size: int
) -> list[SiteGate]:
    """Site gates of ``operations`` (unitary, on 1 or 2 qubits), with neighbours merged.

    A gate is multiplied into the previous gate when that gate is the last one on all of its
    sites and covers them; a one-site gate left pending is absorbed by the next two-site gate.

    Raises:
        ValueError: If an operation spans more than two sites.
    """
    gates: list[SiteGate | None] = []
    last: dict[int, int] = {}  # site -> index in gates of the last gate on it
    for op in operations:
        indices = [qubit_index[q] for q in op.qubits]
        sites = tuple(sorted({k // block_size for k in indices}))
        if len(sites) > 2:
            raise ValueError(f"operation {op} spans sites {sites}; at most 2 sites are supported")
        site_qubits = [s * block_size + b for s in sites for b in range(block_size)]
        matrix = _embed(cirq.unitary(op), [site_qubits.index(k) for k in indices], len(site_qubits))
        previous = {last.get(s) for s in sites}
        if len(previous) == 1 and None not in previous:
            k = previous.pop()
            prior = gates[k]
            if set(sites) <= set(prior.sites):
                if len(prior.sites) > len(sites):  # one-site gate into a two-site gate
                    pos = prior.sites.index(sites[0])
                    matrix = _embed(matrix, list(range(pos * block_size, (pos + 1) * block_size)), 2 * block_size)
                prior.matrix = matrix @ prior.matrix
                continue
        if len(sites) == 2:  # absorb pending one-site gates
            for pos, s in enumerate(sites):
                k = last.get(s)
                if k is not None and gates[k].sites == (s,):
                    pre = _embed(gates[k].matrix, list(range(pos * block_size, (pos + 1) * block_size)), 2 * block_size)
                    matrix = matrix @ pre
                    gates[k] = None
        gates.append(SiteGate(sites, matrix))
        for s in sites:
            last[s] = len(gates) - 1
    return [g for g in gates if g is not None]


@dataclasses.dataclass
class EvolvedMPS:
    """A right-canonical MPS after a circuit, ready to sample.

    Attributes:
        arrays: Site tensors, shape ``(bond_left, d, bond_right)``, right-canonical.
        dim: Physical dimension d of every site.
        num_qubits: Qubits represented (sites × log2 d).
        max_bond_reached: Largest bond dimension seen during the evolution.
        fidelity_estimate: Squared norm after truncation (1 when nothing was discarded).
        seconds: Wall time of the evolution (s).
    """

    arrays: list[np.ndarray]
    dim: int
    num_qubits: int
    max_bond_reached: int
    fidelity_estimate: float
    seconds: float

    @property
    def final_max_bond(self) -> int:
        """Largest bond of the final state (1 for a product state of the sites)."""
        return max(a.shape[2] for a in self.arrays)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays)

    def state_vector(self) -> np.ndarray:
        """The normalized 2ⁿ state vector, big-endian over sorted qubits (small n only)."""
        vector = np.ones((1, 1), dtype=complex)
        for a in self.arrays:
            vector = (vector @ a.reshape(a.shape[0], -1)).reshape(-1, a.shape[2])
        vector = vector.reshape(-1)
        return vector / np.linalg.norm(vector)


def evolve(
    gates: Sequence[SiteGate],
    num_sites: int,
    dim: int,
    *,
    max_bond: int | None,
    cutoff: float,
    memory_limit_bytes: int,
) -> EvolvedMPS:
    """Applies site gates to |0…0⟩ with quimb and right-canonicalizes the result.

    Raises:
        MemoryError: If the worst case of the next gate (:func:`next_gate_peak_bytes`) would
            exceed ``memory_limit_bytes`` (exact mode only; a bond cap is checked before).
    """
    import quimb.tensor as qtn

    start = time.perf_counter()
    zero = np.zeros(dim, dtype=complex)
    zero[0] = 1.0
    psi = qtn.MatrixProductState.from_product([zero] * num_sites)
    info: dict = {}
    opts = {"max_bond": max_bond, "cutoff": cutoff, "info": info}
    max_reached = 1
    for gate in gates:
        if len(gate.sites) == 1:
            psi.gate_(gate.matrix, gate.sites[0], contract=True)
            continue
        i, j = sorted(gate.sites)
        if max_bond is None:  # exact: refuse before a gate whose worst case does not fit
            left = psi.bond_size(i - 1, i) if i > 0 else 1
            right = psi.bond_size(j, j + 1) if j < num_sites - 1 else 1
            peak = next_gate_peak_bytes(sum(t.data.nbytes for t in psi), left, right, dim, span=j - i + 1)
            if peak > memory_limit_bytes:
                raise MemoryError(
                    f"the exact MPS reached bond {max_reached} and the next gate (sites {i}, {j}, between bonds "
                    f"{left} and {right}) could need {peak / 2**30:.3g} GiB, over the "
                    f"{memory_limit_bytes / 2**30:.3g} GiB allowed; pass max_bond=... (e.g. {max_reached}) "
                    "to truncate and get a fidelity estimate"
                )
        psi.gate_(gate.matrix, gate.sites, contract="swap+split", **opts)
        max_reached = max(max_reached, *(psi.bond_size(k, k + 1) for k in range(i, j)))
    psi.canonicalize_(0, info=info)  # right-canonical: the whole norm sits on site 0
    psi.permute_arrays("lpr")
    arrays = [np.asarray(t.data, dtype=complex) for t in psi]
    arrays[0] = arrays[0].reshape(1, dim, -1)
    arrays[-1] = arrays[-1].reshape(-1, dim, 1)
    fidelity = float(np.vdot(arrays[0], arrays[0]).real)
    return EvolvedMPS(arrays, dim, num_sites * int(np.log2(dim)), max_reached, fidelity, time.perf_counter() - start)


def sample_sites(state: EvolvedMPS, shots: int, rng: np.random.Generator, *, chunk_bytes: int = 2**27) -> np.ndarray:
    """Draws ``shots`` outcomes of every qubit at once, uint8 ``[shots, num_qubits]``.

    Exact sampling from |ψ|²/‖ψ‖² by the chain rule over sites, vectorized over shots;
    shots are processed in chunks that keep the ``[shots, d, bond]`` buffer under
    ``chunk_bytes``.
    """
    dim, width = state.dim, int(np.log2(state.dim))
    widest = max(a.shape[1] * a.shape[2] for a in state.arrays)
    chunk = max(1, chunk_bytes // (BYTES_PER_AMPLITUDE * widest))
    outcomes = np.empty((shots, len(state.arrays)), dtype=np.int64)
    for lo in range(0, shots, chunk):
        count = min(chunk, shots - lo)
        rows = np.arange(count)
        env = np.ones((count, 1), dtype=complex)
        uniforms = rng.random((count, len(state.arrays)))
        for site, a in enumerate(state.arrays):
            w = (env @ a.reshape(a.shape[0], -1)).reshape(count, dim, a.shape[2])
            weights = np.einsum("spr,spr->sp", w, w.conj()).real
            total = weights.sum(axis=1)
            cumulative = np.cumsum(weights, axis=1) / total[:, None]
            x = (uniforms[:, site, None] > cumulative[:, :-1]).sum(axis=1)
            zero = weights[rows, x] <= 0  # only by rounding at the top of the cumulative sum
            x[zero] = weights[zero].argmax(axis=1)
            outcomes[lo : lo + count, site] = x
            env = w[rows, x, :] / np.sqrt(weights[rows, x])[:, None]
    shifts = np.arange(width - 1, -1, -1)
    return ((outcomes[:, :, None] >> shifts) & 1).reshape(shots, -1).astype(np.uint8)
