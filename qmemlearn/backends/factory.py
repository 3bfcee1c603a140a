"""Backend names → ``cirq.Sampler``s, with a memory check before any 2ⁿ allocation.

Backends:
    ``fast``            :class:`ClusterSampler`, exact and vectorized, for circuits of small
                        independent clusters (all learning-protocol circuits of this package).
    ``cirq``            ``cirq.Simulator``: the reference, any circuit, one state vector
                        (one trajectory per shot when noisy).
    ``density-matrix``  ``cirq.DensityMatrixSimulator``: exact mixed-state reference.

Noise is applied the same way everywhere: ``circuit.with_noise(model)`` before simulation.
"""

from __future__ import annotations

from typing import Sequence

import cirq
import numpy as np

from qmemlearn.backends.cluster_sampler import ClusterSampler
from qmemlearn.noise import NoiseSpec, parse_noise

BACKENDS = ("fast", "cirq", "density-matrix")
_BYTES_PER_AMPLITUDE = 8  # complex64, Cirq's default simulator dtype
_WORKSPACE_FACTOR = 4  # a state vector plus buffers and copies made while simulating


def available_memory_bytes() -> int:
    """Physical memory of this machine in bytes (Linux), or 8 GiB if unknown."""
    try:
        import os

        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def required_memory_bytes(backend: str, num_qubits: int) -> int:
    """Estimated peak memory of simulating ``num_qubits`` qubits on ``backend``."""
    if backend == "cirq":
        return _WORKSPACE_FACTOR * _BYTES_PER_AMPLITUDE * 2**num_qubits
    if backend == "density-matrix":
        return _WORKSPACE_FACTOR * _BYTES_PER_AMPLITUDE * 4**num_qubits
    return 0  # fast: clusters are checked by the sampler itself


def check_memory(backend: str, num_qubits: int, *, limit_bytes: int | None = None) -> None:
    """Refuses a simulation that would not fit in memory, naming a backend that fits.

    Raises:
        ValueError: If the estimated memory exceeds half of ``limit_bytes`` (default: RAM).
    """
    limit = (limit_bytes if limit_bytes is not None else available_memory_bytes()) // 2
    need = required_memory_bytes(backend, num_qubits)
    if need > limit:
        raise ValueError(
            f"backend={backend!r} would need about {need / 2**30:.3g} GiB for {num_qubits} qubits, "
            f"over the {limit / 2**30:.3g} GiB allowed on this machine; use backend='fast', which "
            "simulates independent qubit clusters and fits any number of qubits"
        )


class _MemoryCheckedSampler(cirq.Sampler):
    """Wraps a Cirq simulator: checks memory, then applies noise with ``with_noise``."""

    def __init__(self, backend: str, simulator: cirq.Sampler, noise: cirq.NoiseModel | None) -> None:
        self._backend = backend
        self._simulator = simulator
        self._noise = noise

    def run_sweep(self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1) -> Sequence[cirq.Result]:
        check_memory(self._backend, len(program.all_qubits()))
        if self._noise is not None:
            program = cirq.Circuit(program).with_noise(self._noise)
        return self._simulator.run_sweep(program, params, repetitions=repetitions)

    def __repr__(self) -> str:
        return f"<{self._backend} sampler: {self._simulator!r}>"


def make_sampler(
    backend: str, *, noise: str | NoiseSpec | None = None, seed: int | np.random.Generator | None = None
) -> cirq.Sampler:
    """The ``cirq.Sampler`` for a backend name.

    Args:
        backend: One of :data:`BACKENDS`.
        noise: A noise spec (see :mod:`qmemlearn.noise`). Defaults to None (ideal).
        seed: Seed of the sampler's own randomness. Defaults to None.

    Raises:
        ValueError: If ``backend`` is unknown (the message lists the allowed names).

    Example:
        >>> make_sampler("fast", noise="depolarizing:p1=0.01", seed=1)  # doctest: +ELLIPSIS
        <qmemlearn.backends.cluster_sampler.ClusterSampler object at ...>
    """
    model = parse_noise(noise).model()
    if backend == "fast":
        return ClusterSampler(noise=model, seed=seed)
    if isinstance(seed, np.random.Generator):
        seed = np.random.RandomState(seed.integers(2**32))
    if backend == "cirq":
        return _MemoryCheckedSampler(backend, cirq.Simulator(seed=seed), model)
    if backend == "density-matrix":
        return _MemoryCheckedSampler(backend, cirq.DensityMatrixSimulator(seed=seed), model)
    raise ValueError(f"backend={backend!r} is unknown; allowed: {', '.join(BACKENDS)}")
