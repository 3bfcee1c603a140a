"""Where device circuits run: the fast exact QVM path, the stock qsim QVM, or Google's Quantum Engine.

Three executions of one placed, compiled, validated circuit (:class:`~qmemlearn.hardware.sampler.DeviceNoiseSampler`
does the placing and compiling for all three):

``fast``    :class:`~qmemlearn.backends.ClusterSampler` with the processor's calibrated noise
            model: exact, per independent cluster (copy pair), vectorized over shots. Only for
            product-structured circuits (clusters of at most
            :data:`~qmemlearn.backends.cluster_sampler.DEFAULT_MAX_CLUSTER_QUBITS` qubits).
``qsim``    the stock virtual machine,
            ``cirq_google.engine.create_default_noisy_quantum_virtual_machine(processor_id,
            qsimcirq.QSimSimulator, seed=...)``, sampled through its ``ProcessorSampler``: one
            full state-vector trajectory per noisy repetition, any circuit up to ~30 qubits.
``engine``  the real processor, ``cirq_google.get_engine_sampler(processor_id, project_id)``.

Both virtual machines apply ``cirq_google.NoiseModelFromGoogleNoiseProperties`` of the same
median calibration, so they sample the same distribution (tested). :func:`choose_qvm`
resolves ``auto`` to ``fast`` when the circuit is product-structured and ``qsim`` otherwise,
and logs the choice on the ``qmemlearn.hardware`` logger.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from typing import Iterator

import cirq
import cirq_google
import numpy as np

from qmemlearn.hardware.devices import validate_processor_id

logger = logging.getLogger("qmemlearn.hardware")

#: Offline simulators of a processor: ``auto`` picks ``fast`` or ``qsim`` per circuit.
QVM_SIMULATORS = ("auto", "fast", "qsim")
#: Execution labels stored in record metadata.
EXECUTIONS = ("qvm-fast", "qvm-qsim", "engine")


def is_product_structured(circuit: cirq.AbstractCircuit) -> bool:
    """Whether the fast exact path runs ``circuit``: no cluster of qubits joined by
    multi-qubit gates is larger than the cluster sampler's default limit."""
    from qmemlearn.backends.auto import largest_cluster
    from qmemlearn.backends.cluster_sampler import DEFAULT_MAX_CLUSTER_QUBITS

    return largest_cluster(circuit) <= DEFAULT_MAX_CLUSTER_QUBITS


def choose_qvm(circuit: cirq.AbstractCircuit, simulator: str = "auto") -> str:
    """Resolves ``simulator`` (one of :data:`QVM_SIMULATORS`) to ``fast`` or ``qsim`` and logs it.

    Raises:
        ValueError: If ``simulator`` is unknown, or ``fast`` is asked for a circuit that is not
            product-structured.
    """
    if simulator not in QVM_SIMULATORS:
        raise ValueError(f"simulator={simulator!r} is unknown; allowed: {', '.join(QVM_SIMULATORS)}")
    product = is_product_structured(circuit)
    if simulator == "fast" and not product:
        raise ValueError(
            "simulator='fast' needs a product-structured circuit (small independent clusters); "
            "this one is entangled across clusters: use simulator='qsim' (the stock QVM)"
        )
    chosen = simulator if simulator != "auto" else ("fast" if product else "qsim")
    logger.info(
        "QVM simulator: %s (%s)", chosen,
        "exact cluster sampler with the calibrated noise: the circuit is product-structured"
        if chosen == "fast"
        else "stock create_default_noisy_quantum_virtual_machine on qsim, one trajectory per repetition",
    )
    return chosen


def _qsim_seed(seed: int | np.random.Generator | None) -> int | None:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**31))
    return seed


def stock_qvm_sampler(processor_id: str, *, seed: int | np.random.Generator | None = None) -> cirq.Sampler:
    """The stock noisy virtual machine of a bundled processor, as a ``ProcessorSampler``.

    It validates every circuit against the device (``device.validate_circuit``) before running
    it, and simulates with qsim under ``NoiseModelFromGoogleNoiseProperties``.

    Args:
        processor_id: One of :data:`~qmemlearn.hardware.devices.GOOGLE_PROCESSORS`.
        seed: Seed of qsim's trajectories (a Generator is turned into an int). Defaults to None.

    Raises:
        ValueError: If the processor is not shipped with cirq-google.
    """
    import qsimcirq

    validate_processor_id(processor_id)
    engine = cirq_google.engine.create_default_noisy_quantum_virtual_machine(
        processor_id, qsimcirq.QSimSimulator, seed=_qsim_seed(seed)
    )
    return engine.get_processor(processor_id).get_sampler()


class EngineUnavailableError(OSError):
    """Quantum Engine cannot be reached from here: no Google Cloud credentials, no project id, or
    no access. Raised before anything is sampled or written."""


def engine_sampler(processor_id: str, project_id: str | None) -> cirq.Sampler:
    """The real processor through ``cirq_google.get_engine_sampler(processor_id, project_id)``.

    Needs Google Cloud credentials and Quantum Engine access; ``project_id=None`` uses the
    environment variable ``GOOGLE_CLOUD_PROJECT`` (cirq-google's default).

    Raises:
        ValueError: If ``processor_id`` is empty.
        EngineUnavailableError: If cirq-google cannot open the engine (missing credentials or
            project id: google-auth and cirq-google errors, named in the message).
    """
    if not processor_id:
        raise ValueError(f"processor_id={processor_id!r} must name an Engine processor, e.g. 'willow_pink'")
    import google.api_core.exceptions
    import google.auth.exceptions

    try:
        return cirq_google.get_engine_sampler(processor_id, project_id)
    except (google.auth.exceptions.GoogleAuthError, google.api_core.exceptions.GoogleAPIError, OSError) as error:
        project = project_id if project_id is not None else "$GOOGLE_CLOUD_PROJECT"
        raise EngineUnavailableError(
            f"--engine: cannot open Quantum Engine for processor {processor_id!r} (project {project}): "
            f"{type(error).__name__}: {error}. Set up credentials with 'gcloud auth application-default "
            "login' and give --project (or set GOOGLE_CLOUD_PROJECT); nothing was run or written"
        ) from None


@dataclasses.dataclass(frozen=True)
class EngineTarget:
    """A real processor to run on: its id, the Google Cloud project and the opened sampler."""

    processor_id: str
    project_id: str | None
    sampler: cirq.Sampler


_ENGINE_TARGET: list[EngineTarget] = []


@contextlib.contextmanager
def engine_target(processor_id: str, project_id: str | None) -> Iterator[EngineTarget]:
    """While active, ``google:<processor_id>`` noise in :func:`qmemlearn.protocols.sampling.stream_sampler`
    means the real processor, in this process (``qmemlearn reproduce --engine`` runs serially).

    The engine is opened on entry (:func:`engine_sampler`), so missing credentials fail before
    anything runs, and every stream shares that one sampler.

    Raises:
        EngineUnavailableError: On entry, if the engine cannot be opened.
    """
    target = EngineTarget(processor_id, project_id, engine_sampler(processor_id, project_id))
    _ENGINE_TARGET.append(target)
    try:
        yield target
    finally:
        _ENGINE_TARGET.remove(target)


def active_engine_target(processor_id: str) -> EngineTarget | None:
    """The innermost :func:`engine_target` for ``processor_id``, if any."""
    for target in reversed(_ENGINE_TARGET):
        if target.processor_id == processor_id:
            return target
    return None
