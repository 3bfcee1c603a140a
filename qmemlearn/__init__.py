"""qmemlearn: measure the quantum-memory advantage in learning.

The few names most users need are re-exported here; see the subpackages for the rest.
"""

from qmemlearn.backends import ClusterSampler, make_sampler
from qmemlearn.estimators import (
    bell_purity,
    bell_squared,
    shadow_expectation,
    shadow_purity,
    shadow_squared,
)
from qmemlearn.noise import NoiseSpec, parse_noise
from qmemlearn.paulis import random_pauli, validate_pauli
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol, sample_batch, sample_records
from qmemlearn.records import BellRecord, ShadowRecord, load_any, load_records, save_records
from qmemlearn.sources import PauliMixedState

__version__ = "0.1.0"

__all__ = [
    "BellRecord",
    "ClusterSampler",
    "NoiseSpec",
    "PauliMixedState",
    "ShadowRecord",
    "SingleCopyProtocol",
    "TwoCopyProtocol",
    "bell_purity",
    "bell_squared",
    "load_any",
    "load_records",
    "make_sampler",
    "parse_noise",
    "random_pauli",
    "sample_batch",
    "sample_records",
    "save_records",
    "shadow_expectation",
    "shadow_purity",
    "shadow_squared",
    "validate_pauli",
]
