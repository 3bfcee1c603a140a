"""TwoCopyProtocol(memory_wait=k): copy A waits k moments of cirq.I before copy B is prepared."""

from __future__ import annotations

import cirq
import numpy as np
import pytest
import scipy.stats

from qmemlearn.backends import make_sampler
from qmemlearn.estimators import bell_squared
from qmemlearn.noise import ThermalDecayChannel, memory_wait_us, parse_noise
from qmemlearn.noise.theory import two_copy_squared_expectation
from qmemlearn.protocols import MEASUREMENT_KEY, TwoCopyProtocol, sample_records
from qmemlearn.protocols.two_copy import MEMORY_WAIT_TAG, wait_moments
from qmemlearn.sources import PauliMixedState
from qmemlearn.sources.pauli_mixed import preparation_circuit

IDLE = "idle:t1_us=0.5,t2_us=0.3"


def test_default_circuit_is_unchanged():
    """memory_wait=0 is today's circuit: both copies prepared at once, then CNOT, H, measure."""
    state = PauliMixedState("XYZ")
    q = cirq.LineQubit.range(6)
    a, b = q[0::2], q[1::2]
    expected = cirq.FrozenCircuit(
        preparation_circuit(a, prefix="a_").zip(preparation_circuit(b, prefix="b_")),
        cirq.Moment(cirq.CNOT(x, y) for x, y in zip(a, b)),
        cirq.Moment(cirq.H(x) for x in a),
        cirq.Moment(cirq.measure(*q, key=MEASUREMENT_KEY)),
    )
    assert TwoCopyProtocol().circuit(state) == expected
    assert TwoCopyProtocol(memory_wait=0).circuit(state) == expected
    assert len(expected) == 5
    assert TwoCopyProtocol().metadata()["memory_wait"] == 0


@pytest.mark.parametrize("wait", [1, 2, 5])
def test_copy_a_waits_before_copy_b_is_prepared(wait):
    state = PauliMixedState("XZ")
    circuit = TwoCopyProtocol(memory_wait=wait).circuit(state)
    pairs = TwoCopyProtocol().pairs(2)
    a_qubits, b_qubits = [p[0] for p in pairs], [p[1] for p in pairs]
    alone = wait - 2 if wait - 2 >= 2 else 0  # >= 2 moments before copy B starts are merged into one
    assert len(circuit) == 5 + wait - alone + (alone > 0)
    circuit = _unmerged(circuit)
    assert len(circuit) == 5 + wait
    for k, moment in enumerate(circuit[: 2 + wait]):
        on_a = [moment.operation_at(x) for x in a_qubits]
        on_b = [moment.operation_at(y) for y in b_qubits]
        if k < 2:
            assert all(op is not None and not isinstance(op.gate, cirq.IdentityGate) for op in on_a)
        else:  # copy A waits under explicit, tagged identities
            assert all(op.gate == cirq.I and MEMORY_WAIT_TAG in op.tags for op in on_a)
        assert all((op is None) == (k < wait) for op in on_b)  # copy B starts `wait` moments later
    assert [op.gate for op in circuit[wait + 2].operations] == [cirq.CNOT] * 2
    assert TwoCopyProtocol(memory_wait=wait).metadata()["memory_wait"] == wait
    assert not any(len(op.qubits) == 2 and set(op.qubits) not in map(set, pairs) for op in circuit.all_operations())


@pytest.mark.parametrize("spec, channel", [(IDLE, ThermalDecayChannel), ("amplitude-damping:gamma=0.1", cirq.AmplitudeDampingChannel)])
def test_idle_noise_acts_on_copy_a_during_the_wait_and_gate_noise_does_not(spec, channel):
    state = PauliMixedState("Y")
    model = parse_noise(spec + "+depolarizing:p1=0.01,p2=0.02").model()
    base = cirq.Circuit(TwoCopyProtocol().circuit(state)).with_noise(model)
    waited = cirq.Circuit(TwoCopyProtocol(memory_wait=4).circuit(state)).with_noise(model)
    a = cirq.LineQubit(0)
    decay_on_a = lambda c: sum(1 for op in c.all_operations() if isinstance(op.gate, channel) and op.qubits == (a,))  # noqa: E731
    depolarizing = lambda c: sum(1 for op in c.all_operations() if isinstance(op.gate, cirq.DepolarizingChannel))  # noqa: E731
    assert decay_on_a(waited) == decay_on_a(base) + 3  # 2 wait moments beside B's preparation + 1 merged
    assert depolarizing(waited) == depolarizing(base)


