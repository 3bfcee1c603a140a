"""Two-copy virtual-distillation measurement: one shot estimates tr(Oρ²) for a Pauli O.

With S the swap of the two copies, ``tr(Oρ²) = tr((O⊗I) S ρ⊗ρ)`` (Huggins et al., PRX 11,
041036 (2021); Koczor, PRX 11, 031057 (2021)). The operator factorizes over the pairs
``(a_i, b_i)``: ``(O⊗I)S = Π_i V_i`` with ``V_i = (O_i⊗I) S_i``, commuting unitaries acting on
different pairs, so one measurement of every pair in the eigenbasis of its ``V_i`` gives
eigenvalues ``λ_i`` and ``Re Π_i λ_i`` is an unbiased one-shot estimate of ``tr(Oρ²)``.

Per-pair diagonalizer (derived in the tests against ``cirq.unitary``):

* ``O_i = Z``: ``V = (Z⊗I)S`` fixes ``|00⟩`` (λ = 1), negates ``|11⟩`` (λ = −1) and acts on
  ``span{|01⟩, |10⟩}`` as ``|01⟩ → −|10⟩, |10⟩ → |01⟩``, with eigenvectors
  ``(|01⟩ ± i|10⟩)/√2`` (λ = ±i). ``CNOT(a→b)`` maps these four to ``|00⟩, |10⟩, |±i⟩|1⟩``;
  then S† and H on ``a``, controlled by ``b``, turn ``|±i⟩`` into ``|0⟩, |1⟩``. So
  ``λ = i^b · (−1)^a``.
* ``O_i = X, Y``: with ``O = R Z R†`` (``R = H`` for X, ``R = S·H`` for Y),
  ``(O⊗I)S = (R⊗R)(Z⊗I)S(R⊗R)†`` because S commutes with ``R⊗R``; so apply ``R†`` to both
  qubits first, then the Z diagonalizer. Same ``λ = i^b · (−1)^a``.
* ``O_i = I``: ``V = S``, measured in the Bell basis (CNOT(a→b), H(a)) exactly as
  :class:`~qmemlearn.protocols.two_copy.TwoCopyProtocol`: λ = −1 only for ``(a, b) = (1, 1)``.

Bits are stored as the two-copy records of DESIGN §3: ``bits[t, 2i] = a_i`` (copy A),
``bits[t, 2i+1] = b_i`` (copy B). Only the diagonalizer differs from the Bell circuit, so a
pair with ``O_i = I`` reads exactly like a Bell pair. Each shot consumes 2 copies of ρ.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import cirq
import numpy as np

from qmemlearn import paulis
from qmemlearn.protocols.base import MEASUREMENT_KEY, Source
from qmemlearn.protocols.two_copy import COPY_PREFIXES, TwoCopyProtocol
from qmemlearn.records import BellRecord

#: ``R†`` per letter (applied to both qubits of a pair before the Z diagonalizer).
_UNROTATE = {"X": (cirq.H,), "Y": (cirq.S**-1, cirq.H), "Z": ()}


def pair_operator(letter: str) -> np.ndarray:
    """The 4×4 unitary ``V = (O⊗I)·SWAP`` of one pair, qubit order (a, b) (a most significant).

    Raises:
        ValueError: If ``letter`` is not one of I, X, Y, Z.

    Example:
        >>> pair_operator("I").real.astype(int).tolist()[1]
        [0, 0, 1, 0]
    """
    if letter not in "IXYZ" or len(letter) != 1:
        raise ValueError(f"letter={letter!r} must be one of 'I', 'X', 'Y', 'Z'")
    single = cirq.unitary(cirq.I if letter == "I" else getattr(cirq, letter))
    return np.kron(single, np.eye(2)) @ cirq.unitary(cirq.SWAP)


def pair_diagonalizer(letter: str, a: cirq.Qid, b: cirq.Qid) -> list[cirq.Operation]:
    """Operations mapping the eigenbasis of ``(O⊗I)·SWAP`` on ``(a, b)`` to the computational basis.

    After them, measuring ``(a, b)`` gives the eigenvalue :func:`pair_eigenvalue` ``(letter, a, b)``.

    Raises:
        ValueError: If ``letter`` is not one of I, X, Y, Z.
    """
    if letter not in "IXYZ" or len(letter) != 1:
        raise ValueError(f"letter={letter!r} must be one of 'I', 'X', 'Y', 'Z'")
    if letter == "I":
        return [cirq.CNOT(a, b), cirq.H(a)]
    ops = [gate(q) for gate in _UNROTATE[letter] for q in (a, b)]
    ops += [cirq.CNOT(a, b), (cirq.CZ**-0.5)(b, a), cirq.H.controlled().on(b, a)]
    return ops


def pair_eigenvalue(letter: str, a: int, b: int) -> complex:
    """Eigenvalue of ``(O⊗I)·SWAP`` read from the bits ``(a, b)`` of a diagonalized pair.

    ``I``: −1 for (1, 1), else +1 (SWAP). ``X``, ``Y``, ``Z``: ``i^b·(−1)^a``.

    Example:
        >>> pair_eigenvalue("Z", 1, 1)
        -1j
    """
    if letter == "I":
        return -1.0 + 0j if (a and b) else 1.0 + 0j
    return complex((1j) ** int(b) * (-1) ** int(a))


def distillation_values(bits: np.ndarray, observable: str) -> np.ndarray:
    """``Re Π_i λ_i`` per shot: unbiased one-shot estimates of ``tr(Oρ²)``, in {−1, 0, 1}.

    With ``k = Σ_{i: O_i ≠ I} b_i``: 0 if k is odd, else ``(−1)^{k/2}·(−1)^m`` where
    ``m = Σ_{O_i ≠ I} a_i + Σ_{O_i = I} a_i b_i``.

    Args:
        bits: uint8 ``[T, 2n]`` outcomes ``a0, b0, a1, b1, ...`` of :class:`DistillationProtocol`.
        observable: The Pauli string O of length n the circuit was built for.

    Returns:
        int8 ``[T]`` in {−1, 0, 1}.

    Raises:
        ValueError: On malformed bits or an observable of the wrong length.

    Example:
        >>> distillation_values([[0, 0], [1, 0], [0, 1]], "Z").tolist()
        [1, -1, 0]
    """
    bits = np.asarray(bits)
    if bits.ndim != 2 or bits.shape[1] % 2 or bits.shape[1] == 0:
        raise ValueError(f"bits has shape {bits.shape}; it must be [shots, 2n] with n >= 1")
    n = bits.shape[1] // 2
    paulis.validate_pauli(observable, n=n, name="observable")
    a, b = bits[:, 0::2].astype(np.int64), bits[:, 1::2].astype(np.int64)
    on = np.array([c != "I" for c in observable])
    k = b[:, on].sum(axis=1)
    m = a[:, on].sum(axis=1) + (a[:, ~on] * b[:, ~on]).sum(axis=1)
    sign = (1 - 2 * ((k // 2 + m) & 1)).astype(np.int8)
    return np.where(k % 2 == 1, 0, sign).astype(np.int8)


@dataclasses.dataclass(frozen=True)
class DistillationProtocol:
    """Two copies measured pair by pair in the eigenbasis of ``(O_i⊗I)·SWAP_i``.

    Attributes:
        observable: The Pauli string O (length n) whose ``tr(Oρ²)`` the shots estimate.
        layout: n pairs ``(a_i, b_i)`` of device qubits. Defaults to adjacent line qubits
            (as :class:`~qmemlearn.protocols.two_copy.TwoCopyProtocol`).

    Example:
        >>> DistillationProtocol("XZ").copies_per_shot
        2
    """

    observable: str
    layout: tuple[tuple[cirq.Qid, cirq.Qid], ...] | None = None
    name: str = dataclasses.field(default="two-copy-distillation", init=False)
    copies_per_shot: int = dataclasses.field(default=2, init=False)

    def __post_init__(self) -> None:
        paulis.validate_pauli(self.observable, name="observable")
        if self.layout is not None:
            object.__setattr__(self, "layout", tuple(tuple(p) for p in self.layout))

    def _bell(self) -> TwoCopyProtocol:
        return TwoCopyProtocol(layout=self.layout)

    def pairs(self, n: int) -> tuple[tuple[cirq.Qid, cirq.Qid], ...]:
        """The (a_i, b_i) device qubit pairs for n system qubits."""
        return self._bell().pairs(n)

    def circuit(self, source: Source) -> cirq.FrozenCircuit:
        """Both preparations (symbols prefixed ``a_``, ``b_``), the diagonalizers, one measurement.

        Raises:
            ValueError: If the observable's length is not the source's n.
        """
        paulis.validate_pauli(self.observable, n=source.n, name="observable")
        return _distillation_circuit(self.pairs(source.n), source.preparation_circuit, self.observable)

    def draw_settings(
        self, source: Source, rng: np.random.Generator, shots: int
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Independent settings for both copies of every shot (as the Bell protocol)."""
        return self._bell().draw_settings(source, rng, shots)

    def make_record(self, bits: np.ndarray, extras: dict[str, np.ndarray], metadata: dict[str, Any]) -> BellRecord:
        return BellRecord(bits=bits, metadata=metadata)

    def metadata(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "observable": self.observable,
            "pair_order": "a0,b0,a1,b1,...",
            "unpairing": "I: CNOT(a->b), H(a); X/Y/Z: R^dag on a and b, CNOT(a->b), "
            "controlled-(H S^dag)(b->a); value Re prod(lambda)",
        }


