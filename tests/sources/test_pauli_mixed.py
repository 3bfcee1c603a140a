"""PauliMixedState: the preparation circuit really prepares ρ = (I + sαP)/2ⁿ (DESIGN §4).

The reference for the flip distribution is DESIGN §4 itself, not the code: the flips are
uniform except that their parity on supp(P) is 0 with probability (1 + sα)/2, so a flip
pattern f has probability 2^-(n-1) · (1 ± sα)/2.
"""

from __future__ import annotations

import itertools

import cirq
import numpy as np
import pytest
import scipy.stats

from qmemlearn.sources import PauliMixedState, preparation_circuit
from qmemlearn.sources.pauli_mixed import preparation_symbol_names

SINGLE = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}

CASES = [
    (p, alpha, sign)
    for p in ["X", "Y", "Z", "XY", "YI", "IZ", "YY", "XYZ", "IYI", "ZIY", "YXY"]
    for alpha in (0.9, 0.5)
    for sign in (1, -1)
]


def pauli_matrix(pauli: str) -> np.ndarray:
    out = np.array([[1.0 + 0j]])
    for c in pauli:
        out = np.kron(out, SINGLE[c])
    return out


def flip_probability(state: PauliMixedState, flips: tuple[int, ...]) -> float:
    """DESIGN §4: uniform flips whose parity on supp(P) is 0 with probability (1+sα)/2."""
    parity = sum(f for f, c in zip(flips, state.pauli) if c != "I") % 2
    p_parity = (1 + state.sign * state.alpha) / 2 if parity == 0 else (1 - state.sign * state.alpha) / 2
    return p_parity / 2 ** (state.n - 1)


@pytest.mark.parametrize("pauli, alpha, sign", CASES)
def test_density_matrix_is_the_formula(pauli, alpha, sign):
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    n = len(pauli)
    expected = (np.eye(2**n) + sign * alpha * pauli_matrix(pauli)) / 2**n
    np.testing.assert_allclose(state.density_matrix(), expected, atol=1e-14)
    assert state.expectation(pauli) == pytest.approx(sign * alpha)
    assert state.purity() == pytest.approx(np.real(np.trace(expected @ expected)), abs=1e-14)


@pytest.mark.parametrize("pauli, alpha, sign", CASES)
def test_circuit_mixture_over_flips_equals_density_matrix(pauli, alpha, sign):
    """Resolve the sweep form for every flip pattern and average with DESIGN §4's weights."""
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    n = state.n
    qubits = cirq.LineQubit.range(n)
    circuit = state.preparation_circuit(qubits)
    names = preparation_symbol_names(n)
    settings = state.draw_settings(np.random.default_rng(0), 4)
    rho = np.zeros((2**n, 2**n), dtype=complex)
    total = 0.0
    for flips in itertools.product((0, 1), repeat=n):
        weight = flip_probability(state, flips)
        values = {name: float(f) for name, f in zip(names["flip"], flips)}
        for role in ("phase", "exponent"):
            for name in names[role]:
                values[name] = float(settings[name][0])
        resolved = cirq.resolve_parameters(circuit, values)
        assert not cirq.is_parameterized(resolved)
        rho += weight * cirq.final_density_matrix(resolved, qubit_order=qubits, dtype=np.complex128)
        total += weight
    assert total == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(rho, state.density_matrix(), atol=1e-10)


