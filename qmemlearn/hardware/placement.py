"""Placement of learning circuits on a device graph: copy pairs on couplers, singles anywhere.

The two-copy circuit couples qubit a_i only to b_i, so each pair needs one coupler and the
pairs must be disjoint: a *matching* of the device graph. The largest n a device hosts is the
size of a maximum matching (computed with networkx), e.g. 49 pairs on willow_pink: its 105
qubits split into a checkerboard of 56 and 49, every coupler joins the two colours, so no
matching is larger than 49. Single-copy qubits need no couplers, so any n ≤ #qubits fit.

Among the many valid placements, the pairs of a maximum matching with the lowest calibrated
two-qubit error are used first, and singles go on the qubits with the lowest calibrated
readout error; both orders are deterministic.

The dynamics circuits interact along a *chain* (single-copy brickwork) or a *comb* (two-copy:
the system chain plus one memory partner per system qubit); such a group goes on a chain or
comb of the device found by :mod:`qmemlearn.hardware.chain`.
"""

from __future__ import annotations

import functools
from typing import Sequence

import cirq
import networkx as nx

from qmemlearn.hardware.devices import GoogleProcessor


class PlacementError(ValueError):
    """The circuit does not fit on the device."""


@functools.lru_cache(maxsize=None)
def _maximum_matching(processor: GoogleProcessor) -> tuple[tuple[cirq.GridQubit, cirq.GridQubit], ...]:
    matching = nx.max_weight_matching(processor.graph, maxcardinality=True)
    pairs = [tuple(sorted(edge)) for edge in matching]
    return tuple(sorted(pairs, key=lambda pair: (processor.two_qubit_error(pair), pair)))


def max_pairs(processor: GoogleProcessor) -> int:
    """The largest number of disjoint copy pairs on couplers (a maximum matching's size)."""
    return len(_maximum_matching(processor))


def _check_count(name: str, n: int, largest: int, what: str, processor: GoogleProcessor) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{name}={n!r} must be an int >= 0")
    if n > largest:
        raise PlacementError(
            f"{name}={n} does not fit on {processor.processor_id}: it hosts at most {largest} {what}"
        )


def pair_layout(processor: GoogleProcessor, n: int) -> tuple[tuple[cirq.GridQubit, cirq.GridQubit], ...]:
    """n disjoint coupler pairs (a_i, b_i), lowest calibrated two-qubit error first.

    Raises:
        PlacementError: If the device cannot host n pairs; the message gives the largest n.
    """
    _check_count("n", n, max_pairs(processor), "disjoint copy pairs on adjacent qubits", processor)
    return _maximum_matching(processor)[:n]


def single_layout(
    processor: GoogleProcessor, n: int, *, exclude: Sequence[cirq.GridQubit] = ()
) -> tuple[cirq.GridQubit, ...]:
    """n device qubits not in ``exclude``, lowest calibrated readout error first.

    Raises:
        PlacementError: If fewer than n qubits remain; the message gives how many do.
    """
    excluded = set(exclude)
    free = [q for q in processor.qubits if q not in excluded]
    _check_count("n", n, len(free), "single qubits" + (" besides the pairs" if excluded else ""), processor)
    return tuple(sorted(free, key=lambda q: (processor.readout_error(q), q))[:n])


def _logical_clusters(circuit: cirq.AbstractCircuit) -> list[list[cirq.Qid]]:
    """Groups of logical qubits joined by multi-qubit non-measurement operations."""
    graph = nx.Graph()
    graph.add_nodes_from(circuit.all_qubits())
    for op in circuit.all_operations():
        if len(op.qubits) > 1 and not cirq.is_measurement(op):
            nx.add_path(graph, op.qubits)
    return sorted((sorted(group) for group in nx.connected_components(graph)), key=lambda g: g[0])


def _path_order(graph: nx.Graph, nodes: Sequence[cirq.Qid]) -> list[cirq.Qid] | None:
    """The nodes in path order from the smaller end, if they induce a simple path."""
    sub = graph.subgraph(nodes)
    if len(nodes) == 1:
        return list(nodes)
    if not nx.is_connected(sub) or sub.number_of_edges() != len(nodes) - 1 or max(d for _, d in sub.degree) > 2:
        return None
    start = min(q for q, d in sub.degree if d == 1)
    return list(nx.dfs_preorder_nodes(sub, start))


def _chain_shape(graph: nx.Graph) -> tuple[list[cirq.Qid], list[cirq.Qid] | None] | None:
    """``(spine, None)`` for a path, ``(spine, leaves)`` for a comb (leaf i hangs off spine i)."""
    nodes = sorted(graph)
    path = _path_order(graph, nodes)
    if path is not None:
        return path, None
    leaves = [q for q in nodes if graph.degree(q) == 1]
    spine_nodes = [q for q in nodes if graph.degree(q) > 1]
    spine = _path_order(graph, spine_nodes)
    if spine is None or len(leaves) != len(spine):
        return None
    leaf_of = {}
    for leaf in leaves:
        (stem,) = graph[leaf]
        if stem in leaf_of or stem not in spine:
            return None
        leaf_of[stem] = leaf
    if len(leaf_of) != len(spine):
        return None
    return spine, [leaf_of[q] for q in spine]


