"""Run a protocol on a source through any ``cirq.Sampler`` and get records back.

This is the one place where sources, protocols and backends meet: build the protocol's
circuit, draw per-shot settings, run them as one sweep, and wrap the bits into records.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import cirq
import numpy as np

from qmemlearn.backends import make_sampler
from qmemlearn.backends.sweeps import SamplerFactory, sample_bits, supports_segments
from qmemlearn.noise import NoiseSpec
from qmemlearn.records.limits import check_allocation
from qmemlearn.protocols.base import MEASUREMENT_KEY, LearningProtocol, Source, shots_for_copies


def _check_inputs(sources: list[Any], protocol: Any, metadata: Any) -> None:
    """Rejects sources, protocols and metadata of the wrong kind, naming the parameter."""
    if not all(hasattr(s, "n") and hasattr(s, "draw_settings") for s in sources):
        raise ValueError(f"source={sources[0]!r} must be a source such as PauliMixedState('XZ')")
    if not hasattr(protocol, "copies_per_shot") or not hasattr(protocol, "circuit"):
        raise ValueError(f"protocol={protocol!r} must be SingleCopyProtocol() or TwoCopyProtocol()")
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(f"metadata={metadata!r} must be a dict or None")


def sample_batch(
    sources: Sequence[Source],
    protocol: LearningProtocol,
    *,
    copies: int,
    sampler: cirq.Sampler | SamplerFactory,
    rng: np.random.Generator | Sequence[np.random.Generator],
    sampler_rngs: Sequence[np.random.Generator] | None = None,
    metadata: dict[str, Any] | None = None,
    hardware: Any = None,
) -> list[Any]:
    """Spends ``copies`` copies of each source and returns one record per source.

    All sources must share n and their preparation circuit (e.g. Pauli-mixed states with
    different hidden Paulis), so the whole batch is ONE circuit and ONE sampler call (one per
    source for a sampler factory).

    With ``rng`` and ``sampler_rngs`` one generator per source, the record of each source
    depends on its own two generators alone: the same bits whether it is sampled alone or in
    a batch of any size.

    Args:
        sources: The states to learn, all on the same n qubits.
        protocol: ``SingleCopyProtocol()`` or ``TwoCopyProtocol()``.
        copies: Copies of each source consumed (a two-copy shot costs 2).
        sampler: Any ``cirq.Sampler``. With ``sampler_rngs``: a sampler with
            ``_sample_columns_`` (e.g. ``ClusterSampler``), or a sampler factory
            (``generator -> cirq.Sampler``); :func:`stream_sampler` gives the right one
            for a backend name.
        rng: Randomness for the per-shot settings (flips, bases): one generator, or one per
            source so that each instance has its own independent stream.
        sampler_rngs: One generator per source for the sampler's randomness. Defaults to
            None: the sampler's own single stream, shared by the batch.
        metadata: Extra JSON-native metadata stored in every record.
        hardware: Optional :class:`qmemlearn.hardware.batching.HardwareRun`: draw
            ``shots / shots_per_setting`` distinct settings per source, run each
            ``shots_per_setting`` times, with the sources interleaved in time in one
            ``run_batch`` (a processor's way). Needs a ``cirq.Sampler`` and no ``sampler_rngs``.
            Defaults to None (one independent setting per shot, one sweep).

    Returns:
        A list of records (``ShadowRecord`` or ``BellRecord``), one per source. With a
        :class:`~qmemlearn.hardware.DeviceNoiseSampler` they carry its ``hardware`` metadata
        (processor, device spec, calibration time, qubit map).

    Raises:
        ValueError: If ``copies`` is invalid for the protocol, the sources differ in n, or
            ``rng``/``sampler_rngs`` do not hold one generator per source.
    """
    sources = list(sources)
    if not sources:
        raise ValueError("sources must contain at least one source")
    _check_inputs(sources, protocol, metadata)
    shots = shots_for_copies(protocol, copies)
    n = sources[0].n
    width = protocol.copies_per_shot * n
    check_allocation(3 * len(sources) * shots * width, f"copies={copies} ({len(sources)} x {shots} shots of width {width})")
    if any(s.n != n for s in sources):
        raise ValueError(f"all sources must have the same n; got {[s.n for s in sources]}")
    circuit = protocol.circuit(sources[0])
    rngs = [rng] * len(sources) if isinstance(rng, np.random.Generator) else _generators("rng", rng, len(sources))
    extra_metadata = dict(metadata or {})
    engine = getattr(sampler, "hardware_sampler", None)
    if engine is not None:  # a processor behind a stream factory: its own physical randomness
        from qmemlearn.hardware.batching import HardwareRun

        sampler, sampler_rngs, hardware = engine, None, hardware or HardwareRun()
    if hasattr(sampler, "metadata") and hasattr(sampler, "device_circuit"):
        extra_metadata.setdefault("hardware", sampler.metadata(circuit))
    if hardware is not None:
        bits_per_source, settings = _sample_hardware(sources, protocol, circuit, shots, sampler, rngs, sampler_rngs, hardware)
        extra_metadata["hardware"] = {**extra_metadata.get("hardware", {}), **hardware.metadata()}
        return [
            protocol.make_record(bits, extras, _record_metadata(protocol, source, copies, shots, extra_metadata))
            for bits, source, (_, extras) in zip(bits_per_source, sources, settings)
        ]
    settings = [protocol.draw_settings(source, r, shots) for source, r in zip(sources, rngs)]
    if len(settings) == 1:
        columns = settings[0][0]
    else:
        columns = {name: np.concatenate([c[name] for c, _ in settings]) for name in settings[0][0]}
    segments = None
    if sampler_rngs is not None:
        segments = [(shots, r) for r in _generators("sampler_rngs", sampler_rngs, len(sources))]
    bits = sample_bits(sampler, circuit, columns, key=MEASUREMENT_KEY, segments=segments)
    records = []
    for k, (source, (_, extras)) in enumerate(zip(sources, settings)):
        record_metadata = _record_metadata(protocol, source, copies, shots, extra_metadata)
        records.append(protocol.make_record(bits[k * shots : (k + 1) * shots], extras, record_metadata))
    return records


def _record_metadata(protocol: Any, source: Any, copies: int, shots: int, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "protocol": protocol.metadata(),
        "source": source.metadata(),
        "n": source.n,
        "copies": int(copies),
        "shots": shots,
        **extra,
    }


def _sample_hardware(
    sources: list[Any], protocol: Any, circuit: cirq.AbstractCircuit, shots: int, sampler: Any,
    rngs: list[np.random.Generator], sampler_rngs: Any, hardware: Any,
) -> tuple[list[np.ndarray], list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]]:
    """Distinct settings repeated ``shots_per_setting`` times, sources interleaved in one batch."""
    from qmemlearn.hardware.batching import run_interleaved

    if sampler_rngs is not None or not isinstance(sampler, cirq.Sampler):
        raise ValueError(
            "hardware runs need one cirq.Sampler and sampler_rngs=None: a processor has a single "
            "physical random stream"
        )
    distinct = hardware.settings_for(shots)
    drawn = [protocol.draw_settings(source, r, distinct) for source, r in zip(sources, rngs)]
    bits = run_interleaved(sampler, [(circuit, columns) for columns, _ in drawn], hardware, key=MEASUREMENT_KEY)
    k = hardware.shots_per_setting
    settings = [
        ({name: np.repeat(v, k) for name, v in columns.items()}, {name: np.repeat(v, k, axis=0) for name, v in extras.items()})
        for columns, extras in drawn
    ]
    return bits, settings


def stream_sampler(backend: str, *, noise: str | NoiseSpec | None = None) -> cirq.Sampler | SamplerFactory:
    """What to pass as ``sampler`` to :func:`sample_batch` with ``sampler_rngs``.

    The backend's sampler itself if it samples many streams in one call (``fast``), else a
    factory that makes one ``make_sampler(backend, noise=noise, seed=generator)`` per stream.
    Calibrated device noise (``google:<processor>``) gets a
    :class:`~qmemlearn.hardware.DeviceNoiseSampler`, which places and compiles the logical
    circuit for the processor: with ``backend="fast"`` the exact cluster sampler applies the
    noise (the fast QVM path), with ``"qsim"`` each stream gets its own seeded stock
    ``create_default_noisy_quantum_virtual_machine`` (one qsim trajectory per shot), and inside
    :func:`qmemlearn.hardware.execution.engine_target` every stream is the real processor.

    Args:
        backend: A backend name (see :func:`qmemlearn.backends.make_sampler`).
        noise: A noise spec. Defaults to None (ideal).

    Raises:
        ValueError: If ``backend`` or ``noise`` is invalid.
    """
    from qmemlearn.noise import parse_noise

    spec = parse_noise(noise)
    if spec.term("google") is not None:
        return _device_stream_sampler(backend, spec)
    shared = make_sampler(backend, noise=noise)
    if supports_segments(shared):
        return shared
    return functools.partial(_seeded_sampler, backend, noise)


def _device_stream_sampler(backend: str, spec: NoiseSpec) -> cirq.Sampler | SamplerFactory:
    """``google:<processor>`` noise: the fast exact QVM path (``fast``), the stock qsim QVM
    (``qsim``, one seeded QVM per stream), or, inside
    :func:`qmemlearn.hardware.execution.engine_target`, the real processor (any backend)."""
    from qmemlearn.hardware.execution import active_engine_target
    from qmemlearn.hardware.sampler import device_sampler

    processor_id = spec.term("google").processor_id
    target = active_engine_target(processor_id)
    if target is not None:
        engine = device_sampler(processor_id, execution="engine", project_id=target.project_id, engine=target.sampler)
        factory = functools.partial(_same_sampler, engine)
        factory.hardware_sampler = engine  # type: ignore[attr-defined]  # sample_batch interleaves on it
        return factory
    if backend == "fast":
        return device_sampler(processor_id, execution="qvm-fast")
    if backend == "qsim":
        return functools.partial(_stock_qvm_stream, processor_id)
    raise ValueError(
        f"backend={backend!r} with noise={spec.to_string()!r}: calibrated device noise runs on "
        "backend='fast' (the exact QVM path: placed, compiled, exact per pair) or 'qsim' (the stock "
        "qsim-backed create_default_noisy_quantum_virtual_machine); use one of them"
    )


def _same_sampler(sampler: cirq.Sampler, rng: np.random.Generator) -> cirq.Sampler:
    """A processor ignores seeds: every stream is the same physical sampler."""
    return sampler


def _stock_qvm_stream(processor_id: str, rng: np.random.Generator) -> cirq.Sampler:
    from qmemlearn.hardware.sampler import device_sampler

    return device_sampler(processor_id, execution="qvm-qsim", seed=rng)


def _seeded_sampler(backend: str, noise: str | NoiseSpec | None, rng: np.random.Generator) -> cirq.Sampler:
    return make_sampler(backend, noise=noise, seed=rng)


def _generators(name: str, value: Any, count: int) -> list[np.random.Generator]:
    """``value`` as a list of ``count`` numpy Generators; ValueError naming ``name`` otherwise."""
    try:
        generators = list(value)
    except TypeError:
        generators = None
    if generators is None or not all(isinstance(g, np.random.Generator) for g in generators):
        raise ValueError(f"{name}={value!r} must be a numpy.random.Generator or a sequence of them")
    if len(generators) != count:
        raise ValueError(f"{name} holds {len(generators)} generators for {count} sources; give one per source")
    return generators


def sample_records(
    source: Source,
    protocol: LearningProtocol,
    *,
    copies: int,
    sampler: cirq.Sampler,
    rng: np.random.Generator,
    metadata: dict[str, Any] | None = None,
) -> Any:
    """Spends ``copies`` copies of one source; see :func:`sample_batch`.

    Example:
        >>> from qmemlearn import PauliMixedState, TwoCopyProtocol, ClusterSampler
        >>> record = sample_records(PauliMixedState("XZ"), TwoCopyProtocol(), copies=100,
        ...                         sampler=ClusterSampler(seed=1), rng=np.random.default_rng(2))
        >>> record.bits.shape
        (50, 4)
    """
    return sample_batch([source], protocol, copies=copies, sampler=sampler, rng=rng, metadata=metadata)[0]
