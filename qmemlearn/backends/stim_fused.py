"""Fused cirq → stim conversion: one stimcirq call per distinct gate, one stim instruction per gate kind.

A parameterized noisy circuit is cut once into *moments of groups* (:func:`build_moments`): the
operations of a moment that share a gate, up to the names of their symbols, form one group
holding their qubits and symbol indices as integer arrays. Converting the circuit for one
assignment of the symbols (:func:`assemble`) then costs, per group, one ``np.unique`` over its
value rows and one ``stim.Circuit.append`` per stim instruction of each distinct resolved gate,
whose stimcirq conversion on qubits ``0..k-1`` is memoized (:func:`gate_fragment`). Operations
of a moment act on disjoint qubits, so regrouping them is exact; operations that produce
measurements, or whose conversion cannot be re-targeted, are converted one by one
(``stimcirq`` with the circuit's qubit indices) in their original order, so the measurement
record is unchanged.

Uniform Pauli coins (``X_ERROR(0.5)`` and its Y/Z siblings, e.g. the parity mixture of a
source's mixture form) are returned as frame locations instead of instructions: stim samples
an error channel one event at a time, which at p = 1/2 costs ~50 ns per qubit and shot,
while the caller draws the same independent fair coins bit-packed with numpy
(:mod:`qmemlearn.backends.stim_frames`).
"""

from __future__ import annotations

import collections
import dataclasses
import re
from typing import Any, Callable, Mapping, Sequence

import cirq
import numpy as np
import sympy

NOT_STIM_HINT = (
    "stim simulates only Clifford gates and Pauli channels; use backend='fast' for circuits of "
    "small independent clusters, 'qsim' for entangled circuits up to ~30 qubits, or "
    "'density-matrix' for small exact references"
)
#: Pauli channels at p = 1/2 are fair coins: name -> Pauli code (X=1, Y=2, Z=3).
COIN_ERRORS = {"X_ERROR": 1, "Y_ERROR": 2, "Z_ERROR": 3}
_SLOT = "__stim_slot_{}"
_MAX_FRAGMENTS = 1024
_MISSING = object()
#: (resolved gate, tags, arity) -> stim instructions on local qubits, or None (not re-targetable).
_FRAGMENTS: collections.OrderedDict = collections.OrderedDict()


class NotStimCompatibleError(ValueError):
    """The circuit has an operation that stim cannot simulate exactly."""


def refusal(op: cirq.Operation) -> NotStimCompatibleError:
    """The error naming ``op`` and the backends that simulate it."""
    return NotStimCompatibleError(
        f"operation {op!r} is not a Clifford gate or a Pauli channel (stim cannot simulate it "
        f"exactly); {NOT_STIM_HINT}"
    )


def convert_op(op: cirq.Operation, qubit_index: Mapping[cirq.Qid, int], *, named: cirq.Operation | None = None):
    """stimcirq's conversion of one resolved operation, without TICK / QUBIT_COORDS.

    Raises:
        NotStimCompatibleError: Naming ``named`` (default ``op``) if stimcirq cannot convert it.
    """
    import stim
    import stimcirq

    try:
        converted = stimcirq.cirq_circuit_to_stim_circuit(cirq.Circuit(cirq.Moment(op)), qubit_to_index_dict=qubit_index)
    except (TypeError, NotImplementedError, ValueError) as error:
        raise refusal(named if named is not None else op) from error
    out = stim.Circuit()
    for item in converted:
        if not (isinstance(item, stim.CircuitInstruction) and item.name in ("TICK", "QUBIT_COORDS")):
            out.append(item)
    return out


