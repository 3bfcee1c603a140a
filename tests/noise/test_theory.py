"""Closed forms of qmemlearn.noise.theory against exact density-matrix expectations.

The reference enumerates every flip pattern of every copy with its probability, runs the
noisy protocol circuit through ``cirq.final_density_matrix`` and averages the package's own
one-shot estimator over the exact outcome distribution: no sampling, agreement to 1e-9.
"""

from __future__ import annotations

import itertools
import math

import cirq
import numpy as np
import pytest

from qmemlearn.estimators import bell_pair_values
from qmemlearn.estimators.shadow import shadow_snapshot_values
from qmemlearn.noise import parse_noise
from qmemlearn.noise.theory import (
    depolarizing_factors,
    moment_constants,
    single_copy_expectation,
    two_copy_squared_expectation,
)
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol
from qmemlearn.protocols.two_copy import COPY_PREFIXES
from qmemlearn.sources import PauliMixedState
from qmemlearn.sources.pauli_mixed import preparation_symbol_names


def _flip_patterns(state: PauliMixedState):
    """Every flip pattern f with its probability: uniform, parity on supp(P) biased to sα."""
    support = [i for i, c in enumerate(state.pauli) if c != "I"]
    for f in itertools.product((0, 1), repeat=state.n):
        parity = sum(f[i] for i in support) % 2
        yield f, (1 + state.sign * state.alpha * (-1) ** parity) / 2 ** state.n


def _outcome_probs(circuit: cirq.AbstractCircuit, noise: str, resolver: dict) -> tuple[np.ndarray, list]:
    """Exact probabilities of the measured bits (measurement order, first bit = MSB)."""
    (measurement,) = [op for op in circuit.all_operations() if cirq.is_measurement(op)]
    model = parse_noise(noise).model()
    noisy = cirq.Circuit(circuit).with_noise(model) if model else cirq.Circuit(circuit)
    body = cirq.resolve_parameters(cirq.drop_terminal_measurements(noisy), resolver)
    rho = cirq.final_density_matrix(body, qubit_order=list(measurement.qubits), dtype=np.complex128)
    return np.clip(np.real(np.diagonal(rho)), 0, None), list(measurement.qubits)


def _all_bits(width: int) -> np.ndarray:
    return np.array(list(itertools.product((0, 1), repeat=width)), dtype=np.uint8)


def exact_two_copy(state: PauliMixedState, noise: str, memory_wait: int = 0) -> float:
    circuit = TwoCopyProtocol(memory_wait=memory_wait).circuit(state)
    settings = TwoCopyProtocol().draw_settings(state, np.random.default_rng(0), 1)[0]
    base = {name: float(values[0]) for name, values in settings.items()}
    values = bell_pair_values(_all_bits(2 * state.n), state.pauli)[0].astype(float)
    total = 0.0
    for (fa, pa), (fb, pb) in itertools.product(list(_flip_patterns(state)), repeat=2):
        resolver = dict(base)
        for prefix, f in zip(COPY_PREFIXES, (fa, fb)):
            resolver.update(zip(preparation_symbol_names(state.n, prefix)["flip"], map(float, f)))
        probs, _ = _outcome_probs(circuit, noise, resolver)
        total += pa * pb * float(probs @ values)
    return total


def exact_single_copy(state: PauliMixedState, noise: str, bases: str) -> float:
    """Mean of the product of (−1)^bit over supp(P), measured in the fixed ``bases``."""
    protocol = SingleCopyProtocol(basis=bases)
    circuit = protocol.circuit(state)
    settings = protocol.draw_settings(state, np.random.default_rng(0), 1)[0]
    base = {name: float(values[0]) for name, values in settings.items()}
    support = [i for i, c in enumerate(state.pauli) if c != "I"]
    bits = _all_bits(state.n)
    values = (-1.0) ** bits[:, support].sum(axis=1)
    total = 0.0
    for f, p in _flip_patterns(state):
        resolver = dict(base, **dict(zip(preparation_symbol_names(state.n)["flip"], map(float, f))))
        total += p * float(_outcome_probs(circuit, noise, resolver)[0] @ values)
    return total


IDLE = "idle:t1_us=0.3,t2_us=0.2,t1q_ns=25,t2q_ns=40"  # strong decay, so every term matters
TWO_COPY_CASES = [
    ("X", 0.9, 1, "depolarizing:p1=0.05,p2=0.1", 0),
    ("Y", 0.7, -1, "depolarizing:p1=0.2,p2=0.3", 0),
    ("Z", 0.9, 1, "depolarizing:p2=0.15", 0),
    ("XZ", 0.9, -1, "depolarizing:p1=0.1,p2=0.05", 0),
    ("X", 0.9, 1, IDLE, 0),
    ("Y", 0.8, -1, IDLE, 0),
    ("Z", 0.9, 1, IDLE, 0),
    ("Y", 0.9, 1, IDLE, 3),
    ("XY", 0.9, 1, IDLE, 2),
    ("ZIX", 0.6, -1, IDLE + "+depolarizing:p1=0.05,p2=0.08", 1),
    ("YZ", 0.9, 1, "amplitude-damping:gamma=0.07+depolarizing:p1=0.03,p2=0.04", 2),
    ("XYZ", 0.9, -1, "idle:t1_us=1,t2_us=0.4+amplitude-damping:gamma=0.02+depolarizing:p1=0.02,p2=0.05", 1),
]


