"""Memory estimates per backend, and the guard that refuses a simulation that would not fit.

The guard runs when a sampler is made for a known qubit count
(``make_sampler(..., num_qubits=n)``) and again, on the circuit's own qubits, inside every
memory-bound sampler's ``run_sweep``. Its message names a backend that fits.
"""

from __future__ import annotations

import os

_BYTES_PER_AMPLITUDE = 8  # complex64, the default of Cirq's simulators and of qsim
_WORKSPACE_FACTOR = 4  # a state vector plus buffers and copies made while simulating
_QSIM_WORKSPACE_FACTOR = 2  # qsim works in place: the state plus a scratch copy
_STIM_BYTES_PER_QUBIT_SQUARED = 1  # the reference tableau: 2n x 2n bits, plus frames


def available_memory_bytes() -> int:
    """Physical memory of this machine in bytes (Linux), or 8 GiB if unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def required_memory_bytes(backend: str, num_qubits: int) -> int:
    """Estimated peak memory, in bytes, of simulating ``num_qubits`` qubits on ``backend``.

    ``fast`` and ``auto`` return 0: the cluster sampler checks its clusters itself, and
    ``auto`` picks a backend per circuit.
    """
    if backend == "cirq":
        return _WORKSPACE_FACTOR * _BYTES_PER_AMPLITUDE * 2**num_qubits
    if backend == "density-matrix":
        return _WORKSPACE_FACTOR * _BYTES_PER_AMPLITUDE * 4**num_qubits
    if backend == "qsim":
        return _QSIM_WORKSPACE_FACTOR * _BYTES_PER_AMPLITUDE * 2**num_qubits
    if backend == "stim":
        return _STIM_BYTES_PER_QUBIT_SQUARED * num_qubits**2
    return 0


def fitting_backend(num_qubits: int, limit: int) -> str:
    """A backend name that fits ``num_qubits`` within ``limit`` bytes, as advice for a message."""
    for name in ("qsim", "cirq"):
        if required_memory_bytes(name, num_qubits) <= limit:
            return (
                f"backend={name!r} (state vector) fits; or 'fast' for circuits of small independent "
                "clusters and 'stim' for Clifford circuits with Pauli noise, which fit any number of qubits"
            )
    return (
        "use backend='fast', which simulates independent qubit clusters, or backend='stim' for "
        "Clifford circuits with Pauli noise; both fit any number of qubits"
    )


def check_memory(backend: str, num_qubits: int, *, limit_bytes: int | None = None) -> None:
    """Refuses a simulation that would not fit in memory, naming a backend that fits.

    Args:
        backend: A backend name.
        num_qubits: Qubits of the circuit.
        limit_bytes: Memory available; only half of it may be used. Defaults to the RAM.

    Raises:
        ValueError: If the estimated memory exceeds half of ``limit_bytes``.
    """
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, int) or num_qubits < 0:
        raise ValueError(f"num_qubits={num_qubits!r} must be an int >= 0")
    limit = (limit_bytes if limit_bytes is not None else available_memory_bytes()) // 2
    need = required_memory_bytes(backend, num_qubits)
    if need > limit:
        raise ValueError(
            f"backend={backend!r} would need about {need / 2**30:.3g} GiB for {num_qubits} qubits, "
            f"over the {limit / 2**30:.3g} GiB allowed on this machine; {fitting_backend(num_qubits, limit)}"
        )
