"""Protocols for learning dynamics U: two-copy (quantum memory) and single-copy (Y basis).

Cost unit: *queries of U* (DESIGN §5.2).

- **two-copy** (:func:`two_copy_dynamics_circuit`, 2 queries per shot): Bell pairs
  (system i, memory i) → U on the system → SWAP each pair → U again → un-Bell
  (CNOT(system → memory), H(system)) → measure 2n bits. System qubit i sits on
  ``LineQubit(2i)`` and memory i on ``LineQubit(2i+1)``, and the measured bits are in that
  order: ``bits[t, 2i]`` (system) and ``bits[t, 2i+1]`` (memory), the paper's file order and
  the Bell-record order of DESIGN §3. The outcome distribution is that of (U·Uᵀ ⊗ I)|Φ⟩, so a
  noiseless T-symmetric U (U·Uᵀ ∝ I) gives all zeros.
- **single-copy** (:func:`single_copy_dynamics_circuit`, 1 query per shot): U|0…0⟩ on
  ``LineQubit(0..n−1)``, then every qubit measured in the Y basis: ``X**0.5`` takes the +1
  eigenvector of Y to |0⟩, so bit 0 means Y = +1 (DESIGN §3). Note the paper's released C files
  use the opposite sign (1 means Y = +1).
- **single-copy-random** (:func:`single_copy_random_dynamics_circuit`, 1 query per shot):
  U|0…0⟩, then each qubit measured in a uniformly random Pauli basis per shot, drawn anew for
  every shot; the basis change is the parameterized rotation of
  :class:`~qmemlearn.protocols.single_copy.SingleCopyProtocol` (sweep symbols), and records
  carry the recipes (0: X, 1: Y, 2: Z; bit 0 = +1 eigenvalue, DESIGN §3).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import cirq
import numpy as np

from qmemlearn.backends.sweeps import sample_bits
from qmemlearn.protocols.base import MEASUREMENT_KEY
from qmemlearn.protocols.single_copy import SingleCopyProtocol
from qmemlearn.records import BellRecord, ShadowRecord
from qmemlearn.sources.brickwork import BrickworkDynamics

_Y_RECIPE = 1  # recipe code of the Y basis (0: X, 1: Y, 2: Z)


def system_memory_qubits(n: int) -> tuple[list[cirq.LineQubit], list[cirq.LineQubit]]:
    """System qubits ``LineQubit(2i)`` and memory qubits ``LineQubit(2i+1)``, i < n."""
    return [cirq.LineQubit(2 * i) for i in range(n)], [cirq.LineQubit(2 * i + 1) for i in range(n)]


def two_copy_dynamics_circuit(dynamics: BrickworkDynamics, *, key: str = MEASUREMENT_KEY) -> cirq.Circuit:
    """The two-copy (Bell, SWAP, U twice) circuit on 2n line qubits, measured under ``key``.

    Args:
        dynamics: The unknown U.
        key: Measurement key of the 2n bits (system i at column 2i, memory i at 2i+1).

    Returns:
        A circuit with 4·depth + 6 moments, no symbols.

    Example:
        >>> u = BrickworkDynamics(n=2, depth=1, kind="t-symmetric", seed=0)
        >>> sorted(two_copy_dynamics_circuit(u).all_qubits())
        [cirq.LineQubit(0), cirq.LineQubit(1), cirq.LineQubit(2), cirq.LineQubit(3)]
    """
    system, memory = system_memory_qubits(dynamics.n)
    u = dynamics.circuit(system)
    pairs = list(zip(system, memory))
    return cirq.Circuit(
        cirq.Moment(cirq.H(s) for s in system),
        cirq.Moment(cirq.CNOT(s, m) for s, m in pairs),
        u,
        cirq.Moment(cirq.SWAP(s, m) for s, m in pairs),
        u,
        cirq.Moment(cirq.CNOT(s, m) for s, m in pairs),
        cirq.Moment(cirq.H(s) for s in system),
        cirq.Moment(cirq.measure(*[q for pair in pairs for q in pair], key=key)),
    )


def single_copy_dynamics_circuit(dynamics: BrickworkDynamics, *, key: str = MEASUREMENT_KEY) -> cirq.Circuit:
    """U|0…0⟩ on ``LineQubit(0..n−1)``, then a Y-basis measurement of every qubit (bit 0: Y = +1).

    Example:
        >>> u = BrickworkDynamics(n=3, depth=2, kind="scrambling", seed=1)
        >>> len(single_copy_dynamics_circuit(u))
        6
    """
    qubits = cirq.LineQubit.range(dynamics.n)
    return cirq.Circuit(
        dynamics.circuit(qubits),
        cirq.Moment((cirq.X**0.5).on(q) for q in qubits),
        cirq.Moment(cirq.measure(*qubits, key=key)),
    )


@dataclasses.dataclass(frozen=True)
class DynamicsPreparation:
    """U|0…0⟩ as a :class:`~qmemlearn.protocols.base.Source` (no per-shot settings), so the
    single-copy protocols of states measure it unchanged."""

    dynamics: BrickworkDynamics

    @property
    def n(self) -> int:
        return self.dynamics.n

    def preparation_circuit(self, qubits: Any, *, prefix: str = "") -> cirq.Circuit:
        return self.dynamics.circuit(qubits)

    def draw_settings(self, rng: np.random.Generator, shots: int, *, prefix: str = "") -> dict[str, np.ndarray]:
        return {}

    def metadata(self) -> dict[str, Any]:
        return self.dynamics.metadata()


_RANDOM_BASES = SingleCopyProtocol(basis=None)


def single_copy_random_dynamics_circuit(dynamics: BrickworkDynamics) -> cirq.FrozenCircuit:
    """U|0…0⟩ on ``LineQubit(0..n−1)``, a basis rotation per qubit with sweep symbols
    ``basis_phase_i``/``basis_exponent_i`` (set per shot by
    :meth:`SingleCopyRandomDynamicsProtocol.draw_settings`), and one measurement of key ``"m"``.

    Example:
        >>> u = BrickworkDynamics(n=3, depth=2, kind="scrambling", seed=1)
        >>> len(cirq.parameter_names(single_copy_random_dynamics_circuit(u)))
        6
    """
    return _RANDOM_BASES.circuit(DynamicsPreparation(dynamics))


def _check_shots(shots: Any) -> int:
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots <= 0:
        raise ValueError(f"shots={shots!r} must be an int > 0")
    return int(shots)


@dataclasses.dataclass(frozen=True)
class TwoCopyDynamicsProtocol:
    """Two queries of U per shot with a quantum memory; records are :class:`BellRecord`\\ s."""

    name: str = dataclasses.field(default="two-copy-dynamics", init=False)
    queries_per_shot: int = dataclasses.field(default=2, init=False)

    def circuit(self, dynamics: BrickworkDynamics) -> cirq.Circuit:
        return two_copy_dynamics_circuit(dynamics)

    def sample(self, dynamics: BrickworkDynamics, *, shots: int, sampler: cirq.Sampler) -> BellRecord:
        """Runs ``shots`` repetitions of the circuit (one ``run``) and wraps the bits.

        Raises:
            ValueError: If ``shots`` is not a positive int.
        """
        bits = _run(sampler, self.circuit(dynamics), _check_shots(shots))
        return BellRecord(bits=bits, metadata=self._metadata(dynamics, shots, sampler))

    def _metadata(self, dynamics: BrickworkDynamics, shots: int, sampler: cirq.Sampler) -> dict[str, Any]:
        return _record_metadata(self.name, self.queries_per_shot, dynamics, shots, sampler)


@dataclasses.dataclass(frozen=True)
class SingleCopyDynamicsProtocol:
    """One query of U per shot, all qubits measured in Y; records are :class:`ShadowRecord`\\ s."""

    name: str = dataclasses.field(default="single-copy-dynamics", init=False)
    queries_per_shot: int = dataclasses.field(default=1, init=False)

    def circuit(self, dynamics: BrickworkDynamics) -> cirq.Circuit:
        return single_copy_dynamics_circuit(dynamics)

    def sample(self, dynamics: BrickworkDynamics, *, shots: int, sampler: cirq.Sampler) -> ShadowRecord:
        """Runs ``shots`` repetitions; recipes are all Y (code 1).

        Raises:
            ValueError: If ``shots`` is not a positive int.
        """
        bits = _run(sampler, self.circuit(dynamics), _check_shots(shots))
        recipes = np.full(bits.shape, _Y_RECIPE, dtype=np.uint8)
        metadata = _record_metadata(self.name, self.queries_per_shot, dynamics, shots, sampler)
        return ShadowRecord(bits=bits, recipes=recipes, metadata=metadata)


def _run(sampler: cirq.Sampler, circuit: cirq.Circuit, shots: int) -> np.ndarray:
    result = sampler.run(circuit, repetitions=shots)
    return np.asarray(result.records[MEASUREMENT_KEY][:, -1, :], dtype=np.uint8)


def _record_metadata(
    name: str, per_shot: int, dynamics: BrickworkDynamics, shots: int, sampler: cirq.Sampler
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "protocol": {"name": name, "queries_per_shot": per_shot},
        "source": dynamics.metadata(),
        "n": dynamics.n,
        "shots": int(shots),
        "queries": int(shots) * per_shot,
        "cost_unit": "queries of U",
    }
    info = getattr(sampler, "last_run_info", None)
    if info:
        meta["backend_run"] = dict(info)
    return meta


@dataclasses.dataclass(frozen=True)
class SingleCopyRandomDynamicsProtocol:
    """One query of U per shot, each qubit in a uniformly random Pauli basis; :class:`ShadowRecord`\\ s."""

    name: str = dataclasses.field(default="single-copy-random-dynamics", init=False)
    queries_per_shot: int = dataclasses.field(default=1, init=False)

    def circuit(self, dynamics: BrickworkDynamics) -> cirq.FrozenCircuit:
        return single_copy_random_dynamics_circuit(dynamics)

    def draw_settings(
        self, dynamics: BrickworkDynamics, rng: np.random.Generator, shots: int
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Sweep columns of ``shots`` shots and their recipes ``[shots, n]`` (0: X, 1: Y, 2: Z)."""
        columns, extras = _RANDOM_BASES.draw_settings(DynamicsPreparation(dynamics), rng, _check_shots(shots))
        return columns, extras["recipes"]

    def sample(
        self, dynamics: BrickworkDynamics, *, shots: int, sampler: cirq.Sampler, rng: np.random.Generator
    ) -> ShadowRecord:
        """Draws the bases from ``rng`` and runs one sweep point per shot through ``sampler``.

        Raises:
            ValueError: If ``shots`` is not a positive int.
        """
        columns, recipes = self.draw_settings(dynamics, rng, shots)
        bits = sample_bits(sampler, self.circuit(dynamics), columns, key=MEASUREMENT_KEY)
        metadata = _record_metadata(self.name, self.queries_per_shot, dynamics, shots, sampler)
        return ShadowRecord(bits=bits, recipes=recipes, metadata=metadata)
