"""The bundled processors: sizes, gatesets and calibration times read from cirq-google."""

from __future__ import annotations

import datetime

import cirq
import cirq_google
import pytest

from qmemlearn.hardware import GOOGLE_PROCESSORS, load_processor

# Published facts about the bundled specs (DESIGN §7 and the cirq-google files).
EXPECTED = {
    "rainbow": (23, 32, ("sqrt_iswap", "sycamore"), datetime.datetime(2021, 11, 16, 10, 26, 55, 838000)),
    "weber": (53, 86, ("sqrt_iswap", "sycamore"), datetime.datetime(2021, 11, 3, 7, 6, 28, 204000)),
    "willow_pink": (105, 182, ("cz",), datetime.datetime(2024, 8, 16, 8, 11, 17, 630000)),
}


def test_processor_ids_are_the_bundled_ones():
    assert GOOGLE_PROCESSORS == ("rainbow", "weber", "willow_pink")


@pytest.mark.parametrize("processor_id", GOOGLE_PROCESSORS)
def test_processor_graph_gatesets_and_calibration(processor_id):
    processor = load_processor(processor_id)
    qubits, couplers, gatesets, when = EXPECTED[processor_id]
    assert len(processor.qubits) == qubits and all(isinstance(q, cirq.GridQubit) for q in processor.qubits)
    assert len(processor.couplers) == couplers
    assert all(q0.is_adjacent(q1) for q0, q1 in processor.couplers)
    assert tuple(processor.gatesets) == gatesets
    assert processor.default_gateset == gatesets[0]
    assert processor.calibration_time == when.replace(tzinfo=datetime.timezone.utc)
    assert processor.metadata()["calibration_time"].startswith(when.date().isoformat())
    assert load_processor(processor_id) is processor  # cached


def test_cz_is_advertised_but_not_calibrated_on_rainbow():
    processor = load_processor("rainbow")
    advertised = {type(g) for g in processor.device.metadata.compilation_target_gatesets}
    assert cirq_google.GoogleCZTargetGateset in advertised
    with pytest.raises(ValueError, match=r"gateset='cz' is not available on rainbow; allowed: sqrt_iswap, sycamore"):
        processor.gateset("cz")


def test_calibrated_errors_are_plausible():
    processor = load_processor("willow_pink")
    pair = processor.couplers[0]
    assert 1e-4 < processor.two_qubit_error(pair) < 0.1
    assert 1e-4 < processor.readout_error(pair[0]) < 0.2


def test_unknown_processor_is_refused():
    with pytest.raises(ValueError, match=r"processor_id='sycamore' is not shipped with cirq-google; allowed: rainbow, weber, willow_pink"):
        load_processor("sycamore")