def test_the_wait_lowers_the_estimate_under_idle_noise():
    """Exact: a 5-moment (0.125 µs) wait costs the Y estimate at least a factor exp(-0.125/T2)."""
    short = two_copy_squared_expectation("Y", 0.9, 1, IDLE, memory_wait=0)
    long = two_copy_squared_expectation("Y", 0.9, 1, IDLE, memory_wait=5)
    assert long < short * np.exp(-5 * 25e-3 / 0.3) * 1.01
    assert memory_wait_us(5, IDLE) == pytest.approx(0.125)


def test_fast_backend_estimate_with_waits_matches_the_exact_value():
    """Fast (cluster) sampler vs the closed form, which tests/noise/test_theory.py checks against
    density matrices exactly; 2·10^5 shots give a standard error of about 0.002."""
    state = PauliMixedState("XY", alpha=0.9, sign=-1)
    for wait in (0, 3):
        record = sample_records(
            state, TwoCopyProtocol(memory_wait=wait), copies=400_000,
            sampler=make_sampler("fast", noise=IDLE, seed=10 + wait), rng=np.random.default_rng(20 + wait),
        )
        estimate, stderr = bell_squared(record.bits, ["XY"])
        exact = two_copy_squared_expectation("XY", 0.9, -1, IDLE, memory_wait=wait)
        assert abs(estimate[0] - exact) < 4 * stderr[0], (wait, estimate, exact, stderr)


def test_fast_and_density_matrix_backends_agree_with_waits_under_idle_noise():
    """Two-sample chi-square of the full outcome distribution, same protocol, both backends.

    With these sizes, the fast backend at memory_wait=0 against the density matrix at 6 gives
    p ≈ 1e-7: the test sees the wait.
    """
    state = PauliMixedState("Y", alpha=0.9)
    protocol = TwoCopyProtocol(memory_wait=6)
    noise = "idle:t1_us=0.4,t2_us=0.2+readout:p01=0.02,p10=0.05"
    counts = []
    for backend, copies in (("fast", 40_000), ("density-matrix", 1_200)):
        record = sample_records(
            state, protocol, copies=copies, sampler=make_sampler(backend, noise=noise, seed=1), rng=np.random.default_rng(2)
        )
        counts.append(np.bincount(record.bits @ np.array([2, 1]), minlength=4))
    assert min(counts[1]) > 20  # every cell is well populated
    assert scipy.stats.chi2_contingency(np.array(counts))[1] > 1e-3


@pytest.mark.parametrize("wait", [-1, 1.5, True, "2"])
def test_bad_memory_wait_is_named(wait):
    with pytest.raises(ValueError, match=r"memory_wait=.* must be an int >= 0"):
        TwoCopyProtocol(memory_wait=wait)


def _unmerged(circuit: cirq.AbstractCircuit) -> cirq.Circuit:
    """The circuit with every merged wait moment written out as that many plain wait moments."""
    moments = []
    for moment in circuit:
        repeats = max((wait_moments(op) for op in moment), default=1)
        plain = cirq.Moment(op.untagged.with_tags(MEMORY_WAIT_TAG) if repeats > 1 else op for op in moment)
        moments.extend([plain] * repeats)
    return cirq.Circuit.from_moments(*moments)


@pytest.mark.parametrize("spec", [IDLE, "amplitude-damping:gamma=0.1", IDLE + "+depolarizing:p1=0.01,p2=0.02"])
@pytest.mark.parametrize("wait", [4, 9])
def test_merged_wait_is_exactly_the_same_noise_as_separate_moments(spec, wait):
    state = PauliMixedState("YX", alpha=0.8)
    circuit = cirq.resolve_parameters(
        TwoCopyProtocol(memory_wait=wait).circuit(state), {name: 0.5 for name in cirq.parameter_names(
            TwoCopyProtocol(memory_wait=wait).circuit(state))}
    )
    model = parse_noise(spec).model()
    qubits = sorted(circuit.all_qubits())

    def rho(c):
        body = cirq.Circuit(op for op in cirq.Circuit(c).with_noise(model).all_operations() if not cirq.is_measurement(op))
        return cirq.final_density_matrix(body, qubit_order=qubits, dtype=np.complex128)

    explicit = _unmerged(circuit)
    assert len(explicit) > len(circuit)
    np.testing.assert_allclose(rho(circuit), rho(explicit), atol=1e-12)
