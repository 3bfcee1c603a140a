"""qsim (``qsimcirq.QSimSimulator``) on all cores, behind a sampler that batches per-shot sweeps.

Noisy qsim runs ONE TRAJECTORY PER REPETITION (DESIGN §6): every noisy shot is a full
state-vector simulation, and every sweep point costs one circuit translation on top. Per-shot
sweeps with ``repetitions=1`` are the canonical form (DESIGN §4), so :class:`GroupedSampler`
groups the sweep points by their distinct resolved settings and runs each distinct circuit
once with ``repetitions=count``: one translation per distinct setting instead of one per shot
(a big win whenever settings repeat, e.g. a source's mixture form, whose settings are constant
over shots). Noiseless qsim samples all repetitions of a circuit from one simulation.
"""

from __future__ import annotations

import os
from typing import Mapping, Sequence

import cirq
import numpy as np

from qmemlearn.backends.grouping import group_rows
from qmemlearn.backends.memory import check_memory
from qmemlearn.backends.sweeps import sweep_to_columns, validate_columns

QSIM_HELP = (
    "qsim: qsimcirq.QSimSimulator on all cores, any circuit up to ~30 qubits. Noisy circuits run "
    "one state-vector trajectory per repetition (each noisy shot is a full simulation), so "
    "shots with identical settings are batched into one run with repetitions=count."
)


_DIRECT_PROTOCOLS = ("_unitary_", "_has_unitary_", "_mixture_", "_kraus_")


def _simulable(op: cirq.Operation) -> bool:
    """Whether qsim can translate ``op`` whole: a measurement, or a gate that defines its unitary
    or channel itself (checked on the class, never computed: a channel on many qubits would
    allocate a 4ⁿ matrix)."""
    op = op.untagged
    if cirq.is_measurement(op) or op.gate is None:
        return True
    cls = type(op.gate)
    return any(getattr(cls, name, None) is not None and getattr(cls, name) is not getattr(cirq.Gate, name, None) for name in _DIRECT_PROTOCOLS)


def _expand_composites(circuit: cirq.Circuit) -> cirq.Circuit:
    """Decomposes (tagged) operations that are neither unitary nor channels, e.g. the
    virtual-tagged parity mixture of a mixture form, which qsim cannot translate whole."""
    if all(_simulable(op) for op in circuit.all_operations()):
        return circuit
    return cirq.Circuit(
        cirq.decompose(op.untagged, keep=_simulable) if not _simulable(op) else [op]
        for op in circuit.all_operations()
    )


class GroupedSampler(cirq.Sampler):
    """Runs each distinct resolved circuit of a sweep once, with ``repetitions=count``.

    Args:
        backend: Name used by the memory guard and in messages (e.g. ``"qsim"``).
        simulator: The ``cirq.Sampler`` that runs resolved circuits.
        noise: Applied with ``circuit.with_noise`` to the parameterized circuit. Defaults to None.
    """

    def __init__(self, backend: str, simulator: cirq.Sampler, noise: cirq.NoiseModel | None = None) -> None:
        self._backend = backend
        self._simulator = simulator
        self._noise = noise
        self._noisy_cache: tuple | None = None

    def _noisy(self, program: cirq.AbstractCircuit) -> cirq.Circuit:
        if self._noisy_cache is not None and self._noisy_cache[0] is program:
            return self._noisy_cache[1]
        check_memory(self._backend, len(program.all_qubits()))
        noisy = cirq.Circuit(program)
        if self._noise is not None:
            noisy = noisy.with_noise(self._noise)
        self._noisy_cache = (program, noisy)
        return noisy

    def _run_grouped(self, program: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray], points: int, repetitions: int) -> dict[str, np.ndarray]:
        """Records ``{key: [points * repetitions, instances, width]}``, point-major."""
        noisy = self._noisy(program)
        names = sorted(columns)
        distinct, codes = group_rows([columns[name] for name in names], points)
        records: dict[str, np.ndarray] = {}
        for g, values in enumerate(distinct):
            where = np.flatnonzero(codes == g)
            resolver = cirq.ParamResolver({name: float(v) for name, v in zip(names, values)})
            resolved = _expand_composites(cirq.resolve_parameters(noisy, resolver))
            result = self._simulator.run(resolved, repetitions=len(where) * repetitions)
            rows = (where[:, None] * repetitions + np.arange(repetitions)[None, :]).reshape(-1)
            for key, data in result.records.items():
                if key not in records:
                    records[key] = np.zeros((points * repetitions, *data.shape[1:]), dtype=data.dtype)
                records[key][rows] = data
        return records

    def run_sweep(self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1) -> Sequence[cirq.Result]:
        if isinstance(repetitions, bool) or not isinstance(repetitions, (int, np.integer)) or repetitions < 0:
            raise ValueError(f"repetitions={repetitions!r} must be an int >= 0")
        resolvers = list(cirq.to_resolvers(params))
        columns = sweep_to_columns(resolvers) if cirq.is_parameterized(program) else {}
        records = self._run_grouped(program, columns, len(resolvers), int(repetitions))
        return [
            cirq.ResultDict(
                params=resolver,
                records={key: data[t * repetitions : (t + 1) * repetitions] for key, data in records.items()},
            )
            for t, resolver in enumerate(resolvers)
        ]

    def _sample_columns_(self, circuit: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray], *, key: str) -> np.ndarray:
        """One shot per sweep point; the bits of ``key`` (last instance). See ``sweeps.sample_bits``."""
        points = validate_columns(columns)
        keys = cirq.measurement_key_names(circuit)
        if key not in keys:
            raise ValueError(f"key={key!r} is not a measurement key of the circuit; keys: {sorted(keys)}")
        if points == 0:
            width = sum(cirq.num_qubits(op) for op in circuit.all_operations() if cirq.is_measurement(op) and cirq.measurement_key_name(op) == key)
            return np.zeros((0, width), dtype=np.uint8)
        return self._run_grouped(circuit, columns, points, 1)[key][:, -1, :].astype(np.uint8)

    def __repr__(self) -> str:
        return f"<{self._backend} sampler: {self._simulator!r}, noise={self._noise!r}>"


def qsim_sampler(*, noise: cirq.NoiseModel | None = None, seed: np.random.RandomState | int | None = None, threads: int | None = None) -> GroupedSampler:
    """A :class:`GroupedSampler` over ``qsimcirq.QSimSimulator`` using all cores.

    Args:
        noise: Noise model. Defaults to None (ideal).
        seed: Seed of qsim's randomness. Defaults to None.
        threads: CPU threads. Defaults to ``os.cpu_count()``.
    """
    import qsimcirq

    options = qsimcirq.QSimOptions(cpu_threads=threads or os.cpu_count() or 1)
    return GroupedSampler("qsim", qsimcirq.QSimSimulator(qsim_options=options, seed=seed), noise)
