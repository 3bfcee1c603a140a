"""Backend names → ``cirq.Sampler``s, with a memory check before any 2ⁿ allocation.

Every backend takes the same noise (``circuit.with_noise(model)`` before simulation) and the
same per-shot sweeps (DESIGN §4). :data:`BACKEND_HELP` describes each one (the CLI shows it
in ``--help``).
"""

from __future__ import annotations

from typing import Sequence

import cirq
import numpy as np

from qmemlearn.backends.cluster_sampler import ClusterSampler, check_seed
from qmemlearn.backends.memory import check_memory
from qmemlearn.backends.qsim_backend import QSIM_HELP
from qmemlearn.noise import NoiseSpec, parse_noise

BACKENDS = ("fast", "cirq", "density-matrix", "qsim", "stim", "mps", "auto")
#: Backends that simulate a source's *mixture form* (DESIGN §4) fastest: stim compiles one
#: circuit for all shots instead of one per sweep point. Tasks hand these backends
#: ``MixtureForm(source)``; both forms have the same distribution (tests/backends/test_stim_backend.py).
MIXTURE_FORM_BACKENDS = frozenset({"stim"})

#: One line per backend, for documentation and the CLI's --help.
BACKEND_HELP = {
    "fast": "fast: exact vectorized sampler for circuits of small independent clusters (every "
    "learning-protocol circuit of this package), any Cirq channel, millions of shots/s.",
    "cirq": "cirq: cirq.Simulator, the state-vector reference; noisy circuits one trajectory per shot.",
    "density-matrix": "density-matrix: cirq.DensityMatrixSimulator, the exact mixed-state reference (small n).",
    "qsim": QSIM_HELP,
    "stim": "stim: stimcirq/stim for Clifford circuits with Pauli noise (depolarizing, symmetric "
    "readout) at thousands of qubits; per-shot Pauli flips are injected as frames, each distinct "
    "setting is converted once. Non-Clifford gates and non-Pauli channels are refused.",
    "mps": "mps: quimb matrix-product state of the literal circuit (noiseless), exact by default, "
    "batched sampling of all shots; for 1D circuits beyond state vectors (the 40-qubit dynamics).",
    "auto": "auto: the fastest exact backend for each circuit (fast, then stim, then "
    "density-matrix for tiny noisy circuits, then qsim); logs its choice on 'qmemlearn.backends'.",
}


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


def _random_state(seed: int | np.random.Generator | None) -> np.random.RandomState | int | None:
    if isinstance(seed, np.random.Generator):
        return np.random.RandomState(seed.integers(2**32))
    return seed


def make_sampler(
    backend: str,
    *,
    noise: str | NoiseSpec | None = None,
    seed: int | np.random.Generator | None = None,
    num_qubits: int | None = None,
) -> cirq.Sampler:
    """The ``cirq.Sampler`` for a backend name.

    Args:
        backend: One of :data:`BACKENDS` (see :data:`BACKEND_HELP`).
        noise: A noise spec (see :mod:`qmemlearn.noise`). Defaults to None (ideal).
        seed: Seed of the sampler's own randomness. Defaults to None.
        num_qubits: Qubits of the circuits it will run, if known: the memory guard then
            refuses now, naming a backend that fits. Defaults to None (checked per circuit).

    Raises:
        ValueError: If ``backend`` is unknown (the message lists the allowed names), or
            ``num_qubits`` does not fit in memory on ``backend``.

    Example:
        >>> make_sampler("fast", noise="depolarizing:p1=0.01", seed=1)  # doctest: +ELLIPSIS
        <qmemlearn.backends.cluster_sampler.ClusterSampler object at ...>
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is unknown; allowed: {', '.join(BACKENDS)}")
    check_seed(seed)
    model = parse_noise(noise).model()
    if num_qubits is not None:
        check_memory(backend, num_qubits)
    if backend == "fast":
        return ClusterSampler(noise=model, seed=seed)
    if backend == "stim":
        from qmemlearn.backends.stim_backend import StimSampler

        return StimSampler(noise=model, seed=seed)
    if backend == "auto":
        from qmemlearn.backends.auto import AutoSampler

        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return AutoSampler(lambda name: make_sampler(name, noise=noise, seed=rng.spawn(1)[0]), model)
    if backend == "mps":
        if model is not None:
            raise ValueError(f"backend='mps' is noiseless; noise={parse_noise(noise).to_string()!r} needs "
                             "'qsim', 'cirq' or 'density-matrix'")
        from qmemlearn.backends.mps import MPSSampler

        return MPSSampler(seed=seed)
    if backend == "qsim":
        from qmemlearn.backends.qsim_backend import qsim_sampler

        return qsim_sampler(noise=model, seed=_random_state(seed))
    if backend == "cirq":
        return _MemoryCheckedSampler(backend, cirq.Simulator(seed=_random_state(seed)), model)
    return _MemoryCheckedSampler(backend, cirq.DensityMatrixSimulator(seed=_random_state(seed)), model)
