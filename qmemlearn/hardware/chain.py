"""Chains and combs on a device graph: where the dynamics circuits go.

The single-copy dynamics circuit is a 1D brickwork on n system qubits: it needs a *chain*
(a simple path s_0 - s_1 - ... - s_{n-1} of couplers). The two-copy circuit also couples
each system qubit s_i to its memory partner m_i (Bell pair, SWAP, un-Bell), so it needs a
*comb*: a chain plus one distinct neighbour m_i of each s_i, off the chain.

Finding the longest comb is a hard search in general; the graphs here are small (at most 105
qubits), and a depth-first search over chains finds combs that meet or nearly meet a
simple bound. The search extends the chain one qubit at a time, keeps a matching of chain
qubits to free neighbours (augmenting paths, so a partner can move when the chain grows
over it), prefers the qubit with the fewest free neighbours (Warnsdorff's rule: hug the
boundary, leave the bulk connected), and prunes with the *colour bound*: the grids are
bipartite (checkerboard) and each (s_i, m_i) uses one qubit of each colour, so a comb has
at most as many teeth as the rarer colour has unused qubits. The search has a fixed node
budget (deterministic: no timing), so :func:`max_chain_length` is the longest found, which
:func:`chain_upper_bound` bounds from above. On the three bundled processors the search
reaches the bound, so these are the largest n (checked in the tests):

=============  ==========================  ====================================
processor      chain (single-copy)         comb (two-copy: chain + partners)
=============  ==========================  ====================================
``rainbow``    17 of 23 qubits             8 system qubits (16 qubits)
``weber``      49 of 53                    24 (48 qubits)
``willow_pink`` 99 of 105                  49 (98 qubits)
=============  ==========================  ====================================
"""

from __future__ import annotations

import functools
from typing import Sequence

import cirq
import networkx as nx

from qmemlearn.hardware.devices import GoogleProcessor

#: Chain extensions tried per start qubit set, in total (deterministic budget).
SEARCH_BUDGET = 200_000


def _colour(q: cirq.GridQubit) -> int:
    return (q.row + q.col) % 2


class _Search:
    """Depth-first search for the longest chain (with partners if ``teeth``)."""

    def __init__(self, graph: nx.Graph, teeth: bool, target: int, budget: int) -> None:
        self.graph = graph
        self.teeth = teeth
        self.target = target
        self.budget = budget
        self.neighbours = {q: sorted(graph[q]) for q in sorted(graph)}
        self.best: tuple[list[cirq.GridQubit], dict[cirq.GridQubit, cirq.GridQubit]] = ([], {})

    def _augment(self, x, on_path, owner, partner, visited) -> bool:
        for w in self.neighbours[x]:
            if w in on_path or w in visited:
                continue
            visited.add(w)
            if w not in owner or self._augment(owner[w], on_path, owner, partner, visited):
                owner[w] = x
                partner[x] = w
                return True
        return False

    def _bound(self, path_length: int, on_path: set, owner: dict) -> int:
        unused = [0, 0]
        for q in self.neighbours:
            if q not in on_path and q not in owner:
                unused[_colour(q)] += 1
        if self.teeth:
            return path_length + min(unused)
        return path_length + sum(unused)

    def _add(self, v, path, on_path, owner, partner) -> tuple[dict, dict] | None:
        """The partner matching after appending v, or None if it cannot be kept."""
        owner, partner = dict(owner), dict(partner)
        on_path = on_path | {v}
        if not self.teeth:
            return owner, partner
        displaced = owner.pop(v, None)
        if displaced is not None:
            del partner[displaced]
            if not self._augment(displaced, on_path, owner, partner, set()):
                return None
        if not self._augment(v, on_path, owner, partner, set()):
            return None
        return owner, partner

    def _free_degree(self, q, on_path) -> int:
        return sum(w not in on_path for w in self.neighbours[q])

    def run(self, starts: Sequence[cirq.GridQubit]) -> None:
        for start in starts:
            if len(self.best[0]) >= self.target or self.budget <= 0:
                return
            state = self._add(start, [], set(), {}, {})
            if state is not None:
                self._extend([start], {start}, *state)

    def _extend(self, path, on_path, owner, partner) -> None:
        if len(path) > len(self.best[0]):
            self.best = (list(path), dict(partner))
        if len(self.best[0]) >= self.target or self.budget <= 0:
            return
        if self._bound(len(path), on_path, owner) <= len(self.best[0]):
            return
        end = path[-1]
        candidates = [w for w in self.neighbours[end] if w not in on_path]
        candidates.sort(key=lambda w: (self._free_degree(w, on_path), w))
        for w in candidates:
            self.budget -= 1
            if self.budget <= 0:
                return
            state = self._add(w, path, on_path, owner, partner)
            if state is None:
                continue
            path.append(w)
            on_path.add(w)
            self._extend(path, on_path, *state)
            path.pop()
            on_path.discard(w)
            if len(self.best[0]) >= self.target:
                return


def chain_upper_bound(processor: GoogleProcessor, *, partners: bool) -> int:
    """The colour bound on the chain length (every coupler joins the two checkerboard colours).

    A chain alternates colours, so it has at most ``2·r + 1`` qubits, r the count of the rarer
    colour; with partners each (s_i, m_i) takes one qubit of each colour, so n <= r.
    """
    qubits = processor.qubits
    rarer = min(sum(_colour(q) == c for q in qubits) for c in (0, 1))
    return rarer if partners else min(len(qubits), 2 * rarer + 1)


@functools.lru_cache(maxsize=None)
def longest_chain(
    processor: GoogleProcessor, *, partners: bool
) -> tuple[tuple[cirq.GridQubit, ...], tuple[cirq.GridQubit, ...]]:
    """The longest chain (and, with ``partners``, one off-chain neighbour per chain qubit) found.

    Returns:
        ``(chain, partners)``: the chain qubits in order, and ``partners[i]`` adjacent to
        ``chain[i]`` (empty without ``partners``). Every prefix is again a valid chain.
    """
    graph = processor.graph
    starts = sorted(graph, key=lambda q: (graph.degree(q), q))
    search = _Search(graph, partners, chain_upper_bound(processor, partners=partners), SEARCH_BUDGET)
    search.run(starts)
    path, partner = search.best
    return tuple(path), tuple(partner[q] for q in path) if partners else ()


def max_chain_length(processor: GoogleProcessor, *, partners: bool) -> int:
    """The largest n the search places (see :func:`longest_chain`)."""
    return len(longest_chain(processor, partners=partners)[0])


def chain_layout(
    processor: GoogleProcessor, n: int, *, partners: bool
) -> tuple[tuple[cirq.GridQubit, ...], tuple[cirq.GridQubit, ...]]:
    """n chain qubits (and their partners) on the device.

    Raises:
        PlacementError: If the device hosts no such chain of n qubits; the message gives the
            largest n it hosts.
    """
    from qmemlearn.hardware.placement import PlacementError

    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n={n!r} must be an int >= 0")
    chain, teeth = longest_chain(processor, partners=partners)
    if n > len(chain):
        what = "system qubits on a chain, each with a memory partner beside it" if partners else "qubits on a chain"
        raise PlacementError(
            f"n={n} does not fit on {processor.processor_id}: it hosts at most {len(chain)} {what} "
            f"(upper bound {chain_upper_bound(processor, partners=partners)})"
        )
    return chain[:n], teeth[:n]