def _interaction_graph(circuit: cirq.AbstractCircuit, group: Sequence[cirq.Qid]) -> nx.Graph:
    members = set(group)
    graph = nx.Graph()
    graph.add_nodes_from(group)
    for op in circuit.all_operations():
        if len(op.qubits) > 1 and not cirq.is_measurement(op) and set(op.qubits) <= members:
            nx.add_path(graph, op.qubits)
    return graph


def _place_chain(
    circuit: cirq.AbstractCircuit, group: list[cirq.Qid], others: list[list[cirq.Qid]], processor: GoogleProcessor
) -> dict[cirq.Qid, cirq.GridQubit]:
    from qmemlearn.hardware.chain import chain_layout

    shape = _chain_shape(_interaction_graph(circuit, group))
    if shape is None:
        raise PlacementError(
            f"qubits {group} interact as a group of {len(group)} that is neither a chain nor a comb "
            "(chain plus one partner per chain qubit); placement handles copy pairs, chains, combs "
            "and single qubits"
        )
    if any(len(g) > 1 for g in others):
        raise PlacementError(
            f"qubits {group} form a chain and other qubits form further groups; a chain is placed "
            "only together with single qubits"
        )
    spine, leaves = shape
    chain, teeth = chain_layout(processor, len(spine), partners=leaves is not None)
    qubit_map = dict(zip(spine, chain))
    if leaves is not None:
        qubit_map.update(zip(leaves, teeth))
    singles = single_layout(processor, len(others), exclude=list(qubit_map.values()))
    qubit_map.update(zip((g[0] for g in others), singles))
    return qubit_map


def place(
    circuit: cirq.AbstractCircuit, processor: GoogleProcessor
) -> tuple[cirq.Circuit, dict[cirq.Qid, cirq.GridQubit]]:
    """Maps a logical learning circuit onto device qubits.

    Qubits joined by a two-qubit gate (a copy pair) go on the two ends of one coupler, the
    smaller logical qubit (copy A) on the smaller device qubit; qubits without two-qubit gates
    go on any free qubits. A larger group that interacts along a chain or a comb (the
    dynamics circuits) goes on a device chain or comb, its spine from the end with the
    smaller logical qubit. Only qubits and couplers the device has are used.

    Args:
        circuit: The logical circuit, e.g. ``TwoCopyProtocol().circuit(source)``.
        processor: The target processor.

    Returns:
        The placed circuit (``circuit.transform_qubits(qubit_map)``) and the qubit map
        logical qubit -> ``cirq.GridQubit``.

    Raises:
        PlacementError: If a group of more than two interacting qubits is not a chain or a
            comb, or comes with other groups, or the device cannot host the pairs, chain or
            singles; the message gives the largest number it hosts.
    """
    clusters = _logical_clusters(circuit)
    big = [group for group in clusters if len(group) > 2]
    if len(big) > 1:
        raise PlacementError(
            f"qubits {big[0]} and {big[1]} form two groups of more than two interacting qubits; "
            "placement handles one chain or comb"
        )
    if big:
        qubit_map = _place_chain(circuit, big[0], [g for g in clusters if g is not big[0]], processor)
        return cirq.Circuit(circuit).transform_qubits(qubit_map), qubit_map
    pairs = [group for group in clusters if len(group) == 2]
    singles = [group[0] for group in clusters if len(group) == 1]
    device_pairs = pair_layout(processor, len(pairs))
    used = [q for pair in device_pairs for q in pair]
    device_singles = single_layout(processor, len(singles), exclude=used)
    qubit_map: dict[cirq.Qid, cirq.GridQubit] = {}
    for logical, physical in zip(pairs, device_pairs):
        qubit_map.update(zip(logical, physical))
    qubit_map.update(zip(singles, device_singles))
    return cirq.Circuit(circuit).transform_qubits(qubit_map), qubit_map


def largest_n(processor: GoogleProcessor, protocol: str, *, chain: bool = False) -> int:
    """The largest n the device hosts for a protocol's circuit.

    Args:
        processor: The target processor.
        protocol: ``"single-copy"`` or ``"two-copy"``.
        chain: True for the dynamics circuits (system qubits on a chain; two-copy: a comb),
            False for the learning circuits (singles; two-copy: disjoint coupler pairs).

    Raises:
        ValueError: If ``protocol`` is unknown.
    """
    from qmemlearn.hardware.chain import max_chain_length

    if protocol not in ("single-copy", "two-copy"):
        raise ValueError(f"protocol={protocol!r} must be 'single-copy' or 'two-copy'")
    if chain:
        return max_chain_length(processor, partners=protocol == "two-copy")
    return max_pairs(processor) if protocol == "two-copy" else len(processor.qubits)