@functools.lru_cache(maxsize=128)
def _distillation_circuit(
    pairs: tuple[tuple[cirq.Qid, cirq.Qid], ...], preparation: Any, observable: str
) -> cirq.FrozenCircuit:
    prep_a = preparation([a for a, _ in pairs], prefix=COPY_PREFIXES[0])
    prep_b = preparation([b for _, b in pairs], prefix=COPY_PREFIXES[1])
    diagonalize = cirq.Circuit(
        op for letter, (a, b) in zip(observable, pairs) for op in pair_diagonalizer(letter, a, b)
    )
    return cirq.FrozenCircuit(
        cirq.Circuit(prep_a.zip(prep_b)),
        *diagonalize.moments,
        cirq.Moment(cirq.measure(*[q for pair in pairs for q in pair], key=MEASUREMENT_KEY)),
    )


def value_distribution(observable_on_square: float, expectation: float) -> np.ndarray:
    """Exact law of the one-shot value ``Re Π λ_i`` on ρ⊗ρ: ``[P(−1), P(0), P(+1)]``.

    ``V = (O⊗I)·SWAP`` has ``V² = O⊗O`` and ``V⁴ = I``, so ``Π λ_i`` takes values ``i^k`` with
    ``P(i^k) = ¼ Σ_m i^(−km) tr(V^m ρ⊗ρ)``, where ``tr(Vρ⊗ρ) = tr(V³ρ⊗ρ) = tr(Oρ²)`` and
    ``tr(V²ρ⊗ρ) = tr(Oρ)²``. Hence ``P(±1) = ¼(1 ± 2 tr(Oρ²) + tr(Oρ)²)`` and
    ``P(0) = P(±i) summed = ½(1 − tr(Oρ)²)``, for any state and any Pauli O.

    Args:
        observable_on_square: tr(Oρ²).
        expectation: tr(Oρ).

    Raises:
        ValueError: If the values are not those of a state (a probability would be negative).

    Example:
        >>> value_distribution(0.25, 0.0).tolist()
        [0.125, 0.5, 0.375]
    """
    m1, m2 = float(observable_on_square), float(expectation) ** 2
    probabilities = np.array([1 - 2 * m1 + m2, 2 * (1 - m2), 1 + 2 * m1 + m2]) / 4
    if (probabilities < -1e-12).any():
        raise ValueError(
            f"observable_on_square={observable_on_square!r}, expectation={expectation!r} are not "
            "tr(O rho^2), tr(O rho) of a state (a probability would be negative)"
        )
    return np.clip(probabilities, 0.0, 1.0)
