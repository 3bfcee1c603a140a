"""Google hardware: bundled processors, placement, native compilation and calibrated noise.

Everything runs offline from the device specs and calibrations shipped inside cirq-google.
"""

from qmemlearn.hardware.batching import HardwareRun, interleaved_chunks, run_interleaved
from qmemlearn.hardware.chain import chain_layout, chain_upper_bound, longest_chain, max_chain_length
from qmemlearn.hardware.compile import compile_circuit, single_qubit_gates_to_phased_xz
from qmemlearn.hardware.devices import GOOGLE_PROCESSORS, GoogleProcessor, load_processor
from qmemlearn.hardware.noise import (
    GOOGLE_NOISE_PREFIX,
    DeviceCircuit,
    GoogleDeviceNoiseModel,
    GoogleNoiseSpec,
    google_noise_model,
    is_google_noise,
    parse_google_noise,
    prepare_for_processor,
)
from qmemlearn.hardware.execution import (
    QVM_SIMULATORS,
    choose_qvm,
    engine_sampler,
    engine_target,
    is_product_structured,
    stock_qvm_sampler,
)
from qmemlearn.hardware.placement import PlacementError, largest_n, max_pairs, pair_layout, place, single_layout
from qmemlearn.hardware.sampler import DeviceNoiseSampler, device_sampler, qvm_execution

__all__ = [
    "HardwareRun",
    "QVM_SIMULATORS",
    "chain_layout",
    "chain_upper_bound",
    "choose_qvm",
    "device_sampler",
    "engine_sampler",
    "engine_target",
    "interleaved_chunks",
    "is_product_structured",
    "largest_n",
    "longest_chain",
    "max_chain_length",
    "qvm_execution",
    "run_interleaved",
    "stock_qvm_sampler",
    "GOOGLE_NOISE_PREFIX",
    "GOOGLE_PROCESSORS",
    "DeviceCircuit",
    "DeviceNoiseSampler",
    "GoogleDeviceNoiseModel",
    "GoogleNoiseSpec",
    "GoogleProcessor",
    "PlacementError",
    "compile_circuit",
    "google_noise_model",
    "is_google_noise",
    "load_processor",
    "max_pairs",
    "pair_layout",
    "parse_google_noise",
    "place",
    "prepare_for_processor",
    "single_layout",
]
