"""Every backend agrees in distribution with the exact density-matrix reference (issue 7 item 4).

Data-driven: :data:`PRESETS` lists the noise presets (a new preset is one line) and
:data:`CIRCUITS` the small test circuits. For every (backend, preset, circuit):

* if the backend supports the circuit under that noise, its samples pass a chi-square
  goodness-of-fit test against the exact distribution, computed by
  ``cirq.final_density_matrix`` of each shot's resolved noisy circuit (conftest's
  ``exact_distribution``) and averaged over the shots' own settings, so the reference is exact
  given the drawn sweep;
* stim refuses non-Pauli noise (amplitude damping, asymmetric readout) with a ValueError that
  names the operation and a backend to use instead.

Threshold: p > 1e-4 per test; about 90 tests give a family-wise false-alarm rate below 1 %.
Seeds are fixed, so the outcome is deterministic.
"""

from __future__ import annotations

import functools

import cirq
import numpy as np
import pytest

from qmemlearn.backends import make_sampler, sample_bits
from qmemlearn.backends.stim_backend import stim_incompatibility
from qmemlearn.noise import parse_noise
from qmemlearn.protocols import MEASUREMENT_KEY, SingleCopyProtocol, TwoCopyProtocol
from qmemlearn.protocols.base import MixtureForm
from qmemlearn.sources import PauliMixedState

#: Noise presets: name -> spec. Strong enough that the chi-square test sees them.
PRESETS = {
    "ideal": "ideal",
    "depolarizing": "depolarizing:p1=0.05,p2=0.1",
    "readout": "readout:p01=0.03,p10=0.08",
    "readout-symmetric": "readout:p01=0.06,p10=0.06",
    "amplitude-damping": "amplitude-damping:gamma=0.08",
    "idle": "idle:t1_us=2,t2_us=1.5",
    "coherent": "coherent:angle=0.3",
}


def _known(spec: str) -> bool:
    try:
        parse_noise(spec)
        return True
    except ValueError:
        return False


# Presets added by the noise package (idle, coherent) join the matrix once parse_noise knows them.
PRESETS = {name: spec for name, spec in PRESETS.items() if _known(spec)}
BACKENDS = ["fast", "cirq", "qsim", "stim", "auto", "density-matrix"]
#: Shots per backend: cirq.Simulator is one trajectory per shot in Python, so it gets fewer.
SHOTS = {"cirq": 400, "density-matrix": 2000}
DEFAULT_SHOTS = 6000
#: The slow references (one Python simulation per shot) run these cases by default; the
#: rest of their matrix is marked slow.
QUICK_REFERENCE_CASES = {
    "cirq": {("ideal", "ghz-clifford"), ("depolarizing", "ghz-clifford"), ("readout", "two-copy-sweep")},
    "density-matrix": {(preset, "ghz-clifford") for preset in PRESETS},
}


def _cases():
    for backend in BACKENDS:
        for preset in sorted(PRESETS):
            for circuit in sorted(CIRCUITS):
                quick = QUICK_REFERENCE_CASES.get(backend)
                marks = [pytest.mark.slow] if quick is not None and (preset, circuit) not in quick else []
                yield pytest.param(backend, preset, circuit, marks=marks, id=f"{backend}-{preset}-{circuit}")


def _ghz_circuit(rng: np.random.Generator, shots: int):
    q = cirq.LineQubit.range(3)
    circuit = cirq.Circuit(  # GHZ measured in the X basis: even parity only, ideally
        cirq.H(q[0]), cirq.CNOT(q[0], q[1]), cirq.CNOT(q[1], q[2]), cirq.S(q[2]), cirq.S(q[2]) ** -1,
        [cirq.H(x) for x in q], cirq.measure(*q, key=MEASUREMENT_KEY),
    )
    return circuit, {}


def _protocol_circuit(protocol, source, rng: np.random.Generator, shots: int):
    return protocol.circuit(source), protocol.draw_settings(source, rng, shots)[0]


STATE = PauliMixedState("YX", alpha=0.9, sign=-1)
#: name -> f(rng, shots) -> (circuit, per-shot columns)
CIRCUITS = {
    "ghz-clifford": _ghz_circuit,
    "two-copy-sweep": functools.partial(_protocol_circuit, TwoCopyProtocol(), STATE),
    "two-copy-mixture": functools.partial(_protocol_circuit, TwoCopyProtocol(), MixtureForm(STATE)),
    "single-copy-z-basis": functools.partial(_protocol_circuit, SingleCopyProtocol(basis="ZXY"), PauliMixedState("ZXY", alpha=0.7)),
}


def _expected(circuit, columns, spec, shots, ref) -> np.ndarray:
    """Exact distribution averaged over the shots' settings (density matrix per distinct setting)."""
    model = parse_noise(spec).model()
    noisy = cirq.Circuit(circuit).with_noise(model) if model is not None else cirq.Circuit(circuit)
    if not columns:
        return ref.exact_distribution(noisy)
    names = sorted(columns)
    table = np.stack([np.asarray(columns[name], dtype=float) for name in names], axis=1)
    distinct, counts = np.unique(table, axis=0, return_counts=True)
    total = 0.0
    for row, count in zip(distinct, counts):
        total = total + count * ref.exact_distribution(noisy, dict(zip(names, row.tolist())))
    return total / shots


def _stim_refuses(circuit, columns, spec) -> str | None:
    model = parse_noise(spec).model()
    first = {name: float(v[0]) for name, v in columns.items()}
    return stim_incompatibility(cirq.resolve_parameters(circuit, first), model)


@pytest.mark.parametrize("backend, preset, circuit_name", list(_cases()))
def test_backend_agrees_with_density_matrix(backend, preset, circuit_name, ref):
    spec = PRESETS[preset]
    shots = SHOTS.get(backend, DEFAULT_SHOTS)
    seed = (
        BACKENDS.index(backend) * 1000 + sorted(PRESETS).index(preset) * 10 + sorted(CIRCUITS).index(circuit_name)
    )
    circuit, columns = CIRCUITS[circuit_name](np.random.default_rng(seed), shots)
    sampler = make_sampler(backend, noise=spec, seed=seed + 7)
    if backend == "stim":
        reason = _stim_refuses(circuit, columns, spec)
        if reason is not None:
            with pytest.raises(ValueError, match=r"is not a Clifford gate or a Pauli channel.*'qsim'"):
                _run(sampler, circuit, columns, shots)
            return
    bits = _run(sampler, circuit, columns, shots)
    assert bits.shape[0] == shots
    expected = _expected(circuit, columns, spec, shots, ref)
    pvalue, stat, dof = ref.gof([(ref.counts(bits), expected)])
    assert dof > 0
    assert pvalue > 1e-4, (backend, preset, circuit_name, stat, dof)


def _run(sampler, circuit, columns, shots) -> np.ndarray:
    if columns:
        return sample_bits(sampler, circuit, columns, key=MEASUREMENT_KEY)
    return np.asarray(sampler.run(circuit, repetitions=shots).measurements[MEASUREMENT_KEY])


@pytest.mark.parametrize("preset", [p for p in PRESETS if p != "ideal" and p != "readout-symmetric"])
def test_presets_change_the_distribution(preset, ref):
    """Power: each preset moves the exact distribution far enough for the tests above to see it."""
    for name, build in CIRCUITS.items():
        circuit, columns = build(np.random.default_rng(0), 200)
        noisy = _expected(circuit, columns, PRESETS[preset], 200, ref)
        ideal = _expected(circuit, columns, "ideal", 200, ref)
        assert np.abs(noisy - ideal).sum() > 0.04, (preset, name)
