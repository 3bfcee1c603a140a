"""The hashable channels: ReadoutErrorChannel and ThermalDecayChannel."""

from __future__ import annotations

import math

import cirq
import numpy as np
import pytest

from qmemlearn.noise import ReadoutErrorChannel, ThermalDecayChannel


@pytest.mark.parametrize("p01, p10", [(0.0, 0.0), (0.1, 0.0), (0.0, 0.3), (0.02, 0.07), (1.0, 1.0)])
def test_readout_channel_flips_with_the_given_probabilities(p01, p10):
    channel = ReadoutErrorChannel(p01, p10)
    kraus = cirq.kraus(channel)
    np.testing.assert_allclose(sum(k.conj().T @ k for k in kraus), np.eye(2), atol=1e-12)
    q = cirq.LineQubit(0)
    for prepared, wrong, p in ((0, 1, p01), (1, 0, p10)):
        circuit = cirq.Circuit(cirq.X(q) ** prepared, channel.on(q))
        rho = cirq.final_density_matrix(circuit, qubit_order=[q], dtype=np.complex128)
        assert np.real(rho[wrong, wrong]) == pytest.approx(p, abs=1e-12)
    assert cirq.num_qubits(channel) == 1
    assert channel == ReadoutErrorChannel(p01, p10) and hash(channel) == hash(ReadoutErrorChannel(p01, p10))
    assert channel != ReadoutErrorChannel(p01, min(p10 + 0.1, 1.0)) or p10 == 1.0
    assert repr(channel) == f"qmemlearn.noise.ReadoutErrorChannel(p01={float(p01)!r}, p10={float(p10)!r})"


def test_readout_channel_bad_values():
    with pytest.raises(ValueError, match=r"noise parameter p01=1.01 must be a number in \[0, 1\]"):
        ReadoutErrorChannel(1.01, 0.0)
    with pytest.raises(ValueError, match=r"noise parameter p10=nan"):
        ReadoutErrorChannel(0.0, float("nan"))


@pytest.mark.parametrize("duration, t1, t2", [(25.0, 10.0, 8.0), (100.0, 0.5, 1.0), (32.0, 3.0, 0.2), (0.0, 1.0, 1.0)])
def test_thermal_decay_matches_t1_and_t2(duration, t1, t2):
    channel = ThermalDecayChannel(duration, t1, t2)
    kraus = cirq.kraus(channel)
    np.testing.assert_allclose(sum(k.conj().T @ k for k in kraus), np.eye(2), atol=1e-12)
    rho = np.full((2, 2), 0.5, dtype=complex)  # |+><+|
    rho[1, 1] = 0.5
    out = sum(k @ rho @ k.conj().T for k in kraus)
    t = duration / 1e3
    assert out[1, 1].real == pytest.approx(0.5 * math.exp(-t / t1), abs=1e-12)
    assert abs(out[0, 1]) == pytest.approx(0.5 * math.exp(-t / t2), abs=1e-12)
    assert channel == ThermalDecayChannel(duration, t1, t2) and hash(channel) == hash(ThermalDecayChannel(duration, t1, t2))
    assert "ThermalDecayChannel(duration_ns=" in repr(channel)


def test_thermal_decay_bad_values():
    with pytest.raises(ValueError, match=r"noise parameter t2_us=3.0 must be a number in \(0, 2\]"):
        ThermalDecayChannel(10.0, 1.0, 3.0)
    with pytest.raises(ValueError, match=r"noise parameter duration_ns=-1.0"):
        ThermalDecayChannel(-1.0, 1.0, 1.0)