def gate_fragment(gate: cirq.Gate, tags: tuple, arity: int, named: Callable[[], cirq.Operation]) -> tuple | None:
    """Stim instructions ``(name, args, tag, local targets)`` of ``gate`` on qubits 0..arity-1.

    Memoized per (gate, tags, arity). None if the conversion measures or has a target that is
    not a plain qubit (then the operation is converted on its own, see :func:`assemble`).
    ``named()`` is the operation a refusal names (built only on error).
    """
    key = (gate, tags, arity)
    try:
        hit = _FRAGMENTS.get(key, _MISSING)
    except TypeError:  # an unhashable gate
        return None
    if hit is not _MISSING:
        return hit
    local = cirq.LineQubit.range(arity)
    try:
        converted = convert_op(gate.on(*local).with_tags(*tags), {q: i for i, q in enumerate(local)})
    except NotStimCompatibleError as error:
        raise refusal(named()) from error.__cause__
    fragment: list | None = []
    if converted.num_measurements:
        fragment = None
    else:
        for item in converted:
            targets = item.targets_copy() if hasattr(item, "targets_copy") else None
            if targets is None or any(not t.is_qubit_target or t.is_inverted_result_target for t in targets):
                fragment = None
                break
            fragment.append((item.name, tuple(item.gate_args_copy()), item.tag, np.array([t.value for t in targets], dtype=np.int64)))
    hit = tuple(fragment) if fragment is not None else None
    _FRAGMENTS[key] = hit
    if len(_FRAGMENTS) > _MAX_FRAGMENTS:
        _FRAGMENTS.popitem(last=False)
    return hit


@dataclasses.dataclass
class Group:
    """Operations of one moment with the same gate up to symbol names.

    ``template`` is the gate with its symbols renamed to slots; ``qubits[o]`` are the stim
    indices of operation o and ``symbols[o, s]`` the index of its slot-s symbol in the
    structural value vector.
    """

    template: Any
    tags: tuple
    slots: tuple[str, ...]
    qubits: np.ndarray
    symbols: np.ndarray
    example: cirq.Operation


@dataclasses.dataclass
class Moment:
    """A moment cut into groups, operations converted one by one, and frames injected after it."""

    groups: list[Group]
    singles: list[tuple[cirq.Operation, np.ndarray]]  # (operation, its symbol indices), in order
    frames: list[tuple[int, int, str]]  # (stim qubit, Pauli code, frame symbol) after the moment


def build_moments(
    moments: Sequence[cirq.Moment],
    qubit_index: Mapping[cirq.Qid, int],
    structural: Sequence[str],
    frame_of: Callable[[cirq.Operation], tuple[str, int] | None],
) -> list[Moment]:
    """Groups the operations of each moment; ``frame_of(op)`` gives (symbol, code) of a frame op."""
    position = {name: k for k, name in enumerate(structural)}
    out = []
    for moment in moments:
        buckets: dict = {}
        singles, frames = [], []
        for op in moment:
            frame = frame_of(op)
            if frame is not None:
                frames.append((qubit_index[op.qubits[0]], frame[1], frame[0]))
                continue
            names = sorted(cirq.parameter_names(op))
            indices = np.array([position[name] for name in names], dtype=np.int64)
            gate = op.gate
            if cirq.is_measurement(op) or gate is None:
                singles.append((op, indices))
                continue
            slots = tuple(_SLOT.format(k) for k in range(len(names)))
            template = cirq.resolve_parameters(gate, dict(zip(names, [sympy.Symbol(s) for s in slots]))) if names else gate
            try:
                key = (template, op.tags, len(op.qubits))
                hash(key)
            except TypeError:
                singles.append((op, indices))
                continue
            bucket = buckets.setdefault(key, (op, slots, [], []))
            bucket[2].append([qubit_index[q] for q in op.qubits])
            bucket[3].append(indices)
        groups = [
            Group(key[0], key[1], slots, np.array(qs, dtype=np.int64), np.array(ss, dtype=np.int64).reshape(len(qs), len(slots)), example)
            for key, (example, slots, qs, ss) in buckets.items()
        ]
        out.append(Moment(groups, singles, frames))
    return out


_SAFE_TAG = re.compile(r"^[A-Za-z0-9_.:=,+\-]*$")