@pytest.mark.parametrize(
    "pauli, alpha, sign", [("XY", 0.9, 1), ("YZI", 0.5, -1), ("ZIY", 0.9, -1), ("Y", 0.5, 1), ("IXY", 0.9, 1), ("IIY", 0.5, -1)]
)
def test_draw_settings_flip_statistics(pauli, alpha, sign):
    """The drawn flip patterns follow DESIGN §4's distribution (chi-square, fixed seed)."""
    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    n, shots = state.n, 40_000
    settings = state.draw_settings(np.random.default_rng(12345), shots, prefix="a_")
    names = preparation_symbol_names(n, "a_")
    assert set(settings) == {name for role in names.values() for name in role}
    flips = np.stack([settings[name] for name in names["flip"]], axis=1)
    assert flips.dtype == np.float64 and flips.shape == (shots, n)
    assert set(np.unique(flips)) <= {0.0, 1.0}
    index = (flips.astype(int) * (1 << np.arange(n - 1, -1, -1))).sum(axis=1)
    observed = np.bincount(index, minlength=2**n)
    probs = np.array([flip_probability(state, f) for f in itertools.product((0, 1), repeat=n)])
    result = scipy.stats.chisquare(observed, shots * probs)
    assert result.pvalue > 1e-3, (observed, shots * probs)
    # The parity on supp(P) has mean (-1)^parity = sα, within 4 standard errors.
    support = [i for i, c in enumerate(pauli) if c != "I"]
    signs = 1 - 2 * (flips[:, support].sum(axis=1) % 2)
    stderr = signs.std(ddof=1) / np.sqrt(shots)
    assert abs(signs.mean() - sign * alpha) < 4 * stderr
    # Rotation columns are constant per qubit: the hidden Pauli enters only through them.
    for role in ("phase", "exponent"):
        for name in names[role]:
            assert np.all(settings[name] == settings[name][0])


def test_alpha_one_fixes_the_parity():
    for sign, parity in ((1, 0), (-1, 1)):
        state = PauliMixedState("XZY", alpha=1.0, sign=sign)
        settings = state.draw_settings(np.random.default_rng(3), 2000)
        flips = np.stack([settings[f"flip_{i}"] for i in range(3)], axis=1)
        assert np.all(flips.sum(axis=1) % 2 == parity)


def test_alpha_zero_is_maximally_mixed():
    state = PauliMixedState("YX", alpha=0.0)
    np.testing.assert_allclose(state.density_matrix(), np.eye(4) / 4)


def test_draw_settings_is_seeded_and_prefixes_are_independent():
    state = PauliMixedState("XYZ", alpha=0.9, sign=-1)
    one = state.draw_settings(np.random.default_rng(7), 50)
    two = state.draw_settings(np.random.default_rng(7), 50)
    assert one.keys() == two.keys()
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])
    assert state.draw_settings(np.random.default_rng(7), 0)["flip_0"].shape == (0,)


def test_preparation_circuit_does_not_depend_on_the_instance():
    qubits = cirq.LineQubit.range(3)
    a = PauliMixedState("XYZ", alpha=0.9).preparation_circuit(qubits, prefix="a_")
    b = PauliMixedState("ZZI", alpha=0.1, sign=-1).preparation_circuit(qubits, prefix="a_")
    assert a == b == preparation_circuit(qubits, prefix="a_")
    assert cirq.parameter_names(a) == {
        name for role in preparation_symbol_names(3, "a_").values() for name in role
    }


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"pauli": "XQZ"}, r"pauli='XQZ' has the bad character 'Q' at position 1"),
        ({"pauli": "xyz"}, r"bad character 'x' at position 0"),
        ({"pauli": ""}, r"pauli=''"),
        ({"pauli": "III"}, r"pauli='III' must not be the identity"),
        ({"pauli": "XY", "alpha": 1.1}, r"alpha=1.1 must be in \[0, 1\]"),
        ({"pauli": "XY", "alpha": -0.1}, r"alpha=-0.1 must be in \[0, 1\]"),
        ({"pauli": "XY", "alpha": float("nan")}, r"alpha=nan"),
        ({"pauli": "XY", "alpha": "0.5"}, r"alpha='0.5'"),
        ({"pauli": "XY", "alpha": True}, r"alpha=True"),
        ({"pauli": "XY", "sign": 0}, r"sign=0 must be \+1 or -1"),
        ({"pauli": "XY", "sign": 2}, r"sign=2 must be \+1 or -1"),
        ({"pauli": "XY", "sign": True}, r"sign=True must be \+1 or -1"),
        ({"pauli": "XY", "sign": -0.5}, r"sign=-0.5 must be \+1 or -1"),
    ],
)
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PauliMixedState(**kwargs)