@pytest.mark.parametrize("pauli, alpha, sign, noise, wait", TWO_COPY_CASES)
def test_two_copy_closed_form_matches_density_matrix(pauli, alpha, sign, noise, wait):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    expected = exact_two_copy(state, noise, wait)
    assert two_copy_squared_expectation(pauli, alpha, sign, noise, memory_wait=wait) == pytest.approx(expected, abs=1e-9)


SINGLE_COPY_CASES = [
    ("X", 0.9, 1, "depolarizing:p1=0.05"),
    ("YZ", 0.9, -1, "depolarizing:p1=0.2,p2=0.3"),
    ("X", 0.9, 1, IDLE),
    ("Y", 0.7, -1, IDLE),
    ("Z", 0.9, 1, IDLE),
    ("XIZ", 0.8, 1, IDLE + "+depolarizing:p1=0.1"),
    ("YX", 0.9, -1, "amplitude-damping:gamma=0.1+depolarizing:p1=0.04"),
]


@pytest.mark.parametrize("pauli, alpha, sign, noise", SINGLE_COPY_CASES)
def test_single_copy_closed_form_matches_density_matrix(pauli, alpha, sign, noise):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    expected = exact_single_copy(state, noise, pauli.replace("I", "Z"))
    assert single_copy_expectation(pauli, alpha, sign, noise) == pytest.approx(expected, abs=1e-9)


def test_random_basis_shadow_estimator_has_the_same_mean():
    """Averaged over uniform recipes, 3^|P|·[recipe = P]·(−1)^bits has the fixed-basis mean."""
    state, noise = PauliMixedState("XY", alpha=0.9, sign=-1), IDLE + "+depolarizing:p1=0.05"
    bits = _all_bits(2)
    total = 0.0
    for letters in itertools.product("XYZ", repeat=2):
        recipes = np.broadcast_to(np.array(["XYZ".index(c) for c in letters], dtype=np.uint8), bits.shape)
        probs = []
        protocol = SingleCopyProtocol(basis="".join(letters))
        circuit = protocol.circuit(state)
        settings = protocol.draw_settings(state, np.random.default_rng(0), 1)[0]
        base = {name: float(values[0]) for name, values in settings.items()}
        probs = sum(
            p * _outcome_probs(circuit, noise, dict(base, **dict(zip(preparation_symbol_names(2)["flip"], map(float, f)))))[0]
            for f, p in _flip_patterns(state)
        )
        total += float(probs @ shadow_snapshot_values(bits, np.ascontiguousarray(recipes), "XY")[0]) / 9
    assert total == pytest.approx(single_copy_expectation("XY", 0.9, -1, noise), abs=1e-9)


def test_depolarizing_factors_are_the_pure_power_law():
    factors = depolarizing_factors(0.03, 0.06)
    d, e = 1 - 0.04, 1 - 16 * 0.06 / 15
    assert factors == pytest.approx({"single": d**3, "X": d**5 * e, "Y": d**5 * e, "Z": d**4 * e}, abs=1e-15)
    noise = "depolarizing:p1=0.03,p2=0.06"
    assert two_copy_squared_expectation("XYZZ", 0.9, 1, noise) == pytest.approx(0.81 * factors["X"] * factors["Y"] * factors["Z"] ** 2, abs=1e-15)
    assert single_copy_expectation("IXZ", 0.9, -1, noise) == pytest.approx(-0.9 * factors["single"] ** 2, abs=1e-15)
    assert two_copy_squared_expectation("XZ", 0.9, 1, "ideal") == pytest.approx(0.81, abs=1e-15)


def test_memory_wait_costs_exp_minus_wait_over_t2_per_xy_qubit_in_the_signal():
    # Without T1 offsets (T1 huge), the wait multiplies the X/Y estimate by exp(-k·t1q/T2).
    noise = "idle:t1_us=1e9,t2_us=0.5"
    ratio = two_copy_squared_expectation("XY", 0.9, 1, noise, memory_wait=8) / two_copy_squared_expectation("XY", 0.9, 1, noise)
    assert ratio == pytest.approx(math.exp(-2 * 8 * 25e-3 / 0.5), rel=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: moment_constants("readout:p01=0.1"), r"noise term 'readout' has no closed form here"),
        (lambda: moment_constants("coherent:angle=0.1"), r"noise term 'coherent' has no closed form"),
        (lambda: two_copy_squared_expectation("II", 0.9), r"pauli='II' must not be the identity"),
        (lambda: two_copy_squared_expectation("XQ", 0.9), r"Q"),
        (lambda: two_copy_squared_expectation("X", 1.5), r"alpha=1.5 must be in \[0, 1\]"),
        (lambda: single_copy_expectation("X", 0.5, sign=0), r"sign=0 must be \+1 or -1"),
        (lambda: two_copy_squared_expectation("X", 0.5, memory_wait=-1), r"memory_wait=-1 must be an int >= 0"),
    ],
)
def test_bad_inputs_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
