"""``MPSSampler``: a ``cirq.Sampler`` that runs 1D-ish circuits as a quimb matrix product state.

It runs the literal circuit, gate by gate (see :mod:`qmemlearn.backends.mps_state`): exact
by default (``max_bond=None``, a tiny SVD cutoff), or truncated to a bond cap, in which case
quimb's fidelity estimate (the product of the kept weights) is reported. All shots of one
parameter setting are drawn at once from the canonical MPS. Distinct settings of a sweep are
simulated once each (cached), so ``run_sweep(circuit, params, repetitions=1000)`` costs one
evolution per distinct resolver.

After every ``run_sweep`` the sampler's ``last_run_info`` holds JSON-native facts for the
record metadata: the bond reached, the cap, the fidelity estimate, and seconds spent.

Refused, with a ``ValueError`` that names a backend that can: non-unitary operations (noise
channels, resets), mid-circuit measurements, classical control, confusion maps.
"""

from __future__ import annotations

import collections
import contextlib
import time
from typing import Any, Sequence

import cirq
import numpy as np

from qmemlearn.backends.memory import available_memory_bytes
from qmemlearn.backends.mps_state import (
    EvolvedMPS,
    compile_site_gates,
    estimate_memory_bytes,
    evolve,
    sample_sites,
)

DEFAULT_CUTOFF = 1e-12  # discarded weight per SVD (quimb's 'rsum2' mode): numerically exact
_MAX_PROBABILITY_QUBITS = 24