def test_bad_shots_and_observable_are_named():
    state = PauliMixedState("XY")
    with pytest.raises(ValueError, match=r"shots=-1"):
        state.draw_settings(np.random.default_rng(0), -1)
    with pytest.raises(ValueError, match=r"shots=2.5"):
        state.draw_settings(np.random.default_rng(0), 2.5)
    with pytest.raises(ValueError, match=r"observable='XYZ' has length 3 but must have length n=2"):
        state.expectation("XYZ")


# ----- mixture form (DESIGN §4): one circuit for all shots, same distribution ---------------
def _sweep_form_average(state: PauliMixedState, circuit: cirq.Circuit, names: dict, fixed: dict, noisy_dist) -> np.ndarray:
    """Σ_f P(f) · noisy_dist(circuit resolved at flips f), with DESIGN §4's weights."""
    total = 0.0
    for flips in itertools.product((0, 1), repeat=state.n):
        values = dict(fixed)
        values.update({name: float(f) for name, f in zip(names["flip"], flips)})
        total = total + flip_probability(state, flips) * noisy_dist(cirq.resolve_parameters(circuit, values))
    return total


@pytest.mark.parametrize("pauli, alpha, sign", CASES)
def test_mixture_form_density_matrix_equals_sweep_form_average(pauli, alpha, sign):
    """Exact: the mixture form's ρ (channels) equals the sweep form averaged over its settings."""
    from qmemlearn.sources.pauli_mixed import mixture_circuit

    state = PauliMixedState(pauli, alpha=alpha, sign=sign)
    qubits = cirq.LineQubit.range(state.n)
    settings = state.mixture_settings(3)
    assert all(np.all(v == v[0]) for v in settings.values())  # constant over shots
    resolved = cirq.resolve_parameters(mixture_circuit(qubits), {k: float(v[0]) for k, v in settings.items()})
    assert not cirq.is_parameterized(resolved)
    rho_mixture = cirq.final_density_matrix(resolved, qubit_order=qubits, dtype=np.complex128)
    sweep = state.draw_settings(np.random.default_rng(0), 1)
    rotation = {k: float(v[0]) for k, v in sweep.items() if "flip" not in k}
    rho_sweep = _sweep_form_average(
        state, state.preparation_circuit(qubits), preparation_symbol_names(state.n), rotation,
        lambda c: cirq.final_density_matrix(c, qubit_order=qubits, dtype=np.complex128),
    )
    np.testing.assert_allclose(rho_mixture, rho_sweep, atol=1e-12)
    np.testing.assert_allclose(rho_mixture, state.density_matrix(), atol=1e-12)


def _two_copy_distributions(state, spec):
    from qmemlearn.noise import parse_noise
    from qmemlearn.protocols import TwoCopyProtocol
    from qmemlearn.protocols.base import MixtureForm
    from qmemlearn.protocols.two_copy import COPY_PREFIXES

    protocol = TwoCopyProtocol()
    model = parse_noise(spec).model()
    qubits = sorted(protocol.circuit(state).all_qubits())

    def dist(circuit):
        noisy = circuit.with_noise(model) if model is not None else circuit
        body = cirq.Circuit(op for op in noisy.all_operations() if not cirq.is_measurement(op))
        rho = cirq.final_density_matrix(body, qubit_order=qubits, dtype=np.complex128)
        return np.real(np.diagonal(rho))  # the measurement (all qubits, qubit order) plus readout is in body

    mixed = MixtureForm(state)
    circuit = cirq.Circuit(protocol.circuit(mixed))
    values = {k: float(v[0]) for k, v in protocol.draw_settings(mixed, np.random.default_rng(0), 1)[0].items()}
    mixture = dist(cirq.resolve_parameters(circuit, values))
    sweep_circuit = cirq.Circuit(protocol.circuit(state))
    fixed = {k: float(v[0]) for k, v in protocol.draw_settings(state, np.random.default_rng(0), 1)[0].items() if "flip" not in k}
    names = [preparation_symbol_names(state.n, prefix)["flip"] for prefix in COPY_PREFIXES]
    total = 0.0
    for fa in itertools.product((0, 1), repeat=state.n):
        for fb in itertools.product((0, 1), repeat=state.n):
            resolved_values = dict(fixed)
            resolved_values.update(zip(names[0], map(float, fa)))
            resolved_values.update(zip(names[1], map(float, fb)))
            weight = flip_probability(state, fa) * flip_probability(state, fb)
            total = total + weight * dist(cirq.resolve_parameters(sweep_circuit, resolved_values))
    return mixture, total