class _Piece:
    """A stim circuit under construction: instructions as text (stim parses 2000 targets in
    ~30 µs; ``Circuit.append`` with a list of them takes ~50 µs per target), circuits as is."""

    def __init__(self) -> None:
        self.items: list = []
        self.empty = True

    def instruction(self, name: str, targets: np.ndarray, args: tuple, tag: str) -> None:
        import stim

        self.empty = False
        if tag and not _SAFE_TAG.match(tag):
            block = stim.Circuit()
            block.append(name, targets.tolist(), args, tag=tag)
            self.items.append(block)
            return
        head = name + (f"[{tag}]" if tag else "") + ("(" + ",".join(repr(float(a)) for a in args) + ")" if args else "")
        self.items.append(head + " " + " ".join(map(str, targets.tolist())))

    def add(self, circuit) -> None:
        self.empty = self.empty and len(circuit) == 0
        self.items.append(circuit)

    def circuit(self):
        import stim

        out, lines = stim.Circuit(), []
        for item in self.items + [None]:
            if isinstance(item, str):
                lines.append(item)
                continue
            if lines:
                out += stim.Circuit("\n".join(lines))
                lines = []
            if item is not None:
                out += item
        return out


@dataclasses.dataclass
class Assembled:
    """A converted circuit cut at frame locations.

    ``pieces[k]`` runs before the frames of cut k: ``cut[j]``, ``qubit[j]``, ``code[j]`` and
    ``symbol[j]`` (None for a fair coin) describe frame location j.
    """

    pieces: list
    cut: np.ndarray
    qubit: np.ndarray
    code: np.ndarray
    symbol: list


def assemble(moments: Sequence[Moment], values: np.ndarray, qubit_index: Mapping[cirq.Qid, int], memo: dict) -> Assembled:
    """The stim circuit of ``moments`` for structural values ``values``, cut at frames and coins.

    ``memo`` caches the conversions of operations converted one by one, per (position, values).
    """
    pieces: list[_Piece] = [_Piece()]
    cut: list[int] = []
    qubit: list[int] = []
    code: list[int] = []
    symbol: list[str | None] = []
    by_index: dict[int, cirq.Qid] = {}

    def add_locations(targets: Sequence[int], codes: Sequence[int], names: Sequence[str | None]) -> None:
        if not (pieces[-1].empty and cut and cut[-1] == len(pieces) - 2):
            pieces.append(_Piece())  # frames go after the current piece
        cut.extend([len(pieces) - 2] * len(targets))
        qubit.extend(int(t) for t in targets)
        code.extend(int(c) for c in codes)
        symbol.extend(names)

    for m, moment in enumerate(moments):
        for group in moment.groups:
            arity = group.qubits.shape[1]
            if group.slots:
                distinct, which = np.unique(values[group.symbols], axis=0, return_inverse=True)
                which = which.reshape(-1)
            else:
                distinct, which = np.zeros((1, 0)), np.zeros(len(group.qubits), dtype=np.int64)
            for d, row in enumerate(distinct):
                gate = cirq.resolve_parameters(group.template, dict(zip(group.slots, row.tolist()))) if group.slots else group.template
                chosen = group.qubits if len(distinct) == 1 else group.qubits[which == d]
                fragment = gate_fragment(gate, group.tags, arity, lambda: gate.on(*group.example.qubits).with_tags(*group.tags))
                if fragment is None:  # not re-targetable: each operation on its own
                    by_index = by_index or {i: q for q, i in qubit_index.items()}
                    for qs in chosen:
                        op = gate.on(*[by_index[int(i)] for i in qs]).with_tags(*group.tags)
                        pieces[-1].add(convert_op(op, qubit_index))
                    continue
                for name, args, tag, local in fragment:
                    targets = chosen[:, local].reshape(-1)
                    if name in COIN_ERRORS and args == (0.5,):
                        add_locations(targets, [COIN_ERRORS[name]] * len(targets), [None] * len(targets))
                    else:
                        pieces[-1].instruction(name, targets, args, tag)
        for s, (op, indices) in enumerate(moment.singles):
            row = tuple(values[indices].tolist())
            converted = memo.get((m, s, row))
            if converted is None:
                names = sorted(cirq.parameter_names(op))
                resolved = cirq.resolve_parameters(op, dict(zip(names, row))) if names else op
                converted = memo[(m, s, row)] = convert_op(resolved, qubit_index)
            pieces[-1].add(converted)
        if moment.frames:
            add_locations([q for q, _, _ in moment.frames], [c for _, c, _ in moment.frames], [s for _, _, s in moment.frames])
    return Assembled([p.circuit() for p in pieces], np.array(cut, dtype=np.int64), np.array(qubit, dtype=np.int64), np.array(code, dtype=np.int64), symbol)
