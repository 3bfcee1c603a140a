"""Depolarized states: the sweep form averages exactly to (1 − p)|ψ⟩⟨ψ| + p·I/2ⁿ; settings
statistics; purity formula; bad input."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest

from qmemlearn.sources.depolarized import DepolarizedState, frame_symbol_names, mixed_purity
from qmemlearn.sources.pure_states import PureState


@pytest.mark.parametrize("family, p", [("brickwork", 0.3), ("ghz", 0.5), ("stabilizer", 1.0)])
def test_sweep_form_averages_to_the_depolarized_state(family, p):
    n = 2
    source = DepolarizedState(PureState(family, n, seed=4), p)
    qubits = cirq.LineQubit.range(n)
    circuit = source.preparation_circuit(qubits)
    xs, zs = frame_symbol_names(n)
    average = np.zeros((4, 4), dtype=complex)
    frames = list(itertools.product((0, 1), repeat=2 * n))
    for frame in frames:
        values = dict(zip(xs + zs, map(float, frame)))
        weight = p / len(frames) + (1 - p) * (not any(frame))
        psi = cirq.final_state_vector(cirq.resolve_parameters(circuit, values), qubit_order=qubits, dtype=np.complex128)
        average += weight * np.outer(psi, psi.conj())
    np.testing.assert_allclose(average, source.density_matrix(), atol=1e-12)
    assert np.real(np.trace(average @ average)) == pytest.approx(source.purity(), abs=1e-12)


def test_draw_settings_frequencies():
    source = DepolarizedState(PureState("ghz", 3), 0.4)
    columns = source.draw_settings(np.random.default_rng(1), 40_000, prefix="a_")
    xs, zs = frame_symbol_names(3, "a_")
    assert set(columns) == set(xs + zs)
    frames = np.stack([columns[k] for k in xs + zs], axis=1)
    # A shot is unframed w.p. (1 - p) + p / 64.
    expected = 0.6 + 0.4 / 64
    observed = np.mean(~frames.any(axis=1))
    assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / 40_000)
    assert abs(frames.mean() - 0.2) < 0.01  # each bit is 1 w.p. p/2


def test_mixed_purity_closed_form():
    assert mixed_purity(1, 1.0) == 0.5
    assert mixed_purity(3, 0.0) == 1.0
    assert mixed_purity(2, 0.5) == pytest.approx(0.25 + 0.75 / 4)


def test_bad_mixedness():
    with pytest.raises(ValueError, match=r"p=1.5 must be a number in \[0, 1\]"):
        DepolarizedState(PureState("ghz", 2), 1.5)