@pytest.mark.parametrize("pauli, sign", [("YX", -1), ("ZI", 1), ("XZ", 1)])
@pytest.mark.parametrize("spec", ["ideal", "depolarizing:p1=0.05,p2=0.1", "readout:p01=0.03,p10=0.08"])
def test_mixture_form_two_copy_distribution_equals_sweep_form_under_gate_noise(pauli, sign, spec):
    """Exact two-copy outcome distributions agree, noiseless and under gate/readout noise."""
    mixture, sweep = _two_copy_distributions(PauliMixedState(pauli, alpha=0.8, sign=sign), spec)
    np.testing.assert_allclose(mixture, sweep, atol=1e-12)


def test_mixture_form_differs_under_per_moment_noise_as_documented():
    """Per-moment idle noise sees the extra parity moment: the forms then differ (documented)."""
    mixture, sweep = _two_copy_distributions(PauliMixedState("YX", alpha=0.8), "amplitude-damping:gamma=0.1")
    assert np.abs(mixture - sweep).max() > 1e-3


def test_mixture_settings_are_named_and_validated():
    from qmemlearn.sources.pauli_mixed import mixture_symbol_names

    state = PauliMixedState("IXY", alpha=0.5, sign=-1)
    settings = state.mixture_settings(4, prefix="b_")
    names = mixture_symbol_names(3, "b_")
    assert [settings[s][0] for s in names["support"]] == [0.0, 1.0, 1.0]
    assert settings["b_bias"][0] == -0.5
    assert all(v.shape == (4,) for v in settings.values())
    with pytest.raises(ValueError, match=r"shots=-1 must be an int >= 0"):
        state.mixture_settings(-1)


@pytest.mark.parametrize(
    "support, bias, match",
    [([0, 0], 0.5, r"support=.* must be a non-empty 0/1 mask"), ([2, 1], 0.5, r"support=.* must be a non-empty 0/1 mask"),
     ([1, 1], 1.5, r"bias=1.5 must be in \[-1, 1\]")],
)
def test_parity_mixture_gate_rejects_bad_settings(support, bias, match):
    from qmemlearn.sources.parity_mixture import ParityMixtureGate

    with pytest.raises(ValueError, match=match):
        cirq.decompose_once_with_qubits(ParityMixtureGate(support, bias), cirq.LineQubit.range(2))


def test_parity_mixture_gate_must_be_resolved():
    import sympy

    from qmemlearn.sources.parity_mixture import ParityMixtureGate

    gate = ParityMixtureGate([sympy.Symbol("m0"), 1], sympy.Symbol("b"))
    assert cirq.is_parameterized(gate) and cirq.parameter_names(gate) == {"m0", "b"}
    with pytest.raises(ValueError, match=r"must be resolved"):
        cirq.decompose_once_with_qubits(gate, cirq.LineQubit.range(2))
    resolved = cirq.resolve_parameters(gate, {"m0": 1, "b": 0.25})
    assert resolved == ParityMixtureGate([1, 1], 0.25)
