"""qmemlearn: measure the quantum-memory advantage in learning.

The few names most users need are re-exported here; see the subpackages for the rest.
They load on first use (PEP 562), so ``import qmemlearn`` and ``qmemlearn --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "BellRecord": "qmemlearn.records",
    "ClusterSampler": "qmemlearn.backends",
    "NoiseSpec": "qmemlearn.noise",
    "PauliMixedState": "qmemlearn.sources",
    "ShadowRecord": "qmemlearn.records",
    "SingleCopyProtocol": "qmemlearn.protocols",
    "TwoCopyProtocol": "qmemlearn.protocols",
    "bell_purity": "qmemlearn.estimators",
    "bell_squared": "qmemlearn.estimators",
    "estimate_expectation": "qmemlearn.estimators",
    "estimate_squared": "qmemlearn.estimators",
    "load_any": "qmemlearn.records",
    "load_records": "qmemlearn.records",
    "make_sampler": "qmemlearn.backends",
    "parse_noise": "qmemlearn.noise",
    "random_pauli": "qmemlearn.paulis",
    "sample_batch": "qmemlearn.protocols",
    "sample_records": "qmemlearn.protocols",
    "save_records": "qmemlearn.records",
    "shadow_expectation": "qmemlearn.estimators",
    "shadow_purity": "qmemlearn.estimators",
    "shadow_squared": "qmemlearn.estimators",
    "validate_pauli": "qmemlearn.paulis",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qmemlearn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
