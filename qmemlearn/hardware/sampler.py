"""A ``cirq.Sampler`` that runs logical circuits as a Google processor would: placed, compiled, noisy.

``sample_records(source, protocol, sampler=DeviceNoiseSampler("willow_pink"), ...)`` then works
unchanged: the logical circuit goes through :func:`~qmemlearn.hardware.noise.prepare_for_processor`
(once per circuit, cached) and the device circuit runs on an inner sampler that applies the
processor's calibrated noise. The measurement keeps its key and its qubit order, so the bits
come back in the logical layout (a0, b0, a1, b1, ... for two-copy).

:func:`device_sampler` builds the three executions (:mod:`qmemlearn.hardware.execution`): the
fast exact path, the stock qsim QVM and the real processor, all behind the same placing and
compiling, so every circuit they receive is placed, compiled and validated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import cirq
import numpy as np

from qmemlearn.backends import ClusterSampler
from qmemlearn.hardware.compile import compile_circuit
from qmemlearn.hardware.devices import load_processor
from qmemlearn.hardware.execution import EXECUTIONS, choose_qvm, engine_sampler, stock_qvm_sampler
from qmemlearn.hardware.noise import DeviceCircuit, google_noise_model, prepare_for_processor

if TYPE_CHECKING:
    from qmemlearn.protocols.calibration import ReadoutCalibration

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
        execution: Label of what runs the device circuits, for record metadata: one of
            :data:`~qmemlearn.hardware.execution.EXECUTIONS`. Defaults to ``"qvm-fast"``.

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
        execution: str = "qvm-fast",
    ) -> None:
        if execution not in EXECUTIONS:
            raise ValueError(f"execution={execution!r} is unknown; allowed: {', '.join(EXECUTIONS)}")
        self.processor_id = processor_id
        self.gateset = gateset
        self.execution = execution
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

    @property
    def inner(self) -> cirq.Sampler:
        """The sampler that receives the placed, compiled circuits."""
        return self._inner

    def run_sweep(
        self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1
    ) -> Sequence[cirq.Result]:
        return self._inner.run_sweep(self.device_circuit(program).circuit, params, repetitions=repetitions)

    def run_batch(
        self,
        programs: Sequence[cirq.AbstractCircuit],
        params_list: Sequence[cirq.Sweepable] | None = None,
        repetitions: int | Sequence[int] = 1,
    ) -> Sequence[Sequence[cirq.Result]]:
        """One batch of device circuits for the inner sampler, in the given order (one Engine
        batch job on hardware, so the order is the order in time)."""
        device_programs = [self.device_circuit(p).circuit for p in programs]
        return self._inner.run_batch(device_programs, params_list, repetitions)

    def calibrate_readout(
        self, program: cirq.AbstractCircuit, qubits: Sequence[cirq.Qid], *, shots: int, key: str = "m"
    ) -> "ReadoutCalibration":
        """Readout calibration on the device qubits ``program`` is placed on, same execution.

        The |0…0⟩ and |1…1⟩ circuits (:mod:`qmemlearn.protocols.calibration`) are built on
        ``qubit_map[q]`` for the logical ``qubits`` (record column order), compiled and
        validated (no new placement), and run on the inner sampler.

        Args:
            program: The logical experiment circuit (its placement is used).
            qubits: Logical qubits in record column order (``record_qubits(protocol, n)``).
            shots: Shots per calibration circuit, >= 1.
            key: Measurement key. Defaults to ``"m"``.

        Raises:
            ValueError: If a qubit is not in the program, or on bad ``shots`` (see
                :func:`~qmemlearn.protocols.calibration.calibrate_readout`).
        """
        from qmemlearn.protocols.calibration import calibrate_readout

        qubit_map = self.device_circuit(program).qubit_map
        missing = [q for q in qubits if q not in qubit_map]
        if missing:
            raise ValueError(f"qubits {missing} are not qubits of the placed program; give its measured qubits")
        return calibrate_readout(_CompilingSampler(self), [qubit_map[q] for q in qubits], shots=shots, key=key)

    def metadata(self, program: cirq.AbstractCircuit) -> dict[str, Any]:
        """JSON-native record metadata: processor, device spec, calibration, gateset, execution
        and the qubit map (logical qubit -> device qubit, as ``repr`` strings)."""
        qubit_map = self.device_circuit(program).qubit_map
        processor = load_processor(self.processor_id)
        return {
            **processor.metadata(),
            "gateset": self.gateset or processor.default_gateset,
            "execution": self.execution,
            "qubit_map": {repr(logical): repr(physical) for logical, physical in sorted(qubit_map.items())},
        }

    def _sample_columns_(
        self, circuit: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray], *, key: str, segments: Any = None
    ) -> np.ndarray:
        """Column fast path of ``qmemlearn.backends.sample_bits``, passed to the inner sampler
        (with its per-instance ``segments``, which the inner sampler must support)."""
        from qmemlearn.backends import sample_bits

        return sample_bits(self._inner, self.device_circuit(circuit).circuit, columns, key=key, segments=segments)

    def __repr__(self) -> str:
        return f"qmemlearn.hardware.DeviceNoiseSampler({self.processor_id!r}, gateset={self.gateset!r})"


class _CompilingSampler(cirq.Sampler):
    """Compiles circuits that are already on device qubits (no placement), then runs them on
    the inner sampler of a :class:`DeviceNoiseSampler`."""

    def __init__(self, outer: DeviceNoiseSampler) -> None:
        self._outer = outer

    def run_sweep(
        self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1
    ) -> Sequence[cirq.Result]:
        compiled = compile_circuit(program, load_processor(self._outer.processor_id), gateset=self._outer.gateset)
        return self._outer.inner.run_sweep(compiled, params, repetitions=repetitions)


def device_sampler(
    processor_id: str,
    *,
    execution: str,
    seed: int | np.random.Generator | None = None,
    project_id: str | None = None,
    gateset: str | None = None,
    engine: cirq.Sampler | None = None,
) -> DeviceNoiseSampler:
    """The :class:`DeviceNoiseSampler` of one execution (see :mod:`qmemlearn.hardware.execution`).

    Args:
        processor_id: One of :data:`~qmemlearn.hardware.devices.GOOGLE_PROCESSORS`.
        execution: ``"qvm-fast"`` (exact cluster sampler), ``"qvm-qsim"`` (stock
            ``create_default_noisy_quantum_virtual_machine`` on qsim) or ``"engine"`` (the real
            processor through ``cirq_google.get_engine_sampler``; never called in tests).
        seed: Seed of the simulator (ignored by the engine). Defaults to None.
        project_id: Google Cloud project (engine only). Defaults to None (``GOOGLE_CLOUD_PROJECT``).
        gateset: Native gateset name; default: the processor's default.
        engine: An engine sampler already opened with
            :func:`~qmemlearn.hardware.execution.engine_sampler` (engine only); default: open
            one per stream.

    Raises:
        ValueError: If the processor, gateset or execution is unknown.
    """
    if execution == "qvm-fast":
        factory: SamplerFactory = _fast_sampler
    elif execution == "qvm-qsim":
        factory = lambda noise, s: stock_qvm_sampler(processor_id, seed=s)  # noqa: E731
    elif execution == "engine":
        factory = lambda noise, s: engine if engine is not None else engine_sampler(processor_id, project_id)  # noqa: E731
    else:
        raise ValueError(f"execution={execution!r} is unknown; allowed: {', '.join(EXECUTIONS)}")
    return DeviceNoiseSampler(processor_id, seed=seed, gateset=gateset, sampler_factory=factory, execution=execution)


def qvm_execution(circuit: cirq.AbstractCircuit, simulator: str = "auto") -> str:
    """``"qvm-fast"`` or ``"qvm-qsim"`` for a logical circuit (see :func:`~qmemlearn.hardware.execution.choose_qvm`)."""
    return "qvm-" + choose_qvm(circuit, simulator)
