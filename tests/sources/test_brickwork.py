"""Brickwork dynamics: T-symmetric U is real up to a phase (U·Uᵀ ∝ I), scrambling U is not."""

from __future__ import annotations

import cirq
import cirq_google
import numpy as np
import pytest

from qmemlearn.sources.brickwork import (
    REAL_ORTHOGONAL_GATE,
    BrickworkDynamics,
    layer_pairs,
    real_orthogonal_matrix,
)


def distance_from_scalar(matrix: np.ndarray) -> float:
    """min over phases c of ‖M − c·I‖_max / ‖M‖ (0 iff M ∝ I)."""
    c = np.trace(matrix) / len(matrix)
    return float(np.abs(matrix - c * np.eye(len(matrix))).max())


@pytest.mark.parametrize("n, depth", [(2, 1), (4, 3), (5, 4), (6, 5)])
def test_t_symmetric_u_times_transpose_is_scalar(n, depth):
    u = BrickworkDynamics(n=n, depth=depth, kind="t-symmetric", seed=n + depth).unitary()
    product = u @ u.T
    assert distance_from_scalar(product) < 1e-6
    assert abs(abs(product[0, 0]) - 1) < 1e-6
    # Real up to one global phase.
    phase = u.flat[np.argmax(np.abs(u))] / abs(u.flat[np.argmax(np.abs(u))])
    assert np.abs((u / phase).imag).max() < 1e-6


@pytest.mark.parametrize("n, depth", [(2, 1), (4, 3), (5, 4)])
def test_scrambling_u_times_transpose_is_not_scalar(n, depth):
    u = BrickworkDynamics(n=n, depth=depth, kind="scrambling", seed=n + depth).unitary()
    assert distance_from_scalar(u @ u.T) > 0.1


@pytest.mark.parametrize("n, depth", [(2, 1), (4, 3), (5, 4)])
def test_cz_scrambling_u_times_transpose_is_not_scalar(n, depth):
    dynamics = BrickworkDynamics(n=n, depth=depth, kind="scrambling", seed=n + depth, scrambling_gate="cz")
    assert distance_from_scalar(dynamics.unitary() @ dynamics.unitary().T) > 0.1


def test_cz_variant_replaces_only_the_entangler():
    q = cirq.LineQubit.range(4)
    sycamore = BrickworkDynamics(n=4, depth=3, kind="scrambling", seed=9)
    cz = BrickworkDynamics(n=4, depth=3, kind="scrambling", seed=9, scrambling_gate="cz")
    assert cz.single_qubit_gates() == sycamore.single_qubit_gates()  # same random choices
    two_qubit = [op.gate for op in cz.circuit(q).all_operations() if len(op.qubits) == 2]
    assert two_qubit and all(g == cirq.CZ for g in two_qubit)
    assert cz.metadata()["two_qubit_gate"] == "CZ" and "scrambling_gate" not in sycamore.metadata()
    assert cz != sycamore and hash(cz) != hash(sycamore)  # distinct cache keys


def test_cz_variant_compiles_to_one_native_cz_per_block_on_willow_pink():
    from qmemlearn.hardware import load_processor
    from qmemlearn.hardware.compile import compile_circuit

    from qmemlearn.hardware.chain import chain_layout

    processor = load_processor("willow_pink")
    line, _ = chain_layout(processor, 4, partners=False)
    counts = {}
    for gate in ("sycamore", "cz"):
        u = BrickworkDynamics(n=4, depth=4, kind="scrambling", seed=2, scrambling_gate=gate)
        compiled = compile_circuit(u.circuit(line), processor)
        counts[gate] = sum(1 for op in compiled.all_operations() if len(op.qubits) == 2)
    blocks = sum(len(layer_pairs(4, layer)) for layer in range(4))
    assert counts["cz"] == blocks and counts["sycamore"] > counts["cz"]


def test_real_orthogonal_gate_is_dense_special_orthogonal_and_entangling():
    o = real_orthogonal_matrix()
    assert o.dtype.kind == "f" and o.shape == (4, 4)
    np.testing.assert_allclose(o @ o.T, np.eye(4), atol=1e-12)
    assert np.linalg.det(o) == pytest.approx(1.0)
    assert np.abs(o).min() > 1e-2  # dense: not a permutation, no zero entries
    realigned = o.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
    assert np.sum(np.linalg.svd(realigned, compute_uv=False) > 1e-9) == 4  # operator Schmidt rank 4
    np.testing.assert_array_equal(cirq.unitary(REAL_ORTHOGONAL_GATE), o)


def test_layers_and_gates():
    assert layer_pairs(5, 0) == [(0, 1), (2, 3)] and layer_pairs(5, 1) == [(1, 2), (3, 4)]
    q = cirq.LineQubit.range(5)
    tsym = BrickworkDynamics(n=5, depth=3, kind="t-symmetric", seed=0).circuit(q)
    assert len(tsym) == 6
    for layer in range(3):
        singles, doubles = tsym[2 * layer], tsym[2 * layer + 1]
        assert len(singles) == 5 and all(isinstance(op.gate, cirq.YPowGate) for op in singles)
        assert all(0 <= op.gate.exponent < 4 for op in singles)
        assert [tuple(q.index(x) for x in op.qubits) for op in doubles] == layer_pairs(5, layer)
        assert all(op.gate == REAL_ORTHOGONAL_GATE for op in doubles)
    scr = BrickworkDynamics(n=5, depth=40, kind="scrambling", seed=0).circuit(q)
    singles = {op.gate for moment in scr[::2] for op in moment}
    assert singles == {cirq.X**0.5, cirq.Y**0.5, cirq.PhasedXPowGate(phase_exponent=0.25, exponent=0.5)}
    assert {op.gate for moment in scr[1::2] for op in moment} == {cirq_google.SycamoreGate()}


def test_seeded():
    q = cirq.LineQubit.range(4)
    a = BrickworkDynamics(n=4, depth=3, kind="t-symmetric", seed=1)
    assert a.circuit(q) == BrickworkDynamics(n=4, depth=3, kind="t-symmetric", seed=1).circuit(q)
    assert a.circuit(q) != BrickworkDynamics(n=4, depth=3, kind="t-symmetric", seed=2).circuit(q)
    assert a.metadata()["label"] == 1 and BrickworkDynamics(n=4, depth=3, kind="scrambling", seed=1).label == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 1}, r"n=1 must be an int >= 2"),
        ({"depth": 0}, r"depth=0 must be an int >= 1"),
        ({"seed": -1}, r"seed=-1 must be an int >= 0"),
        ({"kind": "chaotic"}, r"kind='chaotic' must be one of scrambling, t-symmetric"),
        ({"scrambling_gate": "iswap"}, r"scrambling_gate='iswap' must be one of sycamore, cz"),
        ({"kind": "t-symmetric", "scrambling_gate": "cz"}, r"scrambling_gate='cz' applies to kind='scrambling' only"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"n": 3, "depth": 2, "kind": "scrambling", "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        BrickworkDynamics(**args)


def test_circuit_needs_n_qubits():
    with pytest.raises(ValueError, match="must be n=3 distinct qubits"):
        BrickworkDynamics(n=3, depth=1, kind="scrambling", seed=0).circuit(cirq.LineQubit.range(2))
