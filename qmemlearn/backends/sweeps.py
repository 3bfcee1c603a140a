"""Per-shot sweeps as columns of numbers, and sampling them through any ``cirq.Sampler``.

A batch of shots is a dict ``{symbol name: float array [points]}``: one sweep point per shot,
exactly what the paper's hardware runs used. :func:`columns_to_sweep` turns it into the
standard ``cirq.Zip`` of ``cirq.Points``, which every sampler (and the Quantum Engine) accepts.

:func:`sample_bits` is the one entry point protocols use. A sampler may implement the
optional method ``_sample_columns_(circuit, columns, key)`` to take the columns directly and
skip building one ``cirq.ParamResolver`` and one ``cirq.Result`` per shot; every other sampler
goes through ``run_sweep(repetitions=1)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np

if TYPE_CHECKING:
    import cirq

Columns = Mapping[str, np.ndarray]


def validate_columns(columns: Columns) -> int:
    """Checks that all columns are 1-D and of one length; returns that length (sweep points)."""
    lengths = {name: np.shape(values) for name, values in columns.items()}
    shapes = set(lengths.values())
    if len(shapes) > 1 or any(len(s) != 1 for s in shapes):
        raise ValueError(f"sweep columns must be 1-D arrays of one length; got shapes {lengths}")
    return shapes.pop()[0] if shapes else 0


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


def sample_bits(
    sampler: "cirq.Sampler", circuit: "cirq.AbstractCircuit", columns: Columns, *, key: str = "m"
) -> np.ndarray:
    """Runs one shot per sweep point and returns the bits measured under ``key``.

    Args:
        sampler: Any ``cirq.Sampler``.
        circuit: A parameterized circuit with one measurement of key ``key``.
        columns: The sweep, one value per shot for each symbol of the circuit.
        key: The measurement key to return.

    Returns:
        uint8 array ``[points, qubits measured under key]``.
    """
    points = validate_columns(columns)
    fast = getattr(sampler, "_sample_columns_", None)
    if fast is not None:
        return np.asarray(fast(circuit, columns, key=key), dtype=np.uint8)
    if points == 0:
        import cirq

        width = sum(
            cirq.num_qubits(op)
            for op in circuit.all_operations()
            if cirq.is_measurement(op) and cirq.measurement_key_name(op) == key
        )
        return np.zeros((0, width), dtype=np.uint8)
    results = sampler.run_sweep(circuit, columns_to_sweep(columns), repetitions=1)
    # Read `records` (3-D, allows repeated keys) rather than the 2-D `measurements`.
    return np.concatenate([r.records[key][:, -1, :] for r in results], axis=0).astype(np.uint8)
