"""Readout calibration for a task's sampler: the same sampler, the same (placed) qubits.

A mitigated task point first runs the calibration circuits of
:func:`qmemlearn.protocols.calibration.calibrate_readout` (measure; X on every qubit, then
measure) and then corrects its estimators with the result. The calibration must measure the
qubits the records come from, through the same noise:

* with calibrated device noise (a :class:`~qmemlearn.hardware.DeviceNoiseSampler`) these are
  the *device* qubits the learning circuit was placed on, in record column order. The
  calibration circuits are built on those GridQubits directly (placing them again would put
  them on the lowest-readout-error qubits instead), compiled to the native gateset and run with
  the processor's calibrated noise on the exact cluster sampler;
* with any other backend they are the logical qubits of the protocol, sampled by
  ``make_sampler(backend, noise=noise, seed=...)``.

Calibration shots are not copies of ρ: they prepare |0…0⟩ and |1…1⟩, never the unknown state.
"""

from __future__ import annotations

import functools
from typing import Sequence

import cirq
import numpy as np

from qmemlearn.backends import ClusterSampler, make_sampler
from qmemlearn.protocols.calibration import ReadoutCalibration, calibrate_readout, record_qubits

__all__ = ["calibrate_for_sampler", "DeviceQubitSampler"]


@functools.lru_cache(maxsize=64)
def _compiled(circuit: cirq.FrozenCircuit, processor_id: str, gateset: str | None) -> cirq.FrozenCircuit:
    from qmemlearn.hardware import compile_circuit, load_processor

    return compile_circuit(circuit, load_processor(processor_id), gateset=gateset).freeze()


class DeviceQubitSampler(cirq.Sampler):
    """Runs circuits already on a processor's GridQubits: compiled, then sampled with its noise.

    Unlike :class:`~qmemlearn.hardware.DeviceNoiseSampler` it does not place the circuit (its
    qubits are kept), so calibration circuits measure exactly the qubits given.

    Args:
        processor_id: The processor, e.g. ``"willow_pink"``.
        seed: Seed or generator of the exact cluster sampler.
        gateset: Native gateset name; default: the processor's default.
    """

    def __init__(self, processor_id: str, *, seed: int | np.random.Generator | None = None,
                 gateset: str | None = None) -> None:
        from qmemlearn.hardware import google_noise_model

        self.processor_id = processor_id
        self.gateset = gateset
        self._inner = ClusterSampler(noise=google_noise_model(processor_id), seed=seed)

    def run_sweep(
        self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1
    ) -> Sequence[cirq.Result]:
        compiled = _compiled(program.freeze(), self.processor_id, self.gateset)
        return self._inner.run_sweep(compiled, params, repetitions=repetitions)


def calibrate_for_sampler(
    sampler: object,
    circuit: cirq.AbstractCircuit,
    protocol: object,
    n: int,
    *,
    backend: str,
    noise: str,
    shots: int,
    rng: np.random.Generator,
) -> ReadoutCalibration:
    """Readout calibration of the qubits that ``sampler`` measures when it runs ``circuit``.

    Args:
        sampler: What the task samples its records with (from
            :func:`qmemlearn.protocols.sampling.stream_sampler`).
        circuit: The protocol's logical circuit (its placement fixes the device qubits).
        protocol: The protocol, for the record column order (:func:`record_qubits`).
        n: System qubits per copy.
        backend: The backend name the task uses (for non-device noise).
        noise: The noise spec string.
        shots: Shots per calibration circuit (per qubit: each shot reads every qubit).
        rng: The calibration's own random stream.

    Returns:
        The calibration, one column per record bit column.
    """
    from qmemlearn.hardware import DeviceNoiseSampler

    logical = record_qubits(protocol, n)
    if isinstance(sampler, DeviceNoiseSampler):
        qubit_map = sampler.device_circuit(circuit).qubit_map
        device = DeviceQubitSampler(sampler.processor_id, seed=rng, gateset=sampler.gateset)
        return calibrate_readout(device, [qubit_map[q] for q in logical], shots=shots)
    return calibrate_readout(make_sampler(backend, noise=noise, seed=rng), logical, shots=shots)
