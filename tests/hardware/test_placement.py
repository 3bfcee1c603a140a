"""Placement: copy pairs on disjoint couplers, singles on device qubits, honest size limits."""

from __future__ import annotations

import cirq
import networkx as nx
import pytest

from qmemlearn.hardware import GOOGLE_PROCESSORS, PlacementError, load_processor, max_pairs, pair_layout, place, single_layout
from qmemlearn.protocols import SingleCopyProtocol, TwoCopyProtocol
from qmemlearn.sources import PauliMixedState


@pytest.mark.parametrize("processor_id", GOOGLE_PROCESSORS)
def test_max_pairs_is_a_maximum_matching(processor_id):
    processor = load_processor(processor_id)
    graph = processor.graph
    # Independent check: the grids are bipartite (checkerboard), so Hopcroft-Karp is exact.
    colour = {q: (q.row + q.col) % 2 for q in graph}
    assert nx.is_bipartite(graph) and all(colour[a] != colour[b] for a, b in graph.edges)
    top = [q for q in graph if colour[q] == 0]
    assert max_pairs(processor) == len(nx.bipartite.hopcroft_karp_matching(graph, top_nodes=top)) // 2


def test_willow_pink_hosts_49_pairs_not_50():
    processor = load_processor("willow_pink")
    assert max_pairs(processor) == 49
    # 49 qubits of one checkerboard colour bound every matching (each coupler uses one of them).
    assert min(sum((q.row + q.col) % 2 == c for q in processor.qubits) for c in (0, 1)) == 49
    with pytest.raises(PlacementError, match=r"n=50 does not fit on willow_pink: it hosts at most 49 disjoint copy pairs"):
        pair_layout(processor, 50)


@pytest.mark.parametrize("processor_id", GOOGLE_PROCESSORS)
def test_pair_layout_uses_disjoint_couplers(processor_id):
    processor = load_processor(processor_id)
    n = max_pairs(processor)
    pairs = pair_layout(processor, n)
    couplers = set(processor.couplers)
    assert all(tuple(sorted(p)) in couplers for p in pairs)
    flat = [q for p in pairs for q in p]
    assert len(set(flat)) == 2 * n
    assert pair_layout(processor, 3) == pairs[:3]  # deterministic, best couplers first
    errors = [processor.two_qubit_error(p) for p in pairs]
    assert errors == sorted(errors)


def test_single_layout_limits_and_exclusions():
    processor = load_processor("rainbow")
    assert len(set(single_layout(processor, 23))) == 23
    with pytest.raises(PlacementError, match=r"n=24 does not fit on rainbow: it hosts at most 23 single qubits"):
        single_layout(processor, 24)
    excluded = processor.qubits[:20]
    assert set(single_layout(processor, 3, exclude=excluded)) == set(processor.qubits[20:])
    with pytest.raises(ValueError, match=r"n=-1 must be an int >= 0"):
        single_layout(processor, -1)


@pytest.mark.parametrize("protocol", [TwoCopyProtocol(), SingleCopyProtocol()])
def test_place_maps_protocol_circuits_onto_the_device(protocol):
    processor = load_processor("willow_pink")
    circuit = protocol.circuit(PauliMixedState("XYZ"))
    placed, qubit_map = place(circuit, processor)
    assert set(qubit_map) == circuit.all_qubits()
    assert placed == cirq.Circuit(circuit).transform_qubits(qubit_map)
    assert set(placed.all_qubits()) <= set(processor.qubits)
    couplers = set(processor.couplers)
    for op in placed.all_operations():
        if len(op.qubits) == 2:
            assert tuple(sorted(op.qubits)) in couplers


def test_place_reports_the_largest_size_that_fits():
    circuit = TwoCopyProtocol().circuit(PauliMixedState("X" * 12))
    with pytest.raises(PlacementError, match=r"n=12 does not fit on rainbow: it hosts at most 8 disjoint copy pairs"):
        place(circuit, load_processor("rainbow"))


def test_place_refuses_groups_that_are_neither_pairs_chains_nor_combs():
    q = cirq.LineQubit.range(4)
    star = cirq.Circuit(cirq.CZ(q[0], q[1]), cirq.CZ(q[0], q[2]), cirq.CZ(q[0], q[3]), cirq.measure(*q, key="m"))
    with pytest.raises(PlacementError, match=r"interact as a group of 4 that is neither a chain nor a comb"):
        place(star, load_processor("willow_pink"))
    triangle = cirq.Circuit(cirq.CZ(q[0], q[1]), cirq.CZ(q[1], q[2]), cirq.CZ(q[0], q[2]), cirq.measure(*q[:3], key="m"))
    with pytest.raises(PlacementError, match=r"neither a chain nor a comb"):
        place(triangle, load_processor("willow_pink"))


def test_willow_pink_spec_couplers_are_the_full_grid_and_all_calibrated():
    """The 49-pair limit is the device graph itself, not a calibration gap: the bundled spec has
    every nearest-neighbour coupler among its 105 qubits, and each one has a calibrated CZ error."""
    processor = load_processor("willow_pink")
    qubits = processor.qubits
    grid = {tuple(sorted((a, b))) for a in qubits for b in qubits if a.is_adjacent(b)}
    assert set(processor.couplers) == grid and len(grid) == 182
    calibrated = {
        tuple(sorted(op_id.qubits)) for op_id in processor.noise_properties.gate_pauli_errors if len(op_id.qubits) == 2
    }
    assert calibrated == grid
