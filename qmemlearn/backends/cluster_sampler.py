"""An exact ``cirq.Sampler`` for circuits whose qubits split into small independent clusters.

In the learning circuits no gate crosses between qubit pairs (two-copy) or between qubits
(single-copy). This sampler:

1. flattens the circuit and applies the noise model, if any;
2. splits the qubits into *clusters*: connected components of the graph whose edges are the
   multi-qubit operations (measurements do not connect qubits);
3. for each cluster and each distinct combination of its sweep values, computes the exact
   outcome distribution of the cluster's measured qubits from its density matrix (so every
   Cirq channel is supported: depolarize, bit_flip, amplitude_damp, Kraus channels...);
4. samples every sweep point from its cluster distributions, vectorized over points.

Clusters are independent, so this is exact sampling from the circuit's output distribution.
The sweep points may be split into *segments*, each with its own random generator: the bits of
a segment then depend on its generator alone, never on the other segments of the call (see
:meth:`ClusterSampler._sample_columns_`), so batching many instances into one call is as fast
as before and gives the same bits as sampling each instance alone.
Distributions are cached per resolved, relabelled cluster, so a circuit with 50 identical
pairs costs one small density-matrix simulation per distinct setting, not 50.

It refuses circuits outside this class (mid-circuit measurements feeding later gates,
classical control, non-qubits, clusters larger than ``max_cluster_qubits``) with an error that
says why and which backend to use instead.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Sequence

import cirq
import numpy as np

from qmemlearn.backends.sweeps import Segments, sweep_to_columns, validate_columns, validate_segments

DEFAULT_MAX_CLUSTER_QUBITS = 10
_MAX_CACHED_PLANS = 64
#: Clusters with at most this many outcomes are sampled by direct CDF comparisons.
_MAX_OUTCOMES_COMPARED = 16


def check_seed(seed: object) -> None:
    """Raises ValueError unless ``seed`` is None, an int >= 0 or a ``np.random.Generator``."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be None, an int >= 0 or a np.random.Generator")


class UnsupportedCircuitError(ValueError):
    """The circuit is outside the class the cluster sampler simulates exactly."""


@dataclasses.dataclass
class _Cluster:
    qubits: list  # every qubit of the cluster, in first-appearance order
    operations: list  # non-measurement operations, in circuit order
    symbols: list[str]  # sweep symbols the operations depend on
    measured: list[tuple[int, str, int, int]]  # (index in qubits, key, column, invert bit)
    distributions: dict = dataclasses.field(default_factory=dict)  # combo -> probabilities


@dataclasses.dataclass
class _Plan:
    clusters: list[_Cluster]
    key_widths: dict[str, int]


def _union_find_clusters(qubits: Sequence[Any], operations: Sequence[Any]) -> list[list[Any]]:
    parent = {q: q for q in qubits}

    def root(q):
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    for op in operations:
        first = root(op.qubits[0])
        for other in op.qubits[1:]:
            parent[root(other)] = first
    groups: dict[Any, list] = {}
    for q in qubits:
        groups.setdefault(root(q), []).append(q)
    return list(groups.values())


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of a 1-D float array, fast when it has few distinct values."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if values.strides[0] == 0:  # a broadcast constant: one distinct value, known in O(1)
        return np.broadcast_to(np.int64(0), values.shape), values[:1].copy()
    # Fast path: multiples of 1/2 in [-4, 4], which covers every protocol sweep here
    # (flips 0/1, exponents ±1/2, phases 0, 1/2).
    doubled = values * 2.0 + 8.0
    small = doubled.astype(np.int8)
    if np.array_equal(small, doubled) and small.min() >= 0 and small.max() <= 16:
        present = np.flatnonzero(np.bincount(small, minlength=17))
        remap = np.zeros(17, dtype=np.int64)
        remap[present] = np.arange(present.size)
        return remap[small], (present - 8.0) / 2.0
    codes = np.zeros(values.size, dtype=np.int64)
    uniques: list[float] = []
    remaining = np.ones(values.size, dtype=bool)
    start = 0
    while len(uniques) < 16:
        value = values[start]
        mask = values == value
        codes[mask] = len(uniques)
        uniques.append(value)
        remaining &= ~mask
        if not remaining.any():
            return codes, np.array(uniques)
        start = int(remaining.argmax())
    distinct, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int64), distinct


