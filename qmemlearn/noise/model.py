"""``LocalNoiseModel``: the ``cirq.NoiseModel`` of a spec made of local terms."""

from __future__ import annotations

from typing import Sequence

import cirq

from qmemlearn.noise.spec import NoiseSpec
from qmemlearn.noise.terms import is_noisy_gate

_VIRTUAL = cirq.VirtualTag()


class LocalNoiseModel(cirq.NoiseModel):
    """Applies the local terms of a :class:`NoiseSpec`, moment by moment.

    Each original moment becomes: one moment per term of channels before its measurements
    (readout), the moment itself, one moment per term of gate errors (coherent,
    depolarizing), and one moment per term of idle channels (amplitude damping, idle
    T1/T2). Noise operations are tagged ``cirq.VirtualTag``, and none ever follows a
    measurement (so every backend sees the same noise, DESIGN §6).

    Args:
        spec: The spec; every term must be local.

    Raises:
        ValueError: If ``spec`` is not a NoiseSpec or has a non-local term.
    """

    def __init__(self, spec: NoiseSpec) -> None:
        if not isinstance(spec, NoiseSpec):
            raise ValueError(f"spec={spec!r} must be a NoiseSpec (use parse_noise)")
        nonlocal_terms = [t.name for t in spec.terms if not t.local]
        if nonlocal_terms:
            raise ValueError(f"noise term {nonlocal_terms[0]!r} is not local; use parse_noise(...).model()")
        self.spec = spec

    def noisy_moment(self, moment: cirq.Moment, system_qubits: Sequence[cirq.Qid]) -> cirq.OP_TREE:
        terms = self.spec.terms
        measured = [q for op in moment if cirq.is_measurement(op) for q in op.qubits]
        gates = [op for op in moment if is_noisy_gate(op)]
        before = [t.before_measurement(measured) for t in terms] if measured else []
        after_gates = [[e for op in gates for e in t.after_gate(op)] for t in terms]
        after_moment = [t.after_moment(moment, system_qubits) for t in terms]
        virtual = lambda ops: cirq.Moment(op.with_tags(_VIRTUAL) for op in ops)  # noqa: E731
        return [
            *(virtual(ops) for ops in before if ops),
            moment,
            *(virtual(ops) for ops in after_gates + after_moment if ops),
        ]

    def __repr__(self) -> str:
        return f"LocalNoiseModel({self.spec!r})"
