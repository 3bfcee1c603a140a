"""make_sampler, BACKEND_HELP and the memory guard (qmemlearn/backends/factory.py, memory.py)."""

from __future__ import annotations

import cirq
import numpy as np
import pytest

from qmemlearn.backends import BACKEND_HELP, BACKENDS, ClusterSampler, check_memory, make_sampler, required_memory_bytes
from qmemlearn.noise import LocalNoiseModel


def test_backends_are_samplers():
    assert BACKENDS == ("fast", "cirq", "density-matrix", "qsim", "stim", "mps", "auto")
    for name in BACKENDS:
        assert isinstance(make_sampler(name, seed=1), cirq.Sampler)
    assert isinstance(make_sampler("fast"), ClusterSampler)


def test_backend_help_covers_every_backend_and_says_qsim_runs_one_trajectory_per_shot():
    assert set(BACKEND_HELP) == set(BACKENDS)
    assert all(text.startswith(name + ":") for name, text in BACKEND_HELP.items())
    assert "one state-vector trajectory per repetition" in BACKEND_HELP["qsim"]


@pytest.mark.parametrize("name", ["QSIM", "Fast", "", "tensor"])
def test_unknown_backend_is_named(name):
    with pytest.raises(ValueError, match=rf"backend={name!r} is unknown; allowed: fast, cirq, density-matrix, qsim, stim, mps, auto"):
        make_sampler(name)


def test_bad_noise_through_make_sampler_is_named():
    with pytest.raises(ValueError, match=r"noise term 'dephasing'"):
        make_sampler("fast", noise="dephasing:p=0.1")


@pytest.mark.parametrize("name", BACKENDS)
def test_seeded_samplers_are_reproducible(name):
    """Same seed, same bits; and the Bell pair is perfectly correlated on every backend."""
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
    assert required_memory_bytes("qsim", 11) == 2 * required_memory_bytes("qsim", 10)
    assert required_memory_bytes("qsim", 30) == 2 * 8 * 2**30  # complex64 state plus one scratch copy
    assert required_memory_bytes("density-matrix", 11) == 4 * required_memory_bytes("density-matrix", 10)
    assert required_memory_bytes("stim", 2000) == 2000**2
    assert required_memory_bytes("fast", 1000) == 0


@pytest.mark.parametrize("backend", ["cirq", "density-matrix", "qsim"])
def test_check_memory_with_small_limit_names_a_backend_that_fits(backend):
    need = required_memory_bytes(backend, 20)
    with pytest.raises(ValueError, match=rf"backend='{backend}' would need .* for 20 qubits.*'fast'.*'stim'"):
        check_memory(backend, 20, limit_bytes=need)  # only half the limit may be used
    check_memory(backend, 20, limit_bytes=2 * need)  # fits
    check_memory("fast", 10_000, limit_bytes=1)


def test_check_memory_names_qsim_when_a_state_vector_still_fits():
    limit = 2 * required_memory_bytes("qsim", 20)
    with pytest.raises(ValueError, match=r"backend='density-matrix' would need .*backend='qsim' \(state vector\) fits"):
        check_memory("density-matrix", 20, limit_bytes=limit)


@pytest.mark.parametrize("bad", [-1, 2.0, True, "8"])
def test_check_memory_rejects_bad_qubit_counts(bad):
    with pytest.raises(ValueError, match=r"num_qubits=.* must be an int >= 0"):
        check_memory("cirq", bad)


@pytest.mark.parametrize("backend", ["cirq", "density-matrix", "qsim"])
def test_make_sampler_refuses_a_known_qubit_count_at_creation(backend):
    with pytest.raises(ValueError, match=rf"backend='{backend}' would need .* for 60 qubits.*backend='fast'.*'stim'"):
        make_sampler(backend, num_qubits=60)
    assert isinstance(make_sampler(backend, num_qubits=4), cirq.Sampler)


@pytest.mark.parametrize("backend", ["fast", "stim", "auto"])
def test_make_sampler_accepts_large_qubit_counts_on_scalable_backends(backend):
    assert isinstance(make_sampler(backend, num_qubits=2000), cirq.Sampler)


def _forty_qubit_circuit() -> cirq.Circuit:
    q = cirq.LineQubit.range(40)
    return cirq.Circuit([cirq.H(q[2 * i]) for i in range(20)], [cirq.CNOT(q[2 * i], q[2 * i + 1]) for i in range(20)], cirq.measure(*q, key="m"))


@pytest.mark.parametrize("backend", ["cirq", "density-matrix", "qsim"])
def test_make_sampler_refuses_forty_qubits_without_allocating(backend, monkeypatch):
    import qsimcirq

    def must_not_run(*args, **kwargs):  # the simulator must never be reached
        raise AssertionError("the simulator was called: the memory check did not refuse first")

    monkeypatch.setattr(cirq.Simulator, "run_sweep", must_not_run)
    monkeypatch.setattr(cirq.DensityMatrixSimulator, "run_sweep", must_not_run)
    monkeypatch.setattr(qsimcirq.QSimSimulator, "run_sweep", must_not_run)
    monkeypatch.setattr(qsimcirq.QSimSimulator, "run", must_not_run)
    sampler = make_sampler(backend, seed=1)
    with pytest.raises(ValueError, match=rf"backend='{backend}' would need .* for 40 qubits.*backend='fast'"):
        sampler.run(_forty_qubit_circuit())
    with pytest.raises(ValueError, match=r"backend='fast'"):
        sampler.run_sweep(_forty_qubit_circuit(), cirq.UnitSweep, repetitions=2)


@pytest.mark.parametrize("backend", ["fast", "stim", "auto"])
def test_scalable_backends_run_the_forty_qubit_circuit(backend):
    bits = make_sampler(backend, seed=2).run(_forty_qubit_circuit(), repetitions=100).measurements["m"]
    assert bits.shape == (100, 40)
    np.testing.assert_array_equal(bits[:, 0::2], bits[:, 1::2])


def test_mps_backend_is_registered_and_noiseless():
    from qmemlearn.backends.mps import MPSSampler

    assert isinstance(make_sampler("mps", seed=3), MPSSampler)
    with pytest.raises(ValueError, match=r"backend='mps' is noiseless; noise='depolarizing:p1=0.01"):
        make_sampler("mps", noise="depolarizing:p1=0.01")
