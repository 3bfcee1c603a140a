"""An offline stand-in for the Quantum Engine sampler, for tests and dry runs of ``--engine``.

:class:`RecordingEngineSampler` is what ``cirq_google.get_engine_sampler(processor_id,
project_id)`` would return, without any network: it refuses every program the processor's
device does not validate, records what it was sent (programs, sweep sizes, repetitions,
batches, in time order), and samples the bits with the noiseless exact cluster sampler.
"""

from __future__ import annotations

from typing import Sequence

import cirq

from qmemlearn.backends import ClusterSampler
from qmemlearn.hardware.devices import load_processor


class RecordingEngineSampler(cirq.Sampler):
    """Validates, records and samples (noiselessly) the programs a processor would run.

    Args:
        processor_id: A bundled processor id (its device validates the programs).
        project_id: Recorded only.
        seed: Seed of the exact sampler. Defaults to 0.

    Attributes:
        calls: ``(program, sweep points, repetitions)`` per ``run_sweep``, in order.
        batches: Programs per ``run_batch`` call, in order.
    """

    def __init__(self, processor_id: str, project_id: str | None = None, *, seed: int = 0) -> None:
        self.processor_id = processor_id
        self.project_id = project_id
        self.device = load_processor(processor_id).device
        self.calls: list[tuple[cirq.Circuit, int, int]] = []
        self.batches: list[int] = []
        self._sampler = ClusterSampler(seed=seed)

    def run_sweep(
        self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1
    ) -> Sequence[cirq.Result]:
        self.device.validate_circuit(program)
        self.calls.append((cirq.Circuit(program), len(list(cirq.to_resolvers(params))), repetitions))
        return self._sampler.run_sweep(program, params, repetitions=repetitions)

    def run_batch(
        self,
        programs: Sequence[cirq.AbstractCircuit],
        params_list: Sequence[cirq.Sweepable] | None = None,
        repetitions: int | Sequence[int] = 1,
    ) -> Sequence[Sequence[cirq.Result]]:
        self.batches.append(len(programs))
        return super().run_batch(programs, params_list, repetitions)


def patch_engine(monkeypatch) -> list[RecordingEngineSampler]:
    """Replaces ``cirq_google.get_engine_sampler`` (a pytest ``monkeypatch``) with a factory of
    :class:`RecordingEngineSampler`; returns the list of samplers it builds, in order."""
    import cirq_google

    built: list[RecordingEngineSampler] = []

    def get_engine_sampler(processor_id: str, project_id: str | None = None) -> RecordingEngineSampler:
        built.append(RecordingEngineSampler(processor_id, project_id))
        return built[-1]

    monkeypatch.setattr(cirq_google, "get_engine_sampler", get_engine_sampler)
    return built
