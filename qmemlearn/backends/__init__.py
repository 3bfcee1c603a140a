"""Backends: every one is a ``cirq.Sampler``."""

from qmemlearn.backends.cluster_sampler import ClusterSampler, UnsupportedCircuitError
from qmemlearn.backends.factory import BACKEND_HELP, BACKENDS, make_sampler
from qmemlearn.backends.memory import check_memory, required_memory_bytes
from qmemlearn.backends.sweeps import columns_to_sweep, sample_bits, sweep_to_columns

__all__ = [
    "BACKENDS",
    "BACKEND_HELP",
    "ClusterSampler",
    "UnsupportedCircuitError",
    "check_memory",
    "choose_backend",
    "columns_to_sweep",
    "make_sampler",
    "required_memory_bytes",
    "sample_bits",
    "sweep_to_columns",
]


def __getattr__(name: str):
    if name == "choose_backend":  # imports stimcirq: only on use
        from qmemlearn.backends.auto import choose_backend

        return choose_backend
    raise AttributeError(f"module 'qmemlearn.backends' has no attribute {name!r}")
