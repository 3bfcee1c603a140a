"""Tests of the principal-component source against its exact density matrix."""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest

from qmemlearn.sources.principal_component import PrincipalComponentState, symbol_names


def _pauli(observable: str) -> np.ndarray:
    return cirq.unitary(cirq.DensePauliString(observable))


@pytest.mark.parametrize(
    "observable,sign,p,noise_state",
    [("XYZ", 1, 0.5, "balanced"), ("ZZXY", -1, 0.7, "balanced"), ("YXZ", -1, 0.3, "maximally-mixed")],
)
def test_closed_forms_match_the_density_matrix(observable, sign, p, noise_state):
    state = PrincipalComponentState(observable, sign=sign, p=p, noise_state=noise_state, depth=3, seed=9)
    rho, op, psi = state.density_matrix(), _pauli(observable), state.state_vector()
    assert np.linalg.norm(psi) == pytest.approx(1.0)
    assert np.vdot(psi, op @ psi).real == pytest.approx(sign)
    assert np.trace(rho).real == pytest.approx(1.0)
    assert np.linalg.eigvalsh(rho).min() > -1e-12
    assert np.trace(op @ rho).real == pytest.approx(state.expectation(), abs=1e-12)
    assert np.trace(rho @ rho).real == pytest.approx(state.purity(), abs=1e-12)
    assert np.trace(op @ rho @ rho).real == pytest.approx(state.observable_on_square(), abs=1e-12)
    top = np.linalg.eigh(rho)[1][:, -1]
    assert abs(np.vdot(top, psi)) == pytest.approx(1.0, abs=1e-9)  # ψ is the principal component


def test_balanced_noise_hides_the_sign_from_tr_o_rho_and_distillation_converges():
    values = [PrincipalComponentState("X" * n, sign=-1).distilled() for n in (3, 5, 8)]
    assert PrincipalComponentState("XYZ").expectation() == 0.0
    np.testing.assert_allclose(values, [-(2 ** (n - 1) - 1) / (2 ** (n - 1) + 1) for n in (3, 5, 8)])


def test_preparation_averaged_over_the_setting_law_is_rho():
    state = PrincipalComponentState("ZYX", sign=-1, p=0.6, depth=2, seed=2)
    qubits = cirq.LineQubit.range(3)
    circuit = state.preparation_circuit(qubits)
    f_names, g_name = symbol_names(3)
    draws = state.draw_settings(np.random.default_rng(1), 40000)
    keys = np.stack([draws[name] for name in (*f_names, g_name)], axis=1).astype(int)
    rho = np.zeros((8, 8), complex)
    for values in itertools.product((0, 1), repeat=3):
        frequency = np.mean((keys == values).all(axis=1))
        psi = cirq.final_state_vector(cirq.resolve_parameters(circuit, dict(zip((*f_names, g_name), values))),
                                      qubit_order=qubits)
        rho += frequency * np.outer(psi, psi.conj())
    # Frequencies carry sampling error ~ 1/sqrt(40000) per setting; eight settings.
    assert np.abs(rho - state.density_matrix()).max() < 0.02


def _born(rho: np.ndarray, recipe: tuple[int, ...]) -> np.ndarray:
    rotations = {0: cirq.unitary(cirq.H), 1: cirq.unitary(cirq.H) @ cirq.unitary(cirq.S**-1), 2: np.eye(2)}
    u = np.array([[1.0]])
    for r in recipe:
        u = np.kron(u, rotations[r])
    return np.real(np.diagonal(u @ rho @ u.conj().T))


@pytest.mark.parametrize("recipe", [(0, 1, 2), (2, 2, 2), (1, 0, 0)])
def test_single_copy_shots_follow_the_born_rule(recipe):
    state = PrincipalComponentState("XYZ", sign=1, p=0.5, depth=3, seed=5)
    shots = 20000
    recipes = np.tile(np.array(recipe, dtype=np.uint8), (shots, 1))
    bits = state.sample_single_copy(recipes, np.random.default_rng(7))
    index = bits @ (1 << np.arange(2, -1, -1))
    frequency = np.bincount(index, minlength=8) / shots
    exact = _born(state.density_matrix(), recipe)
    stderr = np.sqrt(exact * (1 - exact) / shots)
    assert np.all(np.abs(frequency - exact) < 4 * stderr + 1e-9)


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="full weight"):
        PrincipalComponentState("XIZ")
    with pytest.raises(ValueError, match=r"p=0.3 must be a number in \[0.5, 1\)"):
        PrincipalComponentState("XYZ", p=0.3)
    with pytest.raises(ValueError, match="sign=0 must be"):
        PrincipalComponentState("XYZ", sign=0)
    with pytest.raises(ValueError, match="noise_state='pink' must be one of"):
        PrincipalComponentState("XYZ", noise_state="pink")
