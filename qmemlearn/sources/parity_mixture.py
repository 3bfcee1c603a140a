"""The parity-mixture gate: the classical flips of a Pauli-mixed state written as channels.

See :mod:`qmemlearn.sources.pauli_mixed` (mixture form, DESIGN §4).
"""

from __future__ import annotations

from typing import Any, Sequence

import cirq
import sympy


class ParityMixtureGate(cirq.Gate):
    """Flips bits as channels: uniform, except the parity on the support is 1 w.p. (1 − bias)/2.

    On |0…0⟩ it prepares the classical mixture of the sweep form's flips. ``support`` is a 0/1
    mask with one value per qubit and ``bias`` is s·α; both may be sympy symbols. It decomposes
    into ``bit_flip`` and ``CNOT`` (for cirq and qsim) and converts to stim directly
    (``X_ERROR`` + ``CNOT``).

    Example:
        >>> gate = ParityMixtureGate([1, 0, 1], 0.9)
        >>> [str(op.gate) for op in cirq.decompose_once_with_qubits(gate, cirq.LineQubit.range(3))]
        ['BF(0.05)', 'BF(0.5)', 'BF(0.5)', 'CNOT']
    """

    def __init__(self, support: Sequence[Any], bias: Any) -> None:
        self.support = tuple(support)
        self.bias = bias

    def _num_qubits_(self) -> int:
        return len(self.support)

    def _is_parameterized_(self) -> bool:
        return any(isinstance(v, sympy.Basic) for v in (*self.support, self.bias))

    def _parameter_names_(self) -> set[str]:
        return {str(v) for v in (*self.support, self.bias) if isinstance(v, sympy.Basic)}

    def _resolve_parameters_(self, resolver: cirq.ParamResolver, recursive: bool) -> ParityMixtureGate:
        values = [resolver.value_of(v, recursive) for v in self.support]
        return ParityMixtureGate(values, resolver.value_of(self.bias, recursive))

    def _resolved(self) -> tuple[list[int], float]:
        """(support indices, bias), checked."""
        if self._is_parameterized_():
            raise ValueError(f"{self!r} must be resolved before it is simulated")
        mask = [int(round(float(v))) for v in self.support]
        if set(mask) - {0, 1} or not any(mask):
            raise ValueError(f"support={self.support!r} must be a non-empty 0/1 mask")
        bias = float(self.bias)
        if not -1.0 <= bias <= 1.0:
            raise ValueError(f"bias={bias!r} must be in [-1, 1] (s*alpha)")
        return [i for i, m in enumerate(mask) if m], bias

    def _decompose_(self, qubits: Sequence[cirq.Qid]) -> cirq.OP_TREE:
        support, bias = self._resolved()
        first = support[0]
        for i, q in enumerate(qubits):
            yield cirq.bit_flip((1.0 - bias) / 2 if i == first else 0.5).on(q)
        for i in support[1:]:
            yield cirq.CNOT(qubits[i], qubits[first])

    def _stim_conversion_(self, *, edit_circuit: Any, targets: list[int], tag: str = "", **kwargs: Any) -> None:
        support, bias = self._resolved()
        first = targets[support[0]]
        others = [t for t in targets if t != first]
        if others:
            edit_circuit.append("X_ERROR", others, 0.5, tag=tag)
        edit_circuit.append("X_ERROR", [first], (1.0 - bias) / 2, tag=tag)
        pairs = [t for i in support[1:] for t in (targets[i], first)]
        if pairs:
            edit_circuit.append("CNOT", pairs, tag=tag)

    def _circuit_diagram_info_(self, args: cirq.CircuitDiagramInfoArgs) -> tuple[str, ...]:
        return tuple(f"parity(m={m},bias={self.bias})" for m in self.support)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ParityMixtureGate) and (self.support, self.bias) == (other.support, other.bias)

    def __hash__(self) -> int:
        return hash((ParityMixtureGate, self.support, self.bias))

    def __repr__(self) -> str:
        return f"ParityMixtureGate(support={self.support!r}, bias={self.bias!r})"
