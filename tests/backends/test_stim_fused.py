"""Fused conversion: the assembled stim circuit IS stimcirq's conversion, up to reordering
operations on disjoint qubits within a moment (compared per qubit, exactly)."""

from __future__ import annotations

import collections

import cirq
import numpy as np
import pytest
import stim
import stimcirq

from qmemlearn.backends import make_sampler
from qmemlearn.backends import stim_fused
from qmemlearn.backends.stim_fused import assemble
from qmemlearn.protocols import TwoCopyProtocol
from qmemlearn.protocols.base import MixtureForm
from qmemlearn.sources import PauliMixedState


def _canonical(circuit: stim.Circuit) -> tuple[dict, list]:
    """Per qubit, the ordered (gate, args, targets of its application); and the measured targets."""
    per_qubit: dict = collections.defaultdict(list)
    measured = []
    for inst in circuit.flattened():
        if inst.name in ("TICK", "QUBIT_COORDS", "I"):
            continue
        targets = inst.targets_copy()
        width = 2 if stim.gate_data(inst.name).is_two_qubit_gate else 1
        for k in range(0, len(targets), width):
            group = tuple((t.value, t.is_inverted_result_target) for t in targets[k : k + width])
            for q, _ in group:
                per_qubit[q].append((inst.name, tuple(inst.gate_args_copy()), group))
        if stim.gate_data(inst.name).produces_measurements:
            measured += [(t.value, t.is_inverted_result_target) for t in targets]
    return dict(per_qubit), measured


def _with_frames(assembled, flips: dict[str, int]) -> stim.Circuit:
    """The assembled pieces with coins as X_ERROR(0.5) and sweep frames as Paulis, at their cuts."""
    out = stim.Circuit()
    for k, piece in enumerate(assembled.pieces):
        out += piece
        for j in np.flatnonzero(assembled.cut == k):
            name, q = assembled.symbol[j], int(assembled.qubit[j])
            pauli = "XYZ"[assembled.code[j] - 1]
            if name is None:
                out.append(f"{pauli}_ERROR", [q], 0.5)
            elif flips.get(name, 0) % 2:
                out.append(pauli, [q])
    return out


@pytest.mark.parametrize("form", ["mixture", "sweep"])
@pytest.mark.parametrize("n", [4, 40])
def test_assembled_equals_stimcirq_conversion(form, n):
    rng = np.random.default_rng(n)
    state = PauliMixedState("".join(rng.choice(list("IXYZ"), n - 1)) + "Y", alpha=0.9, sign=-1)
    source = MixtureForm(state) if form == "mixture" else state
    protocol = TwoCopyProtocol()
    circuit = protocol.circuit(source)
    columns, _ = protocol.draw_settings(source, rng, 3)
    sampler = make_sampler("stim", noise="depolarizing:p1=0.01,p2=0.02+readout:p01=0.03,p10=0.03", seed=1)
    plan, _ = sampler._plan(circuit, columns)
    values = np.array([float(columns[name][0]) for name in plan.structural])
    assembled = assemble(plan.moments, values, plan.qubit_index, plan.memo)
    first_shot = {name: float(v[0]) for name, v in columns.items()}
    ours = _with_frames(assembled, {k: int(v) for k, v in first_shot.items()})
    noisy = sampler._noisy(cirq.FrozenCircuit(circuit))
    theirs = stimcirq.cirq_circuit_to_stim_circuit(cirq.resolve_parameters(noisy, first_shot), qubit_to_index_dict=plan.qubit_index)
    assert _canonical(ours) == _canonical(theirs)
    coins = sum(s is None for s in assembled.symbol)
    assert coins == (2 * (n - 1) if form == "mixture" else 0)  # the parity mixture's X_ERROR(0.5)
    assert sum(s is not None for s in assembled.symbol) == 2 * n  # one X frame per flip gate


def test_one_stimcirq_call_per_distinct_gate(monkeypatch):
    calls = []
    original = stimcirq.cirq_circuit_to_stim_circuit
    monkeypatch.setattr(stimcirq, "cirq_circuit_to_stim_circuit", lambda *a, **k: calls.append(1) or original(*a, **k))
    stim_fused._FRAGMENTS.clear()
    q = cirq.LineQubit.range(500)
    circuit = cirq.Circuit(cirq.Moment(cirq.H.on_each(*q)), cirq.Moment(cirq.depolarize(0.01).on_each(*q)), cirq.measure(*q, key="m"))
    bits = make_sampler("stim", seed=1).run(circuit, repetitions=4000).measurements["m"]
    assert len(calls) == 3  # H, DEPOLARIZE1, and the measurement
    assert abs(bits.mean() - 0.5) < 0.005  # H|0> then depolarizing: fair bits (SE 0.00035)


def test_refusal_names_the_operation_on_its_own_qubits():
    q = cirq.LineQubit.range(6)
    circuit = cirq.Circuit(cirq.Moment([cirq.H(x) for x in q[:5]] + [cirq.T(q[5])]), cirq.measure(*q, key="m"))
    with pytest.raises(ValueError, match=r"operation cirq\.T\(cirq\.LineQubit\(5\)\) is not a Clifford gate or a Pauli channel.*'qsim'"):
        make_sampler("stim", seed=1).run(circuit, repetitions=2)


def test_measurement_order_is_kept_within_a_moment():
    q = cirq.LineQubit.range(4)
    circuit = cirq.Circuit(
        cirq.X(q[1]), cirq.X(q[2]),
        cirq.Moment(cirq.measure(q[2], q[0], key="b"), cirq.measure(q[3], q[1], key="a", invert_mask=(True, False))),
    )
    result = make_sampler("stim", seed=1).run(circuit, repetitions=3)
    assert (result.measurements["b"] == [1, 0]).all() and (result.measurements["a"] == [1, 1]).all()
