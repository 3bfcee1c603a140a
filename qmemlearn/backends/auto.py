"""Backend ``auto``: the fastest backend that is exact for a circuit and its noise.

Rules, in order (:func:`choose_backend` returns the name and the reason, and
:class:`AutoSampler` logs both on the ``qmemlearn.backends`` logger):

1. ``fast`` when every cluster of qubits joined by multi-qubit operations has at most
   ``DEFAULT_MAX_CLUSTER_QUBITS`` qubits (all learning-protocol sweep circuits): exact for any
   channel, millions of shots per second;
2. ``stim`` when every operation (after noise, resolved at the first sweep point) is a
   Clifford gate or a Pauli channel: exact at thousands of qubits;
3. ``density-matrix`` for noisy circuits of at most ``DENSITY_MATRIX_MAX_QUBITS`` qubits: exact
   with no trajectories;
4. ``qsim`` for anything else that fits in memory (about 30 qubits), noisy by trajectories.
"""

from __future__ import annotations

import logging
from typing import Callable, Mapping, Sequence

import cirq
import numpy as np

from qmemlearn.backends.cluster_sampler import DEFAULT_MAX_CLUSTER_QUBITS
from qmemlearn.backends.memory import available_memory_bytes, required_memory_bytes
from qmemlearn.backends.stim_backend import NotStimCompatibleError, stim_incompatibility
from qmemlearn.backends.sweeps import validate_columns

logger = logging.getLogger("qmemlearn.backends")
DENSITY_MATRIX_MAX_QUBITS = 8


def largest_cluster(circuit: cirq.AbstractCircuit) -> int:
    """Size of the largest set of qubits joined by multi-qubit (non-measurement) operations."""
    parent = {q: q for q in circuit.all_qubits()}

    def root(q):
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    for op in circuit.all_operations():
        if len(op.qubits) > 1 and not cirq.is_measurement(op):
            for other in op.qubits[1:]:
                parent[root(other)] = root(op.qubits[0])
    sizes: dict = {}
    for q in parent:
        sizes[root(q)] = sizes.get(root(q), 0) + 1
    return max(sizes.values(), default=0)


def choose_backend(
    circuit: cirq.AbstractCircuit,
    noise: cirq.NoiseModel | None = None,
    *,
    resolver: cirq.ParamResolverOrSimilarType = None,
    memory_bytes: int | None = None,
) -> tuple[str, str]:
    """The fastest exact backend for ``circuit`` under ``noise``, and why.

    Args:
        circuit: The circuit (parameterized or not).
        noise: The noise model applied with ``with_noise``. Defaults to None (ideal).
        resolver: Values of the circuit's symbols used to decide whether it is Clifford
            (e.g. the first sweep point). Defaults to None.
        memory_bytes: Memory available. Defaults to the RAM.

    Returns:
        ``(backend name, reason)``.

    Raises:
        ValueError: If no backend simulates the circuit exactly within memory.

    Example:
        >>> q = cirq.LineQubit.range(2)
        >>> choose_backend(cirq.Circuit(cirq.H(q[0]), cirq.CNOT(*q), cirq.measure(*q)))[0]
        'fast'
    """
    n = len(circuit.all_qubits())
    cluster = largest_cluster(circuit)
    if cluster <= DEFAULT_MAX_CLUSTER_QUBITS:
        return "fast", f"independent clusters of at most {cluster} qubits (limit {DEFAULT_MAX_CLUSTER_QUBITS})"
    resolved = cirq.resolve_parameters(circuit, resolver) if resolver is not None else circuit
    not_stim = stim_incompatibility(resolved, noise)
    if not_stim is None:
        return "stim", f"Clifford gates and Pauli noise on {n} qubits (largest cluster {cluster})"
    limit = (memory_bytes if memory_bytes is not None else available_memory_bytes()) // 2
    noisy = noise is not None
    if noisy and n <= DENSITY_MATRIX_MAX_QUBITS:
        return "density-matrix", f"noisy, entangled ({not_stim}) and only {n} qubits: exact without trajectories"
    if required_memory_bytes("qsim", n) <= limit:
        kind = "noisy, one trajectory per shot" if noisy else "noiseless"
        return "qsim", f"entangled clusters of {cluster} qubits, not stim ({not_stim}); {n} qubits fit ({kind})"
    raise ValueError(
        f"no backend simulates this circuit exactly: {n} qubits in clusters of up to {cluster} "
        f"(fast allows {DEFAULT_MAX_CLUSTER_QUBITS}), not stim ({not_stim}), and a state vector "
        f"needs {required_memory_bytes('qsim', n) / 2**30:.3g} GiB of {limit / 2**30:.3g} GiB allowed"
    )


class AutoSampler(cirq.Sampler):
    """Delegates every call to the backend :func:`choose_backend` picks, logging the choice.

    Args:
        factory: Makes the sampler of a backend name (``make_sampler`` with noise and seed).
        noise: The noise model, for the decision.
    """

    def __init__(self, factory: Callable[[str], cirq.Sampler], noise: cirq.NoiseModel | None) -> None:
        self._factory = factory
        self._noise = noise
        self._samplers: dict[str, cirq.Sampler] = {}
        self.last_choice: tuple[str, str] | None = None

    def _sampler_for(self, circuit: cirq.AbstractCircuit, first: Mapping[str, float]) -> tuple[str, cirq.Sampler]:
        name, reason = choose_backend(circuit, self._noise, resolver=first or None)
        if self.last_choice != (name, reason):
            logger.info("backend auto -> %s: %s", name, reason)
        self.last_choice = (name, reason)
        if name not in self._samplers:
            self._samplers[name] = self._factory(name)
        return name, self._samplers[name]

    def _fallback(self, circuit: cirq.AbstractCircuit, error: Exception) -> cirq.Sampler:
        name = "density-matrix" if len(circuit.all_qubits()) <= DENSITY_MATRIX_MAX_QUBITS and self._noise is not None else "qsim"
        logger.info("backend auto -> %s: stim refused a later sweep point (%s)", name, error)
        self.last_choice = (name, f"stim refused a later sweep point: {error}")
        if name not in self._samplers:
            self._samplers[name] = self._factory(name)
        return self._samplers[name]

    def run_sweep(self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1) -> Sequence[cirq.Result]:
        resolvers = list(cirq.to_resolvers(params))
        first = dict(resolvers[0].param_dict) if resolvers else {}
        name, sampler = self._sampler_for(program, {str(k): v for k, v in first.items()})
        try:
            return sampler.run_sweep(program, resolvers, repetitions=repetitions)
        except NotStimCompatibleError as error:
            return self._fallback(program, error).run_sweep(program, resolvers, repetitions=repetitions)

    def _sample_columns_(self, circuit: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray], *, key: str) -> np.ndarray:
        from qmemlearn.backends.sweeps import sample_bits

        points = validate_columns(columns)
        first = {name: float(np.asarray(v)[0]) for name, v in columns.items()} if points else {}
        name, sampler = self._sampler_for(circuit, first)
        try:
            return sample_bits(sampler, circuit, columns, key=key)
        except NotStimCompatibleError as error:
            return sample_bits(self._fallback(circuit, error), circuit, columns, key=key)

    def __repr__(self) -> str:
        return f"AutoSampler(noise={self._noise!r}, last_choice={self.last_choice!r})"


__all__ = ["AutoSampler", "choose_backend", "largest_cluster"]
