"""A ``cirq.Sampler`` on stim, for Clifford circuits with Pauli noise at thousands of qubits.

Per-shot sweeps are the canonical circuit form (DESIGN §4), and stim has no per-shot
parameters. This sampler splits the symbols of a circuit into two kinds:

* **frame symbols**: the bare exponent of a Pauli gate (``cirq.X(q) ** sympy.Symbol("f")``)
  whose values are integers. ``X**f`` is the identity or a Pauli, so the shots differ only by
  a Pauli frame at the gate's position: exact, with any Pauli noise before or after it (Pauli
  channels commute with Paulis up to a phase);
* **structural symbols**: everything else (e.g. the basis rotation of a Pauli-mixed state).
  Shots are grouped by their structural values, and each distinct resolved circuit is
  converted to stim ONCE, moment by moment with fused instructions and one stimcirq call per
  distinct gate (:mod:`qmemlearn.backends.stim_fused`), so a new instance of a 2000-qubit
  circuit costs a few ``np.unique`` and ``stim.Circuit.append`` calls per moment.

A converted circuit is sampled on ``stim.FlipSimulator`` against stim's reference sample,
which is how ``compile_sampler`` works, but bit-packed end to end (``compile_sampler().sample``
costs ~20x more per shot at 2000 qubits). Frames, and the fair coins of ``X_ERROR(0.5)``
(the parity mixture of a source's mixture form, see
:meth:`qmemlearn.sources.PauliMixedState.mixture_circuit`), are added by linear propagation
(:mod:`qmemlearn.backends.stim_frames`). Noise is ``circuit.with_noise(model)`` on the
parameterized circuit, as on every backend. Symmetric readout error (``p01 == p10``) is a bit
flip; anything that is not a Clifford gate or a Pauli channel raises a ValueError naming the
operation and a backend that simulates it.

Seeds: each group of shots draws one 62-bit seed per chunk of at most
``_MAX_SHOTS_PER_SIMULATION`` shots from the sampler's generator (or from the segment's, see
:func:`qmemlearn.backends.sweeps.sample_bits`); that seed drives stim and the numpy coins, so
one seed fixes every bit, and a segment's bits equal those of a sampler seeded with its
generator, whatever else is in the call.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Mapping, Sequence

import cirq
import numpy as np
import sympy

from qmemlearn.backends import stim_frames
from qmemlearn.backends.grouping import group_rows
from qmemlearn.backends.stim_fused import NOT_STIM_HINT, NotStimCompatibleError, assemble, build_moments
from qmemlearn.backends.sweeps import Segments, sweep_to_columns, validate_columns, validate_segments
from qmemlearn.noise import ReadoutErrorChannel

__all__ = ["NOT_STIM_HINT", "NotStimCompatibleError", "StimSampler", "stim_incompatibility"]

_PAULI_POW_GATES = {cirq.XPowGate: 1, cirq.YPowGate: 2, cirq.ZPowGate: 3}
_MAX_SHOTS_PER_SIMULATION = 1 << 16
_MAX_CACHED_CIRCUITS = 64
_MAX_CACHED_PLANS = 16
#: (locations, batch) pairs that take the direct-injection path whatever their sizes (tests only).
_FORCED_DIRECT: set = set()
#: (id of the circuit, repr of the noise model) -> (circuit, frozen, frame candidates, plans).
_PLANS: collections.OrderedDict = collections.OrderedDict()


def _pauli_frame_symbol(op: cirq.Operation) -> tuple[str, int] | None:
    """(symbol name, Pauli code) if ``op`` is ``P**symbol`` for a Pauli P; else None."""
    gate = op.gate
    code = _PAULI_POW_GATES.get(type(gate))
    if code is None or gate.global_shift != 0 or not isinstance(gate.exponent, sympy.Symbol) or op.tags:
        return None
    return str(gate.exponent), code


def _is_constant(values: np.ndarray) -> bool:
    """True for a zero-stride broadcast (e.g. a source's constant settings), without reading it."""
    return values.ndim == 1 and (values.strides[0] == 0 or len(values) <= 1)


def _stim_friendly(op: cirq.Operation) -> cirq.Operation:
    """Symmetric readout error is exactly a bit flip; other operations are unchanged."""
    if isinstance(op.gate, ReadoutErrorChannel) and op.gate.p01 == op.gate.p10:
        return cirq.bit_flip(op.gate.p01).on(*op.qubits)
    return op


@dataclasses.dataclass
class _Plan:
    """A parameterized noisy circuit, cut into fused moments (see :mod:`stim_fused`)."""

    qubit_index: dict  # qubit -> stim index
    moments: list  # stim_fused.Moment per noisy moment
    structural: tuple[str, ...]  # structural symbol names, in a fixed order
    key_ranges: dict[str, list[tuple[int, int]]]  # key -> (start, stop) per measurement instance
    num_measurements: int
    memo: dict = dataclasses.field(default_factory=dict)  # operations converted one by one
    compiled: collections.OrderedDict = dataclasses.field(default_factory=collections.OrderedDict)


@dataclasses.dataclass
class _Compiled:
    """One resolved circuit: frame-free stim circuit, reference sample, frame locations."""

    circuit: object  # stim.Circuit
    reference: np.ndarray  # bool [measurements]
    assembled: object  # stim_fused.Assembled
    coins: np.ndarray  # location indices of fair coins
    sweep: list[tuple[int, str]]  # (location, frame symbol)
    propagation: collections.OrderedDict = dataclasses.field(default_factory=collections.OrderedDict)

    def frame_map(self, active: np.ndarray, num_qubits: int) -> tuple[np.ndarray, np.ndarray]:
        """Sparse F for the active locations (cached per active set)."""
        key = active.tobytes()
        hit = self.propagation.get(key)
        if hit is None:
            a = self.assembled
            hit = stim_frames.propagate(a.pieces, a.cut[active], a.qubit[active], a.code[active], num_qubits)
            self.propagation[key] = hit
            if len(self.propagation) > 8:
                self.propagation.popitem(last=False)
        return hit


class StimSampler(cirq.Sampler):
    """Exact sampler for Clifford circuits with Pauli noise, on stim.

    Args:
        noise: A ``cirq.NoiseModel`` applied with ``circuit.with_noise``. Defaults to None.
        seed: Seed of the sampler's randomness (int or ``np.random.Generator``). Defaults to None.

    Example:
        >>> q = cirq.LineQubit.range(2)
        >>> c = cirq.Circuit(cirq.H(q[0]), cirq.CNOT(*q), cirq.measure(*q, key="m"))
        >>> bits = StimSampler(seed=1).run(c, repetitions=5).measurements["m"]
        >>> bool((bits[:, 0] == bits[:, 1]).all())
        True
    """

    def __init__(self, *, noise: cirq.NoiseModel | None = None, seed: int | np.random.Generator | None = None) -> None:
        self._noise = noise
        self._rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    # ----- cirq.Sampler -------------------------------------------------------------------
    def run_sweep(self, program: cirq.AbstractCircuit, params: cirq.Sweepable, repetitions: int = 1) -> Sequence[cirq.Result]:
        if isinstance(repetitions, bool) or not isinstance(repetitions, (int, np.integer)) or repetitions < 0:
            raise ValueError(f"repetitions={repetitions!r} must be an int >= 0")
        resolvers = list(cirq.to_resolvers(params))
        columns = sweep_to_columns(resolvers) if cirq.is_parameterized(program) else {}
        points = len(resolvers)
        repeated = {name: np.repeat(values, repetitions) for name, values in columns.items()}
        plan, frames = self._plan(program, repeated)
        bits = self._sample(plan, repeated, frames, [(0, points * repetitions, self._rng)])
        results = []
        for t, resolver in enumerate(resolvers):
            rows = bits[t * repetitions : (t + 1) * repetitions]
            records = {
                key: np.stack([rows[:, a:b] for a, b in ranges], axis=1) for key, ranges in plan.key_ranges.items()
            }
            results.append(cirq.ResultDict(params=resolver, records=records))
        return results

    def _sample_columns_(
        self, circuit: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray], *, key: str, segments: Segments | None = None
    ) -> np.ndarray:
        """One shot per sweep point, bits of ``key`` (its last instance); see ``sweeps.sample_bits``.

        With ``segments``, the bits of segment k come from its generator alone: they equal
        ``StimSampler(noise=..., seed=generator_k)`` sampling that segment's points.
        """
        points = validate_columns(columns)
        plan, frames = self._plan(circuit, columns)
        if key not in plan.key_ranges:
            raise ValueError(f"key={key!r} is not a measurement key of the circuit; keys: {sorted(plan.key_ranges)}")
        if segments is None:
            parts = [(0, points, self._rng)]
        else:
            parts, start = [], 0
            for count, rng in validate_segments(segments, points):
                parts.append((start, start + count, rng))
                start += count
        start, stop = plan.key_ranges[key][-1]
        return self._sample(plan, columns, frames, parts)[:, start:stop]

    # ----- planning -----------------------------------------------------------------------
    def _plan(self, program: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray]) -> tuple[_Plan, stim_frames.FrameBits]:
        """The plan of ``program`` (cached by identity, then by value) for these columns."""
        # Plans hold no randomness, so samplers share them (a task makes one sampler per point).
        cache_key = (id(program), repr(self._noise))
        entry = _PLANS.get(cache_key)
        if entry is None or entry[0] is not program:
            frozen = program if isinstance(program, cirq.FrozenCircuit) else cirq.FrozenCircuit(program)
            entry = (program, frozen, self._candidates(frozen), {})
            _PLANS[cache_key] = entry
            if len(_PLANS) > _MAX_CACHED_PLANS:
                _PLANS.popitem(last=False)
        _PLANS.move_to_end(cache_key)
        _, frozen, candidates, plans = entry
        bits = stim_frames.FrameBits(columns, candidates)
        frame_symbols = bits.symbols
        plan = plans.get(frame_symbols)
        if plan is None:
            plan = plans[frame_symbols] = self._build_plan(frozen, frame_symbols)
        missing = set(plan.structural) | {s for moment in plan.moments for _, _, s in moment.frames}
        missing -= set(columns)
        if missing:
            raise ValueError(f"the sweep gives no values for the circuit symbols {sorted(missing)}")
        return plan, bits

    def _noisy(self, program: cirq.FrozenCircuit) -> cirq.Circuit:
        noisy = program.unfreeze().with_noise(self._noise) if self._noise is not None else program.unfreeze()
        return cirq.Circuit(cirq.Moment(_stim_friendly(op) for op in m) for m in noisy)

    def _candidates(self, program: cirq.FrozenCircuit) -> frozenset:
        """Symbols whose every use (after noise) is a bare Pauli exponent."""
        uses: dict[str, bool] = {}
        for op in self._noisy(program).all_operations():
            frame = _pauli_frame_symbol(op)
            for name in cirq.parameter_names(op):
                uses[name] = uses.get(name, True) and frame is not None and frame[0] == name
        return frozenset(name for name, only_frame in uses.items() if only_frame)

    def _build_plan(self, program: cirq.FrozenCircuit, frame_symbols: frozenset) -> _Plan:
        noisy = self._noisy(program)
        symbols = {name for op in noisy.all_operations() for name in cirq.parameter_names(op)}
        qubit_index = {q: i for i, q in enumerate(sorted(noisy.all_qubits()))}
        structural = tuple(sorted(symbols - frame_symbols))

        def frame_of(op: cirq.Operation) -> tuple[str, int] | None:
            frame = _pauli_frame_symbol(op)
            return frame if frame is not None and frame[0] in frame_symbols else None

        moments = build_moments(noisy.moments, qubit_index, structural, frame_of)
        key_ranges: dict[str, list[tuple[int, int]]] = {}
        count = 0
        for moment in moments:  # measurements are converted one by one, in this order
            for op, _ in moment.singles:
                if not cirq.is_measurement(op):
                    continue
                if getattr(op.gate, "confusion_map", None):  # stimcirq would silently ignore it (DESIGN §6)
                    raise NotStimCompatibleError(
                        f"operation {op!r} has a confusion_map, which stim ignores; model readout error "
                        f"as a bit flip before the measurement (noise 'readout:...'), or {NOT_STIM_HINT}"
                    )
                key = cirq.measurement_key_name(op)
                key_ranges.setdefault(key, []).append((count, count + len(op.qubits)))
                count += len(op.qubits)
        return _Plan(qubit_index, moments, structural, key_ranges, count)

    def _compiled(self, plan: _Plan, values: np.ndarray) -> _Compiled:
        """The converted circuit for one assignment of the structural symbols (cached)."""
        cache_key = values.tobytes()
        entry = plan.compiled.get(cache_key)
        if entry is not None:
            plan.compiled.move_to_end(cache_key)
            return entry
        import stim

        assembled = assemble(plan.moments, values, plan.qubit_index, plan.memo)
        whole = stim.Circuit()
        for piece in assembled.pieces:
            whole += piece
        reference = np.asarray(whole.reference_sample(), dtype=np.bool_)[: plan.num_measurements]
        coins = np.array([j for j, s in enumerate(assembled.symbol) if s is None], dtype=np.int64)
        sweep = [(j, s) for j, s in enumerate(assembled.symbol) if s is not None]
        entry = plan.compiled[cache_key] = _Compiled(whole, reference, assembled, coins, sweep)
        if len(plan.compiled) > _MAX_CACHED_CIRCUITS:
            plan.compiled.popitem(last=False)
        return entry

    # ----- sampling -----------------------------------------------------------------------
    def _sample(self, plan: _Plan, columns: Mapping[str, np.ndarray], frames: stim_frames.FrameBits, parts: list) -> np.ndarray:
        """Bits [points, measurements]; ``parts`` are (start, stop, generator) of independent streams."""
        points = parts[-1][1] if parts else 0
        structural = [np.asarray(columns[name]) for name in plan.structural]
        blocks = []  # (rows, bits)
        for start, stop, rng in parts:
            if stop == start:
                continue
            for values, rows in self._groups(structural, start, stop):
                compiled = self._compiled(plan, values)
                for first in range(0, len(rows), _MAX_SHOTS_PER_SIMULATION):
                    chunk = rows[first : first + _MAX_SHOTS_PER_SIMULATION]
                    if chunk[-1] - chunk[0] + 1 == len(chunk):
                        chunk = slice(int(chunk[0]), int(chunk[-1]) + 1)  # contiguous: views, no copies
                    seed = int(rng.integers(2**62))
                    blocks.append((chunk, self._sample_chunk(plan, compiled, frames, chunk, seed)))
        if len(blocks) == 1 and blocks[0][0] == slice(0, points):
            return blocks[0][1]  # one simulation for every point: no copy
        out = np.zeros((points, plan.num_measurements), dtype=np.uint8)
        for rows, bits in blocks:
            out[rows] = bits
        return out

    @staticmethod
    def _groups(structural: list[np.ndarray], start: int, stop: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """(structural values, row indices) per distinct setting of rows start..stop."""
        varying = [k for k, c in enumerate(structural) if not _is_constant(c)]
        values = np.array([float(c[start]) for c in structural])
        if varying and len(varying) * (stop - start) <= stim_frames.STACK_LIMIT:
            table = np.stack([structural[k][start:stop] for k in varying])  # one pass, not one per column
            constant = bool((table == table[:, :1]).all())
        else:
            constant = not any((structural[k][start:stop] != structural[k][start]).any() for k in varying)
        if constant:
            return [(values, np.arange(start, stop))]
        distinct, codes = group_rows([c[start:stop] for c in structural], stop - start)
        return [(np.asarray(row, dtype=float), start + np.flatnonzero(codes == g)) for g, row in enumerate(distinct)]

    @staticmethod
    def _sample_chunk(plan: _Plan, compiled: _Compiled, frames: stim_frames.FrameBits, rows: np.ndarray, seed: int) -> np.ndarray:
        """Bits [len(rows), measurements] of one simulation: reference ⊕ flips ⊕ F·frames."""
        import stim

        shots = len(rows) if not isinstance(rows, slice) else rows.stop - rows.start
        num_qubits = len(plan.qubit_index)
        batch = stim_frames.padded(shots)
        chosen, sweep_bits = frames.packed([name for _, name in compiled.sweep], rows, shots)
        sweep_locations = np.array([compiled.sweep[i][0] for i in chosen], dtype=np.int64)
        active = np.concatenate([compiled.coins, sweep_locations])
        coins = stim_frames.coin_bits(np.random.default_rng(seed), len(compiled.coins), shots)
        simulator = stim.FlipSimulator(batch_size=batch, num_qubits=num_qubits, seed=seed)
        if len(active) and (batch < len(active) or (len(active), batch) in _FORCED_DIRECT):
            # Few shots, many frames: put the frames into the simulator (same bits as propagation).
            bits = np.unpackbits(np.concatenate([coins, sweep_bits]), axis=1, count=batch, bitorder="little").astype(np.bool_)
            stim_frames.inject(simulator, compiled.assembled, active, bits, num_qubits)
            flips = np.ascontiguousarray(simulator.get_measurement_flips(bit_packed=True))
        else:
            simulator.do(compiled.circuit)
            flips = np.ascontiguousarray(simulator.get_measurement_flips(bit_packed=True))
            if len(active):
                m, j = compiled.frame_map(active, num_qubits)
                stim_frames.apply_frames(flips, m, j, np.concatenate([coins, sweep_bits]))
        flips[compiled.reference] ^= np.uint8(0xFF)
        return stim_frames.unpack_transposed(flips, shots)

    def __repr__(self) -> str:
        return f"StimSampler(noise={self._noise!r})"


def stim_incompatibility(circuit: cirq.AbstractCircuit, noise: cirq.NoiseModel | None = None) -> str | None:
    """Why stim cannot run ``circuit`` under ``noise`` exactly, or None if it can.

    Each distinct gate is converted once on fresh qubits. Bare Pauli powers of a symbol are
    per-shot frames and always fine; other parameterized operations must be resolved first
    (their Clifford-ness depends on the values), so they are reported.
    """
    import stimcirq

    noisy = cirq.Circuit(circuit).with_noise(noise) if noise is not None else cirq.Circuit(circuit)
    checked: dict = {}
    for op in noisy.all_operations():
        op = _stim_friendly(op)
        if cirq.is_measurement(op) or _pauli_frame_symbol(op) is not None:
            continue
        if cirq.is_parameterized(op):
            return f"operation {op!r} is parameterized; whether it is Clifford depends on the sweep"
        gate = op.untagged.gate
        try:
            key = (gate, len(op.qubits)) if gate is not None else repr(op.untagged)
            hash(key)
        except TypeError:
            key = repr(op.untagged)
        if key not in checked:
            probe = op.untagged if gate is None else gate.on(*cirq.LineQubit.range(len(op.qubits)))
            try:
                stimcirq.cirq_circuit_to_stim_circuit(cirq.Circuit(probe))
                checked[key] = None
            except (TypeError, NotImplementedError, ValueError):
                checked[key] = f"operation {op!r} is not a Clifford gate or a Pauli channel"
        if checked[key] is not None:
            return checked[key]
    return None
