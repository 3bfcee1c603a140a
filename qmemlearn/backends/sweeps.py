"""Per-shot sweeps as columns of numbers, and sampling them through any ``cirq.Sampler``.

A batch of shots is a dict ``{symbol name: float array [points]}``: one sweep point per shot,
exactly what the paper's hardware runs used. :func:`columns_to_sweep` turns it into the
standard ``cirq.Zip`` of ``cirq.Points``, which every sampler (and the Quantum Engine) accepts.

:func:`sample_bits` is the one entry point protocols use. A sampler may implement the
optional method ``_sample_columns_(circuit, columns, *, key, segments=None)`` to take the
columns directly and skip building one ``cirq.ParamResolver`` and one ``cirq.Result`` per
shot; every other sampler goes through ``run_sweep(repetitions=1)``.

*Segments* give independent random streams inside one sweep: ``[(points, generator), ...]``
splits the points into consecutive parts, and the bits of part k depend on generator k alone.
A sampler with ``_sample_columns_`` samples all parts in one call. A plain ``cirq.Sampler`` has
a single stream, so segments need a *sampler factory* instead (``generator -> cirq.Sampler``),
which gets one sampler per part.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    import cirq

Columns = Mapping[str, np.ndarray]
#: Consecutive parts of a sweep, each ``(number of points, its own random generator)``.
Segments = Sequence[tuple[int, np.random.Generator]]
#: Makes the sampler of one random stream, e.g. ``lambda g: make_sampler("cirq", seed=g)``.
SamplerFactory = Callable[[np.random.Generator], "cirq.Sampler"]


def validate_columns(columns: Columns) -> int:
    """Checks that all columns are 1-D and of one length; returns that length (sweep points)."""
    lengths = {name: np.shape(values) for name, values in columns.items()}
    shapes = set(lengths.values())
    if len(shapes) > 1 or any(len(s) != 1 for s in shapes):
        raise ValueError(f"sweep columns must be 1-D arrays of one length; got shapes {lengths}")
    return shapes.pop()[0] if shapes else 0


def validate_segments(segments: Segments, points: int) -> list[tuple[int, np.random.Generator]]:
    """Checks that ``segments`` are ``(count >= 0, np.random.Generator)`` pairs covering ``points``.

    Returns:
        The segments as a list of ``(int, Generator)``.

    Raises:
        ValueError: If an entry is malformed or the counts do not add up to ``points``.
    """
    checked = []
    for k, entry in enumerate(segments):
        if not (isinstance(entry, tuple) and len(entry) == 2):
            raise ValueError(f"segments[{k}]={entry!r} must be a (points, numpy.random.Generator) pair")
        count, rng = entry
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
            raise ValueError(f"segments[{k}] has points={count!r}; it must be an int >= 0")
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"segments[{k}] has generator={rng!r}; it must be a numpy.random.Generator")
        checked.append((int(count), rng))
    total = sum(count for count, _ in checked)
    if total != points:
        raise ValueError(f"segments cover {total} sweep points, but the sweep has {points}")
    return checked


def columns_to_sweep(columns: Columns) -> "cirq.Sweep":
    """The ``cirq.Zip`` of ``cirq.Points`` equal to ``columns`` (one point per shot)."""
    import cirq

    validate_columns(columns)
    return cirq.Zip(*(cirq.Points(name, np.asarray(v, dtype=float).tolist()) for name, v in columns.items()))


def sweep_to_columns(sweep: "cirq.Sweepable") -> dict[str, np.ndarray]:
    """Columns equal to any sweepable; a ``cirq.Zip`` of ``cirq.Points`` is read without iterating."""
    import cirq

    if isinstance(sweep, cirq.Zip) and all(isinstance(s, cirq.Points) for s in sweep.sweeps):
        columns = {str(s.key): np.asarray(s.points, dtype=float) for s in sweep.sweeps}
        if len({len(v) for v in columns.values()}) <= 1:
            return columns
    resolvers = list(cirq.to_resolvers(sweep))
    names = sorted({str(k) for r in resolvers for k in r.param_dict})
    columns = {name: np.empty(len(resolvers)) for name in names}
    for t, resolver in enumerate(resolvers):
        for name in names:
            columns[name][t] = float(resolver.value_of(name))
    return columns


def supports_segments(sampler: "cirq.Sampler") -> bool:
    """True if ``sampler`` samples :data:`Segments` in one call (it has ``_sample_columns_``)."""
    return callable(getattr(sampler, "_sample_columns_", None))


def sample_bits(
    sampler: "cirq.Sampler | SamplerFactory",
    circuit: "cirq.AbstractCircuit",
    columns: Columns,
    *,
    key: str = "m",
    segments: Segments | None = None,
) -> np.ndarray:
    """Runs one shot per sweep point and returns the bits measured under ``key``.

    Args:
        sampler: Any ``cirq.Sampler``; with ``segments``, either a sampler that implements
            ``_sample_columns_`` or a sampler factory (``generator -> cirq.Sampler``).
        circuit: A parameterized circuit with one measurement of key ``key``.
        columns: The sweep, one value per shot for each symbol of the circuit.
        key: The measurement key to return.
        segments: Optional ``[(points, generator), ...]``: the bits of part k come from
            generator k alone, so they do not depend on the other parts of the call. A
            factory is called once per part with its generator. Defaults to None (one stream:
            the sampler's own).

    Returns:
        uint8 array ``[points, qubits measured under key]``.

    Raises:
        ValueError: If ``segments`` is malformed, or a factory is given without segments, or
            segments are given with a plain ``cirq.Sampler`` (it has only one stream).
    """
    import cirq

    points = validate_columns(columns)
    is_sampler = isinstance(sampler, cirq.Sampler)
    fast = sampler._sample_columns_ if is_sampler and supports_segments(sampler) else None
    if segments is None:
        if not is_sampler:
            raise ValueError(f"sampler={sampler!r} must be a cirq.Sampler (a sampler factory needs segments)")
        if fast is not None:
            return np.asarray(fast(circuit, columns, key=key), dtype=np.uint8)
        return _run_sweep_bits(sampler, circuit, columns, points, key)
    segments = validate_segments(segments, points)
    if fast is not None:
        return np.asarray(fast(circuit, columns, key=key, segments=segments), dtype=np.uint8)
    if not (is_sampler or callable(sampler)):
        raise ValueError(f"sampler={sampler!r} must be a cirq.Sampler or a sampler factory (generator -> cirq.Sampler)")
    if is_sampler:
        raise ValueError(
            f"sampler={sampler!r} has a single random stream and cannot sample segments; pass a "
            "sampler factory (generator -> cirq.Sampler), which gets one sampler per segment"
        )
    parts, start = [], 0
    for count, rng in segments:
        part = {name: np.asarray(values)[start : start + count] for name, values in columns.items()}
        parts.append(sample_bits(sampler(rng), circuit, part, key=key))
        start += count
    if not parts:
        return _run_sweep_bits(None, circuit, columns, 0, key)
    return np.concatenate(parts, axis=0)


def _run_sweep_bits(
    sampler: "cirq.Sampler | None", circuit: "cirq.AbstractCircuit", columns: Columns, points: int, key: str
) -> np.ndarray:
    """``sample_bits`` through ``run_sweep(repetitions=1)``; no sampler call for zero points."""
    import cirq

    if points == 0:
        width = sum(
            cirq.num_qubits(op)
            for op in circuit.all_operations()
            if cirq.is_measurement(op) and cirq.measurement_key_name(op) == key
        )
        return np.zeros((0, width), dtype=np.uint8)
    results = sampler.run_sweep(circuit, columns_to_sweep(columns), repetitions=1)
    # Read `records` (3-D, allows repeated keys) rather than the 2-D `measurements`.
    return np.concatenate([r.records[key][:, -1, :] for r in results], axis=0).astype(np.uint8)
