"""The Pauli-mixed state ρ = (I + s·α·P)/2ⁿ, prepared as the paper did (DESIGN §4).

One copy is prepared by a parameterized circuit with two moments:

1. ``X**flip_i`` on every qubit, with random bits ``f``; the parity of ``f`` on supp(P) is 0
   with probability (1 + sα)/2, so that ⟨Z_supp⟩ = sα and every other correlation vanishes;
2. a rotation ``PhasedXPowGate(phase_i, exponent_i)`` that maps Z to P_i (Y**½ for X,
   X**−½ for Y, identity for Z and I), so ρ = U (I + sα Z_supp) U† / 2ⁿ = (I + sαP)/2ⁿ.

The hidden Pauli enters only through sweep values, never through the circuit: one compiled
circuit serves every instance at a given n, on hardware and in simulation. Each shot of each
copy is an independent draw of the flips.

**Mixture form** (DESIGN §4, for simulators that run one circuit for all shots, e.g. stim):
:func:`mixture_circuit` puts one :class:`ParityMixtureGate` before the same two moments. The
gate writes the flip distribution as channels: ``bit_flip(1/2)`` on every qubit except the
first of supp(P), ``bit_flip((1 − sα)/2)`` on that one, then ``CNOT``s from the rest of
supp(P) onto it, so the parity of the flips on supp(P) is 1 with probability (1 − sα)/2
exactly as in :meth:`PauliMixedState.draw_settings`. Its settings (support mask, sα, flips = 0,
the rotation) are constant over shots. The gate carries a ``cirq.VirtualTag``: it stands for
classical randomness, so gate-noise models skip it, and the flip gates that follow (at
exponent 0) still receive the gate noise the sweep form's flips receive. The two forms agree
in distribution under any noise model that acts only after non-virtual gates (gate
depolarizing, readout); per-moment noise sees one extra moment in the mixture form.
Hardware always runs the sweep form.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import numpy as np

from qmemlearn import paulis

# (phase_exponent, exponent) of the PhasedXPowGate Z^p X^t Z^-p that maps Z to each Pauli.
# Index by Pauli code I=0, X=1, Y=2, Z=3.
_ROTATION_TO_PAULI = np.array(
    [
        [0.0, 0.0],  # I: no rotation
        [0.5, 0.5],  # X: Y**0.5 takes +z to +x
        [0.0, -0.5],  # Y: X**-0.5 takes +z to +y
        [0.0, 0.0],  # Z: no rotation
    ]
)


@functools.lru_cache(maxsize=1024)
def mixture_symbol_names(n: int, prefix: str = "") -> dict[str, list[str]]:
    """Names of the symbols of the :class:`ParityMixtureGate` of :func:`mixture_circuit`."""
    return {"support": [f"{prefix}support_{i}" for i in range(n)], "bias": [f"{prefix}bias"]}


@functools.lru_cache(maxsize=1024)
def preparation_symbol_names(n: int, prefix: str = "") -> dict[str, list[str]]:
    """Names of the sweep symbols of :func:`preparation_circuit`, per role and qubit."""
    return {
        "flip": [f"{prefix}flip_{i}" for i in range(n)],
        "phase": [f"{prefix}prep_phase_{i}" for i in range(n)],
        "exponent": [f"{prefix}prep_exponent_{i}" for i in range(n)],
    }


@functools.lru_cache(maxsize=256)
def _preparation_circuit_cached(qubits: tuple, prefix: str):
    import cirq
    import sympy

    names = preparation_symbol_names(len(qubits), prefix)
    flips = [cirq.X(q) ** sympy.Symbol(f) for q, f in zip(qubits, names["flip"])]
    rotations = [
        cirq.PhasedXPowGate(phase_exponent=sympy.Symbol(p), exponent=sympy.Symbol(e)).on(q)
        for q, p, e in zip(qubits, names["phase"], names["exponent"])
    ]
    return cirq.FrozenCircuit(cirq.Moment(flips), cirq.Moment(rotations))


def preparation_circuit(qubits: Sequence[Any], *, prefix: str = "") -> "cirq.Circuit":
    """The parameterized circuit that prepares one copy of a Pauli-mixed state.

    Args:
        qubits: The n qubits holding the copy; qubit i carries Pauli character i.
        prefix: Prepended to every symbol name, so that several copies in one circuit
            (e.g. ``"a_"`` and ``"b_"``) get independent settings.

    Returns:
        A two-moment ``cirq.Circuit`` with symbols named by :func:`preparation_symbol_names`.
    """
    import cirq

    return cirq.Circuit(_preparation_circuit_cached(tuple(qubits), prefix))


@functools.lru_cache(maxsize=256)
def _mixture_circuit_cached(qubits: tuple, prefix: str):
    import cirq
    import sympy

    from qmemlearn.sources.parity_mixture import ParityMixtureGate

    names = mixture_symbol_names(len(qubits), prefix)
    gate = ParityMixtureGate([sympy.Symbol(s) for s in names["support"]], sympy.Symbol(names["bias"][0]))
    gadget = cirq.Moment(gate.on(*qubits).with_tags(cirq.VirtualTag()))
    return cirq.FrozenCircuit(gadget, *_preparation_circuit_cached(qubits, prefix).moments)


def mixture_circuit(qubits: Sequence[Any], *, prefix: str = "") -> "cirq.Circuit":
    """The mixture form of :func:`preparation_circuit`: a parity-mixture moment, then the same moments.

    Args:
        qubits: The n qubits holding the copy.
        prefix: Prepended to every symbol name (as in :func:`preparation_circuit`).

    Returns:
        A three-moment ``cirq.Circuit``; its settings (:meth:`PauliMixedState.mixture_settings`)
        are constant over shots, so one resolved circuit serves all shots of an instance.
    """
    import cirq

    return cirq.Circuit(_mixture_circuit_cached(tuple(qubits), prefix))


@dataclasses.dataclass(frozen=True)
class PauliMixedState:
    """The state ρ = (I + sign·alpha·P)/2ⁿ of DESIGN §4.

    Attributes:
        pauli: The non-identity Pauli string P; character i acts on qubit i.
        alpha: Strength α in [0, 1]; the paper used 0.9.
        sign: s = +1 or -1, so tr(Pρ) = s·α.

    Example:
        >>> state = PauliMixedState("XYZ", alpha=0.9, sign=-1)
        >>> state.expectation("XYZ")
        -0.9
    """

    pauli: str
    alpha: float = 0.9
    sign: int = 1

    def __post_init__(self) -> None:
        paulis.validate_pauli(self.pauli, name="pauli")
        if set(self.pauli) == {"I"}:
            raise ValueError(f"pauli={self.pauli!r} must not be the identity")
        alpha = self.alpha
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating, np.integer)):
            raise ValueError(f"alpha={alpha!r} must be a number in [0, 1]")
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha={alpha!r} must be in [0, 1]")
        if self.sign not in (1, -1) or isinstance(self.sign, bool):
            raise ValueError(f"sign={self.sign!r} must be +1 or -1")
        object.__setattr__(self, "alpha", float(alpha))
        object.__setattr__(self, "sign", int(self.sign))

    @property
    def n(self) -> int:
        """Number of system qubits."""
        return len(self.pauli)

    def expectation(self, observable: str) -> float:
        """Exact tr(Qρ) for a Pauli string Q: 1 for I, s·α for P, 0 otherwise."""
        paulis.validate_pauli(observable, n=self.n, name="observable")
        if set(observable) == {"I"}:
            return 1.0
        return self.sign * self.alpha if observable == self.pauli else 0.0

    def purity(self) -> float:
        """Exact tr(ρ²) = (1 + α²)/2ⁿ."""
        return (1.0 + self.alpha**2) / 2**self.n

    def density_matrix(self) -> np.ndarray:
        """Exact ρ as a 2ⁿ×2ⁿ complex array (qubit 0 is the most significant bit, as in Cirq)."""
        if self.n > 12:
            raise ValueError(f"n={self.n} is too large for a dense density matrix; the limit is 12")
        single = {
            "I": np.eye(2),
            "X": np.array([[0, 1], [1, 0]]),
            "Y": np.array([[0, -1j], [1j, 0]]),
            "Z": np.diag([1, -1]),
        }
        op = np.array([[1.0]])
        for c in self.pauli:
            op = np.kron(op, single[c])
        return (np.eye(2**self.n) + self.sign * self.alpha * op) / 2**self.n

    #: The preparation circuit depends only on the qubits, never on P, sign or alpha; those
    #: enter through :meth:`draw_settings`. So one circuit (and one compiled plan) serves
    #: every instance at a given n.
    preparation_circuit = staticmethod(preparation_circuit)

    def draw_settings(
        self, rng: np.random.Generator, shots: int, *, prefix: str = ""
    ) -> dict[str, np.ndarray]:
        """Draws the sweep values of ``shots`` independent copies.

        Args:
            rng: Source of randomness.
            shots: Number of copies to prepare (one per sweep point).
            prefix: The symbol prefix used for this copy in the circuit.

        Returns:
            A dict from symbol name to a float64 array of length ``shots``.
        """
        if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 0:
            raise ValueError(f"shots={shots!r} must be an int >= 0")
        codes = paulis.pauli_to_codes(self.pauli)
        support = np.flatnonzero(codes)
        flips = rng.integers(0, 2, size=(shots, self.n), dtype=np.uint8)
        # Target parity 0 with probability (1 + sα)/2 gives E[(-1)^parity] = sα.
        target = (rng.random(shots) >= (1.0 + self.sign * self.alpha) / 2).astype(np.uint8)
        parity = np.bitwise_xor.reduce(flips[:, support], axis=1)
        flips[:, support[0]] ^= parity ^ target
        names = preparation_symbol_names(self.n, prefix)
        flip_values = flips.astype(np.float64)
        # Rotations are constant over shots: zero-copy broadcasts whose columns have stride 0.
        rotation = np.broadcast_to(_ROTATION_TO_PAULI[codes][None, :, :], (shots, self.n, 2))
        columns: dict[str, np.ndarray] = {}
        for i in range(self.n):
            columns[names["flip"][i]] = flip_values[:, i]
            columns[names["phase"][i]] = rotation[:, i, 0]
            columns[names["exponent"][i]] = rotation[:, i, 1]
        return columns

    #: The mixture form of the preparation (see the module docstring).
    mixture_circuit = staticmethod(mixture_circuit)

    def mixture_settings(self, shots: int, *, prefix: str = "") -> dict[str, np.ndarray]:
        """Sweep values of :func:`mixture_circuit` for ``shots`` copies: constant over shots.

        Returns:
            A dict from symbol name to a read-only float64 array of length ``shots`` (zero-copy
            broadcasts): support mask and sα of the parity mixture, flips 0, the rotation to P.
        """
        if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 0:
            raise ValueError(f"shots={shots!r} must be an int >= 0")
        codes = paulis.pauli_to_codes(self.pauli)
        names = {**preparation_symbol_names(self.n, prefix), **mixture_symbol_names(self.n, prefix)}
        row = {names["bias"][0]: float(self.sign * self.alpha)}
        for i in range(self.n):
            row[names["support"][i]] = float(codes[i] != 0)
            row[names["flip"][i]] = 0.0
            row[names["phase"][i]] = float(_ROTATION_TO_PAULI[codes[i], 0])
            row[names["exponent"][i]] = float(_ROTATION_TO_PAULI[codes[i], 1])
        # One read-only zero-stride broadcast; its columns are zero-stride views (no per-symbol call).
        table = np.broadcast_to(np.fromiter(row.values(), dtype=np.float64, count=len(row)), (shots, len(row)))
        return {name: table[:, k] for k, name in enumerate(row)}

    def metadata(self) -> dict[str, Any]:
        """JSON-native description of the source, stored with every record."""
        return {"name": "pauli-mixed", "pauli": self.pauli, "alpha": self.alpha, "sign": self.sign}
