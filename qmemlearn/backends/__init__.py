"""Backends: every one is a ``cirq.Sampler``."""

from qmemlearn.backends.cluster_sampler import ClusterSampler, UnsupportedCircuitError
from qmemlearn.backends.factory import BACKENDS, check_memory, make_sampler, required_memory_bytes
from qmemlearn.backends.sweeps import columns_to_sweep, sample_bits, sweep_to_columns

__all__ = [
    "BACKENDS",
    "ClusterSampler",
    "UnsupportedCircuitError",
    "check_memory",
    "columns_to_sweep",
    "make_sampler",
    "required_memory_bytes",
    "sample_bits",
    "sweep_to_columns",
]
