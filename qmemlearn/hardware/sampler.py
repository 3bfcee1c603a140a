"""A ``cirq.Sampler`` that runs logical circuits as a Google processor would: placed, compiled, noisy.

``sample_records(source, protocol, sampler=DeviceNoiseSampler("willow_pink"), ...)`` then works
unchanged: the logical circuit goes through :func:`~qmemlearn.hardware.noise.prepare_for_processor`
(once per circuit, cached) and the device circuit runs on an inner sampler that applies the
processor's calibrated noise. The measurement keeps its key and its qubit order, so the bits
come back in the logical layout (a0, b0, a1, b1, ... for two-copy).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import cirq
import numpy as np

from qmemlearn.backends import ClusterSampler
from qmemlearn.hardware.devices import load_processor
from qmemlearn.hardware.noise import DeviceCircuit, google_noise_model, prepare_for_processor

#: Builds the inner sampler from the calibrated noise model and the seed.
SamplerFactory = Callable[[cirq.NoiseModel, "int | np.random.Generator | None"], cirq.Sampler]


def _fast_sampler(noise: cirq.NoiseModel, seed: int | np.random.Generator | None) -> cirq.Sampler:
    return ClusterSampler(noise=noise, seed=seed)


class DeviceNoiseSampler(cirq.Sampler):
    """Places and compiles each logical circuit for a processor, then samples it with its noise.

    Args:
        processor_id: One of :data:`~qmemlearn.hardware.devices.GOOGLE_PROCESSORS`.
        seed: Seed of the inner sampler. Defaults to None.
        gateset: Native gateset name; default: the processor's default.
        sampler_factory: ``(noise_model, seed) -> cirq.Sampler``; default: the exact fast
            :class:`~qmemlearn.backends.ClusterSampler`. Any simulator taking a noise model
            works, e.g. ``lambda noise, seed: cirq.DensityMatrixSimulator(noise=noise, seed=seed)``.

    Raises:
        ValueError: If the processor or the gateset is unknown.
    """

    def __init__(
        self,
        processor_id: str,
        *,
        seed: int | np.random.Generator | None = None,
        gateset: str | None = None,
        sampler_factory: SamplerFactory = _fast_sampler,
    ) -> None:
        self.processor_id = processor_id
        self.gateset = gateset
        self._prepared: dict[cirq.FrozenCircuit, DeviceCircuit] = {}
        load_processor(processor_id).gateset(gateset)  # validates both names
        self._inner = sampler_factory(google_noise_model(processor_id), seed)

    def device_circuit(self, program: cirq.AbstractCircuit) -> DeviceCircuit:
        """The placed, compiled circuit for ``program``, its noise model and qubit map (cached)."""
        key = program.freeze()
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = prepare_for_processor(key, self.processor_id, gateset=self.gateset)
            if len(self._prepared) >= 16:
                self._prepared.pop(next(iter(self._prepared)))
            self._prepared[key] = prepared
        return prepared

    def run_sweep(
        self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1
    ) -> Sequence[cirq.Result]:
        return self._inner.run_sweep(self.device_circuit(program).circuit, params, repetitions=repetitions)

    def _sample_columns_(
        self, circuit: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray], *, key: str, segments: Any = None
    ) -> np.ndarray:
        """Column fast path of ``qmemlearn.backends.sample_bits``, passed to the inner sampler
        (with its per-instance ``segments``, which the inner sampler must support)."""
        from qmemlearn.backends import sample_bits

        return sample_bits(self._inner, self.device_circuit(circuit).circuit, columns, key=key, segments=segments)

    def __repr__(self) -> str:
        return f"qmemlearn.hardware.DeviceNoiseSampler({self.processor_id!r}, gateset={self.gateset!r})"
