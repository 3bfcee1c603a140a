"""Google hardware: bundled processors, placement, native compilation and calibrated noise.

Everything runs offline from the device specs and calibrations shipped inside cirq-google.
"""

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
from qmemlearn.hardware.placement import PlacementError, max_pairs, pair_layout, place, single_layout
from qmemlearn.hardware.sampler import DeviceNoiseSampler

__all__ = [
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
