"""make_sampler and the memory guard."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.backends import BACKENDS, ClusterSampler, check_memory, make_sampler, required_memory_bytes
from qmemlearn.noise import LocalNoiseModel


def test_backends_are_samplers():
    assert BACKENDS == ("fast", "cirq", "density-matrix")
    for name in BACKENDS:
        assert isinstance(make_sampler(name, seed=1), cirq.Sampler)
    assert isinstance(make_sampler("fast"), ClusterSampler)


@pytest.mark.parametrize("name", ["qsim", "Fast", "", "stim"])
def test_unknown_backend_is_named(name):
    with pytest.raises(ValueError, match=rf"backend={name!r} is unknown; allowed: fast, cirq, density-matrix"):
        make_sampler(name)


def test_bad_noise_through_make_sampler_is_named():
    with pytest.raises(ValueError, match=r"noise term 'dephasing'"):
        make_sampler("fast", noise="dephasing:p=0.1")


@pytest.mark.parametrize("name", BACKENDS)
def test_seeded_samplers_are_reproducible(name):
    q = cirq.LineQubit.range(2)
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(*q), cirq.measure(*q, key="m"))
    one = make_sampler(name, seed=3).run(circuit, repetitions=64).measurements["m"]
    two = make_sampler(name, seed=3).run(circuit, repetitions=64).measurements["m"]
    np.testing.assert_array_equal(one, two)
    assert np.all(one[:, 0] == one[:, 1])
    three = make_sampler(name, seed=np.random.default_rng(5)).run(circuit, repetitions=64).measurements["m"]
    four = make_sampler(name, seed=np.random.default_rng(5)).run(circuit, repetitions=64).measurements["m"]
    np.testing.assert_array_equal(three, four)


def test_noise_spec_gives_local_noise_model():
    sampler = make_sampler("fast", noise="readout:p01=1,p10=0")
    q = cirq.LineQubit(0)
    bits = sampler.run(cirq.Circuit(cirq.measure(q, key="m")), repetitions=20).measurements["m"]
    assert np.all(bits == 1)  # p01 = 1: every 0 reads as 1
    bits = make_sampler("cirq", noise="readout:p01=1,p10=0", seed=1).run(cirq.Circuit(cirq.measure(q, key="m")), repetitions=5).measurements["m"]
    assert np.all(bits == 1)
    assert isinstance(make_sampler("fast", noise="depolarizing:p1=0.1")._noise, LocalNoiseModel)


# ----- memory guard ------------------------------------------------------------------------
def test_required_memory_grows_as_expected():
    assert required_memory_bytes("cirq", 11) == 2 * required_memory_bytes("cirq", 10)
    assert required_memory_bytes("density-matrix", 11) == 4 * required_memory_bytes("density-matrix", 10)
    assert required_memory_bytes("fast", 1000) == 0


@pytest.mark.parametrize("backend", ["cirq", "density-matrix"])
def test_check_memory_with_small_limit_names_fast(backend):
    need = required_memory_bytes(backend, 20)
    with pytest.raises(ValueError, match=rf"backend='{backend}' would need .* for 20 qubits.*use backend='fast'"):
        check_memory(backend, 20, limit_bytes=need)  # only half the limit may be used
    check_memory(backend, 20, limit_bytes=2 * need)  # fits
    check_memory("fast", 10_000, limit_bytes=1)


def _forty_qubit_circuit() -> cirq.Circuit:
    q = cirq.LineQubit.range(40)
    return cirq.Circuit([cirq.H(q[2 * i]) for i in range(20)], [cirq.CNOT(q[2 * i], q[2 * i + 1]) for i in range(20)], cirq.measure(*q, key="m"))


@pytest.mark.parametrize("backend", ["cirq", "density-matrix"])
def test_make_sampler_refuses_forty_qubits_without_allocating(backend, monkeypatch):
    def must_not_run(*args, **kwargs):  # the simulator must never be reached
        raise AssertionError("the simulator was called: the memory check did not refuse first")

    monkeypatch.setattr(cirq.Simulator, "run_sweep", must_not_run)
    monkeypatch.setattr(cirq.DensityMatrixSimulator, "run_sweep", must_not_run)
    sampler = make_sampler(backend, seed=1)
    with pytest.raises(ValueError, match=rf"backend='{backend}' would need .* for 40 qubits.*backend='fast'"):
        sampler.run(_forty_qubit_circuit())
    with pytest.raises(ValueError, match=r"backend='fast'"):
        sampler.run_sweep(_forty_qubit_circuit(), cirq.UnitSweep, repetitions=2)


def test_fast_backend_runs_the_forty_qubit_circuit():
    bits = make_sampler("fast", seed=2).run(_forty_qubit_circuit(), repetitions=100).measurements["m"]
    assert bits.shape == (100, 40)
    np.testing.assert_array_equal(bits[:, 0::2], bits[:, 1::2])
