"""qsim behind the grouping sampler: one run per distinct setting, exact per-point records."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from qmemlearn.backends import make_sampler, sample_bits
from qmemlearn.backends.qsim_backend import GroupedSampler


class _CountingSampler(cirq.Sampler):
    """Runs cirq.Simulator and records every (resolved circuit, repetitions) it is asked for."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self._sim = cirq.Simulator(seed=1)

    def run_sweep(self, program, params, repetitions=1):
        assert not cirq.is_parameterized(program)
        self.calls.append(repetitions)
        return self._sim.run_sweep(program, params, repetitions)


def _flip_circuit():
    q = cirq.LineQubit.range(2)
    return cirq.Circuit(cirq.X(q[0]) ** sympy.Symbol("f"), cirq.CNOT(*q), cirq.measure(*q, key="m"))


def test_grouped_sampler_runs_each_distinct_setting_once_in_point_order():
    counting = _CountingSampler()
    sampler = GroupedSampler("qsim", counting)
    values = np.array([0, 1, 1, 0, 1, 0, 0, 0], dtype=float)
    bits = sample_bits(sampler, _flip_circuit(), {"f": values})
    assert sorted(counting.calls) == [3, 5]  # two distinct settings, repetitions = their counts
    np.testing.assert_array_equal(bits[:, 0], values.astype(np.uint8))
    np.testing.assert_array_equal(bits[:, 1], values.astype(np.uint8))


def test_grouped_run_sweep_keeps_params_and_repetitions():
    results = make_sampler("qsim", seed=2).run_sweep(_flip_circuit(), cirq.Points("f", [1, 0, 1]), repetitions=4)
    assert [r.params.value_of("f") for r in results] == [1, 0, 1]
    for result, value in zip(results, [1, 0, 1]):
        assert result.measurements["m"].shape == (4, 2) and np.all(result.measurements["m"] == value)
    with pytest.raises(ValueError, match=r"repetitions=-2 must be an int >= 0"):
        make_sampler("qsim").run_sweep(_flip_circuit(), cirq.Points("f", [1]), repetitions=-2)


def test_qsim_uses_every_core():
    import os

    sampler = make_sampler("qsim", seed=1)
    assert sampler._simulator.qsim_options["t"] == os.cpu_count()


def test_noisy_qsim_agrees_with_the_exact_distribution(ref):
    q = cirq.LineQubit.range(3)
    circuit = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.T(q[1]), cirq.H(q[1]), cirq.CNOT(q[1], q[2]), cirq.measure(*q, key="m"))
    spec = "depolarizing:p1=0.05,p2=0.1+amplitude-damping:gamma=0.05"
    result = make_sampler("qsim", noise=spec, seed=3).run(circuit, repetitions=4000)
    from qmemlearn.noise import parse_noise

    exact = ref.exact_distribution(circuit.with_noise(parse_noise(spec).model()))
    pvalue, _, _ = ref.gof([(ref.counts(ref.result_bits(result, circuit)), exact)])
    assert pvalue > 1e-4
    assert np.abs(exact - ref.exact_distribution(circuit)).sum() > 0.1  # the noise is visible


def test_unknown_key_is_named():
    with pytest.raises(ValueError, match=r"key='k' is not a measurement key"):
        sample_bits(make_sampler("qsim"), _flip_circuit(), {"f": np.zeros(2)}, key="k")
