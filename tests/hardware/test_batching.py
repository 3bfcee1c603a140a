"""Hardware-style batching: K shots per distinct setting, instances interleaved round-robin in one batch."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import sympy

from qmemlearn.hardware import HardwareRun, device_sampler, interleaved_chunks, run_interleaved
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol, sample_batch
from qmemlearn.sources import PauliMixedState


def test_round_robin_order_covers_every_setting_once():
    order = interleaved_chunks([5, 2, 3], 2)
    assert order == [(0, 0, 2), (1, 0, 2), (2, 0, 2), (0, 2, 4), (2, 2, 3), (0, 4, 5)]
    covered = {job: sorted(i for j, s, e in order if j == job for i in range(s, e)) for job in range(3)}
    assert covered == {0: list(range(5)), 1: [0, 1], 2: [0, 1, 2]}


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_run_settings_are_refused(bad):
    with pytest.raises(ValueError, match=r"shots_per_setting=.* must be an int >= 1"):
        HardwareRun(shots_per_setting=bad)
    with pytest.raises(ValueError, match=r"chunk=.* must be an int >= 1"):
        HardwareRun(chunk=bad)
    with pytest.raises(ValueError, match=r"shots_per_setting=4 does not divide the 10 shots"):
        HardwareRun(shots_per_setting=4).settings_for(10)


class _Recorder(cirq.Sampler):
    """Noiseless simulator that records the order of the sweeps it is given."""

    def __init__(self) -> None:
        self.sweeps: list[list[float]] = []

    def run_sweep(self, program, params, repetitions=1):
        self.sweeps.append([float(r.value_of("f")) for r in cirq.to_resolvers(params)])
        return cirq.Simulator(seed=0).run_sweep(program, params, repetitions=repetitions)


def test_run_interleaved_returns_setting_major_bits_per_job():
    q = cirq.LineQubit(0)
    circuit = cirq.Circuit(cirq.X(q) ** sympy.Symbol("f"), cirq.measure(q, key="m"))
    jobs = [(circuit, {"f": np.array([1.0, 0.0, 1.0])}), (circuit, {"f": np.array([0.0, 1.0])})]
    sampler = _Recorder()
    bits = run_interleaved(sampler, jobs, HardwareRun(shots_per_setting=3, chunk=2), key="m")
    # Bits equal the flip, so each setting's 3 shots are rows s*3..s*3+2 of its own job.
    assert bits[0][:, 0].tolist() == [1, 1, 1, 0, 0, 0, 1, 1, 1]
    assert bits[1][:, 0].tolist() == [0, 0, 0, 1, 1, 1]
    assert sampler.sweeps == [[1.0, 0.0], [0.0, 1.0], [1.0]]  # job 0, job 1, job 0 again


def test_sample_batch_repeats_settings_and_interleaves_instances(fake_engine):
    sources = [PauliMixedState("XZ", alpha=0.9), PauliMixedState("YY", alpha=0.9, sign=-1)]
    sampler = device_sampler("willow_pink", execution="engine", project_id="proj")
    rngs = [np.random.default_rng(1), np.random.default_rng(2)]
    run = HardwareRun(shots_per_setting=5, chunk=4)
    records = sample_batch(sources, SingleCopyProtocol(), copies=40, sampler=sampler, rng=rngs, hardware=run)
    (engine,) = fake_engine
    assert engine.project_id == "proj" and engine.processor_id == "willow_pink"
    assert engine.batches == [4]  # 8 settings per instance, chunks of 4: one batch of 4 sweeps
    assert [(points, reps) for _, points, reps in engine.calls] == [(4, 5)] * 4
    for record in records:
        assert record.bits.shape == (40, 2)
        # Each distinct setting (its bases) is repeated 5 times in a row.
        recipes = record.recipes.reshape(8, 5, 2)
        assert (recipes == recipes[:, :1]).all()
        assert record.metadata["hardware"]["shots_per_setting"] == 5
        assert record.metadata["hardware"]["execution"] == "engine"
    # One setting is one product eigenstate of P's letters: measured in P_i's basis, qubit i reads
    # the same bit in all 5 shots of the setting (noiseless stand-in), so settings were repeated.
    codes = {"X": 0, "Y": 1, "Z": 2}
    checked = 0
    for record, source in zip(records, sources):
        bits = record.bits.reshape(8, 5, 2)
        recipes = record.recipes.reshape(8, 5, 2)[:, 0]
        for i, letter in enumerate(source.pauli):
            same_basis = recipes[:, i] == codes[letter]
            assert (bits[same_basis, :, i] == bits[same_basis, :1, i]).all()
            checked += int(same_basis.sum())
    assert checked > 0


def test_sample_batch_hardware_refuses_per_stream_samplers():
    sampler = device_sampler("rainbow", execution="qvm-fast", seed=1)
    with pytest.raises(ValueError, match=r"hardware runs need one cirq.Sampler and sampler_rngs=None"):
        sample_batch(
            [PauliMixedState("Z")], TwoCopyProtocol(), copies=8, sampler=sampler, rng=np.random.default_rng(0),
            sampler_rngs=[np.random.default_rng(1)], hardware=HardwareRun(),
        )