class MPSSampler(cirq.Sampler):
    """Samples circuits on line-like qubits from a quimb MPS, all shots at once.

    Args:
        max_bond: Bond cap; None (default) keeps every singular value above ``cutoff``.
        cutoff: Discarded squared weight allowed per SVD, relative (quimb ``rsum2``).
            Defaults to 1e-12.
        block_size: Consecutive (sorted) qubits per MPS site: 1 (qubit sites) or 2 (pair
            sites, best for the two-copy circuits, whose pairs sit on adjacent qubits).
        seed: Seed of the sampling randomness.
        memory_limit_bytes: Refuse simulations estimated above this. Defaults to half of RAM.
        max_cached_bytes: Evolved states kept for reuse across calls. Defaults to 1 GiB.
        threads: BLAS threads while evolving and sampling (via ``threadpoolctl``). Defaults
            to None (leave the BLAS default). On a loaded machine 1 is much faster than many.

    Raises:
        ValueError: If an argument is out of range (the message names it).

    Example:
        >>> q = cirq.LineQubit.range(2)
        >>> c = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(*q), cirq.measure(*q, key="m"))
        >>> bits = MPSSampler(seed=1).run(c, repetitions=5).measurements["m"]
        >>> bool((bits[:, 0] == bits[:, 1]).all())
        True
    """

    def __init__(
        self,
        *,
        max_bond: int | None = None,
        cutoff: float = DEFAULT_CUTOFF,
        block_size: int = 2,
        seed: cirq.RANDOM_STATE_OR_SEED_LIKE | np.random.Generator = None,
        memory_limit_bytes: int | None = None,
        max_cached_bytes: int = 2**30,
        threads: int | None = None,
    ) -> None:
        if max_bond is not None and (isinstance(max_bond, bool) or not isinstance(max_bond, (int, np.integer)) or max_bond < 1):
            raise ValueError(f"max_bond={max_bond!r} must be None (exact) or an int >= 1")
        if not isinstance(cutoff, (int, float)) or not 0 <= cutoff < 1:
            raise ValueError(f"cutoff={cutoff!r} must be a float in [0, 1)")
        if block_size not in (1, 2):
            raise ValueError(f"block_size={block_size!r} must be 1 or 2")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads={threads!r} must be None or an int >= 1")
        self.threads = threads
        self.max_bond = None if max_bond is None else int(max_bond)
        self.cutoff = float(cutoff)
        self.block_size = int(block_size)
        self.memory_limit_bytes = memory_limit_bytes
        self.max_cached_bytes = int(max_cached_bytes)
        if isinstance(seed, np.random.RandomState):
            seed = int(seed.randint(2**31))
        self._rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self._cache: collections.OrderedDict[Any, EvolvedMPS] = collections.OrderedDict()
        self.last_run_info: dict[str, Any] = {}

    # ----------------------------------------------------------------- cirq.Sampler

    def run_sweep(
        self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1
    ) -> Sequence[cirq.Result]:
        """One ``cirq.ResultDict`` per resolver; every distinct setting is simulated once."""
        with self._thread_limit():
            return self._run_sweep(program, params, repetitions)

    def _thread_limit(self) -> Any:
        if self.threads is None:
            return contextlib.nullcontext()
        import threadpoolctl

        return threadpoolctl.threadpool_limits(self.threads)

    def _run_sweep(self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int) -> list[cirq.Result]:
        if isinstance(repetitions, bool) or not isinstance(repetitions, (int, np.integer)) or repetitions < 0:
            raise ValueError(f"repetitions={repetitions!r} must be an int >= 0")
        start = time.perf_counter()
        circuit, qubits, measurements = _prepare(program)
        resolvers = list(cirq.to_resolvers(params))
        names = sorted(cirq.parameter_names(circuit))
        frozen = (cirq.FrozenCircuit(circuit), self.max_bond, self.cutoff, self.block_size)
        groups: dict[tuple, list[int]] = {}
        for t, resolver in enumerate(resolvers):
            key = tuple(float(resolver.value_of(name)) for name in names)
            groups.setdefault(key, []).append(t)
        results: list[cirq.Result | None] = [None] * len(resolvers)
        states, sample_seconds = [], 0.0
        for key, members in groups.items():
            resolver = resolvers[members[0]]
            state = self._evolved(cirq.resolve_parameters(circuit, resolver), qubits, key=(frozen, key))
            states.append(state)
            t0 = time.perf_counter()
            bits = sample_sites(state, repetitions * len(members), self._rng) if repetitions else None
            sample_seconds += time.perf_counter() - t0
            for k, t in enumerate(members):
                chunk = bits[k * repetitions : (k + 1) * repetitions] if repetitions else np.zeros((0, len(qubits)), np.uint8)
                results[t] = cirq.ResultDict(params=resolvers[t], records=_records(chunk, measurements))
        self.last_run_info = _run_info(self, states, sample_seconds, time.perf_counter() - start)
        return results  # type: ignore[return-value]

    # ----------------------------------------------------------------- exact references

    def state(self, program: cirq.AbstractCircuit, param_resolver: cirq.ParamResolverOrSimilarType = None) -> EvolvedMPS:
        """The evolved (canonical) MPS of ``program`` under ``param_resolver``, measurements ignored."""
        circuit, qubits, _ = _prepare(program)
        resolved = cirq.resolve_parameters(circuit, cirq.ParamResolver(param_resolver))
        with self._thread_limit():
            return self._evolved(resolved, qubits, key=None)

    def probabilities(
        self, program: cirq.AbstractCircuit, param_resolver: cirq.ParamResolverOrSimilarType = None
    ) -> np.ndarray:
        """Exact distribution of the measured bits (keys in order, big-endian), small circuits only.

        Raises:
            ValueError: If the circuit has more than 24 qubits.
        """
        circuit, qubits, measurements = _prepare(program)
        if len(qubits) > _MAX_PROBABILITY_QUBITS:
            raise ValueError(f"probabilities() needs 2^{len(qubits)} amplitudes; at most {_MAX_PROBABILITY_QUBITS} qubits allowed")
        state = self.state(program, param_resolver)
        probs = (np.abs(state.state_vector()) ** 2).reshape((2,) * state.num_qubits)  # + any pad qubit
        columns = [(i, inv) for _, specs in measurements for idx, mask in specs for i, inv in zip(idx, mask)]
        measured = [i for i, _ in columns]
        others = tuple(k for k in range(state.num_qubits) if k not in measured)
        marginal = probs.sum(axis=others).transpose(np.argsort(np.argsort(measured)))
        for axis, (_, inv) in enumerate(columns):
            if inv:
                marginal = np.flip(marginal, axis=axis)
        return marginal.reshape(-1)

    # ----------------------------------------------------------------- internals

    def _memory_limit(self) -> int:
        return self.memory_limit_bytes if self.memory_limit_bytes is not None else available_memory_bytes() // 2

    def _evolved(self, resolved: cirq.Circuit, qubits: list[cirq.Qid], *, key: Any) -> EvolvedMPS:
        cached = self._cache.get(key) if key is not None else None
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        num_sites = -(-len(qubits) // self.block_size)
        dim = 2**self.block_size
        if len(qubits) % self.block_size:  # pad with an idle qubit so every site has dimension d
            qubits = qubits + [cirq.NamedQubit("_mps_pad")]
        limit = self._memory_limit()
        if self.max_bond is not None and estimate_memory_bytes(num_sites, self.max_bond, dim) > limit:
            raise ValueError(
                f"max_bond={self.max_bond} on {num_sites} sites of dimension {dim} needs about "
                f"{estimate_memory_bytes(num_sites, self.max_bond, dim) / 2**30:.3g} GiB, over the "
                f"{limit / 2**30:.3g} GiB allowed; lower max_bond"
            )
        index = {q: k for k, q in enumerate(qubits)}
        operations = [op for op in resolved.all_operations() if not cirq.is_measurement(op)]
        gates = compile_site_gates(operations, index, self.block_size)
        try:
            state = evolve(gates, num_sites, dim, max_bond=self.max_bond, cutoff=self.cutoff, memory_limit_bytes=limit)
        except MemoryError as error:
            raise ValueError(f"{error} (or use backend='qsim' for <= 30 qubits)") from None
        if key is not None and state.nbytes <= self.max_cached_bytes:
            self._cache[key] = state
            while sum(s.nbytes for s in self._cache.values()) > self.max_cached_bytes:
                self._cache.popitem(last=False)
        return state

    def __repr__(self) -> str:
        return f"MPSSampler(max_bond={self.max_bond}, cutoff={self.cutoff}, block_size={self.block_size})"


Measurements = list[tuple[str, list[tuple[list[int], list[bool]]]]]


def _prepare(program: cirq.AbstractCircuit) -> tuple[cirq.Circuit, list[cirq.Qid], Measurements]:
    """Flattens, checks and decomposes ``program``; returns it, its sorted qubits and its measurements."""
    circuit = cirq.Circuit(cirq.decompose(
        cirq.unroll_circuit_op(cirq.Circuit(program), deep=True, tags_to_check=None),
        keep=lambda op: cirq.is_measurement(op) or (cirq.num_qubits(op) <= 2 and cirq.has_unitary(op)),
        on_stuck_raise=None,
    ))
    for op in circuit.all_operations():
        if cirq.is_measurement(op):
            gate = op.gate
            if not isinstance(gate, cirq.MeasurementGate) or gate.confusion_map:
                raise ValueError(f"operation {op}: only plain cirq.measure (no confusion_map) is supported by 'mps'")
        elif cirq.control_keys(op):
            raise ValueError(f"operation {op} is classically controlled; use backend='cirq'")
        elif not cirq.is_parameterized(op) and not cirq.has_unitary(op):
            raise ValueError(f"operation {op} is not unitary (noise or reset); use backend='cirq' or 'density-matrix'")
        elif cirq.num_qubits(op) > 2:
            raise ValueError(f"operation {op} acts on {cirq.num_qubits(op)} qubits; 'mps' needs 1- and 2-qubit gates")
    if not circuit.are_all_measurements_terminal():
        raise ValueError("all measurements must be terminal for backend='mps'; use backend='cirq'")
    qubits = sorted(circuit.all_qubits())
    index = {q: k for k, q in enumerate(qubits)}
    measurements: dict[str, list] = {}
    for op in circuit.all_operations():
        if cirq.is_measurement(op):
            mask = list(op.gate.full_invert_mask())
            measurements.setdefault(op.gate.key, []).append(([index[q] for q in op.qubits], mask))
    return circuit, qubits, list(measurements.items())


def _records(bits: np.ndarray, measurements: Measurements) -> dict[str, np.ndarray]:
    """Records ``[repetitions, instances, width]`` of each key, from bits of all qubits."""
    records = {}
    for key, specs in measurements:
        widths = {len(idx) for idx, _ in specs}
        if len(widths) > 1:
            raise ValueError(f"measurement key {key!r} is used with different widths {sorted(widths)}")
        records[key] = np.stack([bits[:, idx] ^ np.asarray(mask, dtype=np.uint8) for idx, mask in specs], axis=1)
    return records


def _run_info(sampler: MPSSampler, states: list[EvolvedMPS], sample_seconds: float, seconds: float) -> dict[str, Any]:
    fidelities = [s.fidelity_estimate for s in states]
    return {
        "backend": "mps",
        "max_bond": sampler.max_bond,
        "cutoff": sampler.cutoff,
        "block_size": sampler.block_size,
        "threads": sampler.threads,
        "settings": len(states),
        "max_bond_reached": max((s.max_bond_reached for s in states), default=0),
        "final_max_bond": max((s.final_max_bond for s in states), default=0),
        "fidelity_estimate": min(fidelities, default=1.0),
        "simulate_seconds": float(sum(s.seconds for s in states)),
        "sample_seconds": float(sample_seconds),
        "seconds": float(seconds),
    }