def _measured_distribution(
    circuit: cirq.FrozenCircuit, num_qubits: int, measured_positions: tuple[int, ...]
) -> np.ndarray:
    """Exact probabilities of the measured qubits of a measurement-free circuit on LineQubits.

    The outcome index has the first of ``measured_positions`` as its most significant bit.
    """
    if len(circuit):
        rho = cirq.final_density_matrix(
            circuit, qubit_order=cirq.LineQubit.range(num_qubits), dtype=np.complex128
        )
        diagonal = np.real(np.diagonal(rho)).reshape((2,) * num_qubits)
    else:
        diagonal = np.zeros((2,) * num_qubits)
        diagonal[(0,) * num_qubits] = 1.0
    unmeasured = tuple(i for i in range(num_qubits) if i not in measured_positions)
    marginal = diagonal.sum(axis=unmeasured) if unmeasured else diagonal
    kept_axes = sorted(measured_positions)
    marginal = np.transpose(marginal, [kept_axes.index(p) for p in measured_positions])
    probs = np.clip(marginal.reshape(-1), 0.0, None)
    return probs / probs.sum()


def _uniforms(streams: Sequence[tuple[int, np.random.Generator]]) -> np.ndarray:
    """``count`` uniforms in [0, 1) from each ``(count, generator)`` stream, concatenated."""
    if len(streams) == 1:
        count, rng = streams[0]
        return rng.random(count)
    return np.concatenate([rng.random(count) for count, rng in streams])


# Caches shared by all ClusterSampler instances of a process: a sweep creates one seeded
# sampler per point, and all of them reuse the plans and exact distributions (which depend
# on the circuit and noise only, never on the seed).
_PLANS: dict[Any, _Plan] = {}
_CANONICAL_DISTRIBUTIONS: dict[Any, np.ndarray] = {}
_MAX_CACHED_DISTRIBUTIONS = 100_000


class ClusterSampler(cirq.Sampler):
    """Exact, vectorized sampler for circuits of small independent qubit clusters.

    Args:
        noise: A ``cirq.NOISE_MODEL_LIKE`` applied to every circuit, as in
            ``cirq.Simulator(noise=...)``. Defaults to None (noiseless).
        seed: Seed or ``np.random.Generator`` for the sampling. Defaults to None.
        max_cluster_qubits: Largest cluster simulated; the density matrix of a cluster of
            k qubits holds 4**k complex numbers. Defaults to 10.

    Example:
        >>> import cirq
        >>> q = cirq.LineQubit.range(2)
        >>> c = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(*q), cirq.measure(*q, key="m"))
        >>> ClusterSampler(seed=1).run(c, repetitions=4).measurements["m"].shape
        (4, 2)
    """

    def __init__(
        self,
        *,
        noise: "cirq.NOISE_MODEL_LIKE" = None,
        seed: int | np.random.Generator | None = None,
        max_cluster_qubits: int = DEFAULT_MAX_CLUSTER_QUBITS,
    ) -> None:
        check_seed(seed)
        if not isinstance(max_cluster_qubits, int) or not 1 <= max_cluster_qubits <= 13:
            raise ValueError(f"max_cluster_qubits={max_cluster_qubits!r} must be an int in [1, 13]")
        self._noise = None if noise is None else cirq.NoiseModel.from_noise_model_like(noise)
        self._rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self._max_cluster_qubits = max_cluster_qubits
        self._noise_key = repr(self._noise)

    # ----- cirq.Sampler interface -------------------------------------------------
    def run_sweep(
        self, program: "cirq.AbstractCircuit", params: "cirq.Sweepable", repetitions: int = 1
    ) -> Sequence["cirq.Result"]:
        if not isinstance(repetitions, (int, np.integer)) or repetitions < 0:
            raise ValueError(f"repetitions={repetitions!r} must be an int >= 0")
        resolvers = list(cirq.to_resolvers(params))
        if not resolvers:
            return []
        columns = sweep_to_columns(params) if resolvers[0].param_dict else {}
        records = self._sample(program, columns, len(resolvers), int(repetitions))
        return [
            cirq.ResultDict(
                params=resolver,
                records={key: bits[t][:, None, :] for key, bits in records.items()},
            )
            for t, resolver in enumerate(resolvers)
        ]

    def _sample_columns_(
        self,
        circuit: "cirq.AbstractCircuit",
        columns: Mapping[str, np.ndarray],
        *,
        key: str,
        segments: Segments | None = None,
    ) -> np.ndarray:
        """One shot per sweep point, straight from columns: uint8 ``[points, width]``.

        Args:
            circuit: The parameterized circuit.
            columns: One value per sweep point for each symbol.
            key: The measurement key to return.
            segments: Optional ``[(points, generator), ...]`` splitting the sweep points into
                consecutive parts; the bits of part k come from generator k alone, exactly as
                if part k were sampled alone by ``ClusterSampler(seed=generator)``. Defaults to
                None: one part, drawn from this sampler's own generator.
        """
        points = validate_columns(columns)
        records = self._sample(circuit, columns, points, 1, segments=segments)
        if key not in records:
            raise ValueError(f"key={key!r} is not a measurement key of the circuit; keys: {sorted(records)}")
        return records[key][:, 0, :]

    # ----- planning ---------------------------------------------------------------
    def _plan(self, program: "cirq.AbstractCircuit") -> _Plan:
        key = (self._noise_key, self._max_cluster_qubits, program.freeze())
        plan = _PLANS.get(key)
        if plan is None:
            plan = self._build_plan(key[-1])
            if len(_PLANS) >= _MAX_CACHED_PLANS:
                _PLANS.pop(next(iter(_PLANS)))
            _PLANS[key] = plan
        return plan

    def _build_plan(self, program: "cirq.AbstractCircuit") -> _Plan:
        circuit = cirq.unroll_circuit_op(cirq.Circuit(program), deep=True, tags_to_check=None)
        if self._noise is not None:
            circuit = circuit.with_noise(self._noise)
        measured: dict[Any, tuple[str, int, int]] = {}
        key_widths: dict[str, int] = {}
        kept = []
        for op in circuit.all_operations():
            if any(q.dimension != 2 for q in op.qubits):
                raise UnsupportedCircuitError(f"{op!r} acts on a non-qubit; only qubits are supported")
            if cirq.control_keys(op):
                raise UnsupportedCircuitError(
                    f"{op!r} is classically controlled; use the 'cirq' backend for feed-forward circuits"
                )
            if cirq.is_measurement(op):
                self._add_measurement(op, measured, key_widths)
                continue
            after = [q in measured for q in op.qubits]
            if all(after):
                continue  # acts only after the final measurement: cannot change any outcome
            if any(after):
                raise UnsupportedCircuitError(
                    f"{op!r} couples a measured qubit to an unmeasured one after the measurement; "
                    "the fast backend needs terminal measurements. Use the 'cirq' backend."
                )
            kept.append(op)
        qubits = list(dict.fromkeys([q for op in kept for q in op.qubits] + list(measured)))
        clusters = []
        for group in _union_find_clusters(qubits, kept):
            members = set(group)
            if not members & measured.keys():
                continue  # nothing measured here: cannot change any outcome
            if len(group) > self._max_cluster_qubits:
                raise UnsupportedCircuitError(
                    f"the circuit couples {len(group)} qubits into one cluster "
                    f"({', '.join(map(str, group[:6]))}{', ...' if len(group) > 6 else ''}); the fast "
                    f"backend simulates clusters of at most max_cluster_qubits={self._max_cluster_qubits}. "
                    "Use the 'cirq' backend for entangled circuits."
                )
            ops = [op for op in kept if op.qubits[0] in members]
            index = {q: k for k, q in enumerate(group)}
            clusters.append(
                _Cluster(
                    qubits=group,
                    operations=ops,
                    symbols=sorted({s for op in ops for s in cirq.parameter_names(op)}),
                    measured=[(index[q], *measured[q]) for q in group if q in measured],
                )
            )
        return _Plan(clusters=clusters, key_widths=key_widths)

    @staticmethod
    def _add_measurement(op, measured: dict, key_widths: dict) -> None:
        gate = op.gate
        if not isinstance(gate, cirq.MeasurementGate):
            raise UnsupportedCircuitError(f"{op!r} is not a plain cirq.MeasurementGate")
        if gate.confusion_map:
            raise UnsupportedCircuitError(
                f"{op!r} has a confusion_map; model readout error as a bit flip before the "
                "measurement instead (see qmemlearn.noise)"
            )
        key = cirq.measurement_key_name(op)
        if key in key_widths:
            raise UnsupportedCircuitError(f"measurement key {key!r} is used twice; keys must be unique")
        invert = gate.full_invert_mask()
        for column, q in enumerate(op.qubits):
            if q in measured:
                raise UnsupportedCircuitError(f"qubit {q} is measured twice; measurements must be terminal")
            measured[q] = (key, column, int(invert[column]))
        key_widths[key] = len(op.qubits)

    # ----- exact cluster distributions --------------------------------------------
    def _distribution(self, cluster: _Cluster, values: tuple[float, ...]) -> np.ndarray:
        probs = cluster.distributions.get(values)
        if probs is not None:
            return probs
        resolver = cirq.ParamResolver(dict(zip(cluster.symbols, values)))
        relabel = {q: cirq.LineQubit(k) for k, q in enumerate(cluster.qubits)}
        canonical = cirq.FrozenCircuit(
            cirq.resolve_parameters(op, resolver).transform_qubits(relabel) for op in cluster.operations
        )
        measured_positions = tuple(m[0] for m in cluster.measured)
        try:
            cache_key = (canonical, len(cluster.qubits), measured_positions)
            hash(cache_key)
        except TypeError:  # an unhashable channel, e.g. cirq.KrausChannel: key by its repr
            cache_key = (repr(canonical), len(cluster.qubits), measured_positions)
        probs = _CANONICAL_DISTRIBUTIONS.get(cache_key)
        if probs is None:
            probs = _measured_distribution(canonical, len(cluster.qubits), measured_positions)
            if len(_CANONICAL_DISTRIBUTIONS) >= _MAX_CACHED_DISTRIBUTIONS:
                _CANONICAL_DISTRIBUTIONS.clear()
            _CANONICAL_DISTRIBUTIONS[cache_key] = probs
        cluster.distributions[values] = probs
        return probs

    # ----- sampling ---------------------------------------------------------------
    def _sample(
        self,
        program: "cirq.AbstractCircuit",
        columns: Mapping[str, np.ndarray],
        points: int,
        repetitions: int,
        *,
        segments: Segments | None = None,
    ) -> dict[str, np.ndarray]:
        plan = self._plan(program)
        shots = points * repetitions
        if segments is None:
            streams = [(shots, self._rng)]
        else:
            streams = [(count * repetitions, rng) for count, rng in validate_segments(segments, points)]
        out = {key: np.zeros((shots, width), dtype=np.uint8) for key, width in plan.key_widths.items()}
        factorized: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for cluster in plan.clusters if shots else ():
            codes, combos = self._cluster_codes(cluster, columns, factorized, points)
            if repetitions > 1:
                codes = np.repeat(codes, repetitions)
            # Each stream draws its own shots, cluster after cluster in plan order: a stream's
            # draws never depend on the other streams of the call.
            u = _uniforms(streams)
            outcomes = self._sample_outcomes(cluster, codes, combos, u)
            width = len(cluster.measured)
            for position, (_, key, column, invert) in enumerate(cluster.measured):
                bit = (outcomes >> (width - 1 - position)) & 1
                out[key][:, column] = bit.astype(np.uint8) ^ invert
        return {key: bits.reshape(points, repetitions, plan.key_widths[key]) for key, bits in out.items()}

    def _cluster_codes(self, cluster, columns, factorized, points):
        """Per point, the index of its distinct setting; and the settings' values."""
        missing = [s for s in cluster.symbols if s not in columns]
        if missing:
            raise ValueError(f"the sweep gives no values for the circuit symbols {missing}")
        combined = np.zeros(points, dtype=np.int64)
        radix = 1
        parts = []
        for symbol in cluster.symbols:
            if symbol not in factorized:
                factorized[symbol] = _factorize(np.asarray(columns[symbol], dtype=float))
            codes, uniques = factorized[symbol]
            combined += codes * radix
            radix *= max(len(uniques), 1)
            parts.append((uniques, codes))
            if radix > 2**40:
                raise UnsupportedCircuitError(
                    f"the sweep takes too many distinct values on the symbols {cluster.symbols}"
                )
        if radix <= max(1 << 16, 4 * points):  # small code space: O(T) instead of a sort
            counts = np.bincount(combined, minlength=radix)
            present = np.flatnonzero(counts)
            rank = np.zeros(radix, dtype=np.int64)
            rank[present] = np.arange(present.size)
            inverse = rank[combined]
        else:
            present, inverse = np.unique(combined, return_inverse=True)
        combos = []
        for code in present:
            values, rest = [], int(code)
            for uniques, _ in parts:
                values.append(float(uniques[rest % len(uniques)]))
                rest //= len(uniques)
            combos.append(tuple(values))
        return inverse.reshape(-1), combos

    def _sample_outcomes(self, cluster, codes, combos, u) -> np.ndarray:
        """Outcome index (first measured qubit = most significant bit) for every shot.

        Inverse-CDF sampling: the outcome of shot t is the number of CDF entries of its setting
        that are <= u_t. The comparison is exact and involves only the shot's own setting, so
        an outcome depends on u_t and its setting alone, not on which other settings share
        the call.
        """
        cdfs = np.cumsum([self._distribution(cluster, combo) for combo in combos], axis=1)
        cdfs[:, -1] = 1.0
        outcomes_per_setting = cdfs.shape[1]
        if outcomes_per_setting <= _MAX_OUTCOMES_COMPARED:
            index = np.zeros(u.size, dtype=np.int64)
            for column in cdfs[:, :-1].T:
                index += column[codes] <= u
            return index
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(combos) + 1))
        index = np.empty(u.size, dtype=np.int64)
        for code, (low, high) in enumerate(zip(bounds[:-1], bounds[1:])):
            shots = order[low:high]
            index[shots] = np.searchsorted(cdfs[code], u[shots], side="right")
        return np.minimum(index, outcomes_per_setting - 1)
