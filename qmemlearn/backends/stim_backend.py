"""A ``cirq.Sampler`` on stim, for Clifford circuits with Pauli noise at thousands of qubits.

Per-shot sweeps are the canonical circuit form (DESIGN §4), and stim has no per-shot
parameters. This sampler splits the symbols of a circuit into two kinds:

* **frame symbols**: the bare exponent of a Pauli gate (``cirq.X(q) ** sympy.Symbol("f")``)
  whose values are integers. ``X**f`` is the identity or a Pauli, so the shots differ only by
  a Pauli frame. Stim's ``FlipSimulator`` injects it per shot with ``broadcast_pauli_errors``
  at the gate's position: exact, with any Pauli noise before or after it (Pauli channels
  commute with Paulis up to a phase);
* **structural symbols**: everything else (e.g. the basis rotation of a Pauli-mixed state).
  Shots are grouped by their structural values, and each distinct resolved circuit is
  converted to stim ONCE (op by op through ``stimcirq.cirq_circuit_to_stim_circuit``, memoized
  per operation and value, so a new instance of a 2000-qubit circuit costs a dict look-up per
  operation rather than a fresh ``cirq.resolve_parameters`` + conversion).

A group without frame symbols is sampled with ``compile_sampler()`` (e.g. the mixture form
of a source, see :meth:`qmemlearn.sources.PauliMixedState.mixture_circuit`); a group with
frames with ``FlipSimulator`` plus stim's reference sample, which is how ``compile_sampler``
itself works. Noise is ``circuit.with_noise(model)`` on the parameterized circuit, as on every
backend. Symmetric readout error (``p01 == p10``) is a bit flip; anything that is not a
Clifford gate or a Pauli channel raises a ValueError naming the operation and a backend that
simulates it.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any, Mapping, Sequence

import cirq
import numpy as np
import sympy

from qmemlearn.backends.grouping import group_rows
from qmemlearn.backends.sweeps import sweep_to_columns, validate_columns
from qmemlearn.noise import ReadoutErrorChannel

_PAULI_POW_GATES = {cirq.XPowGate: 1, cirq.YPowGate: 2, cirq.ZPowGate: 3}
_MAX_SHOTS_PER_SIMULATION = 1 << 16
_MAX_CACHED_CIRCUITS = 256
_MAX_CACHED_PLANS = 16
#: (id of the circuit, repr of the noise model) -> (circuit, frozen, frame candidates, plans).
_PLANS: collections.OrderedDict = collections.OrderedDict()
NOT_STIM_HINT = (
    "stim simulates only Clifford gates and Pauli channels; use backend='fast' for circuits of "
    "small independent clusters, 'qsim' for entangled circuits up to ~30 qubits, or "
    "'density-matrix' for small exact references"
)


class NotStimCompatibleError(ValueError):
    """The circuit has an operation that stim cannot simulate exactly."""


def _pauli_frame_symbol(op: cirq.Operation) -> tuple[str, int] | None:
    """(symbol name, Pauli code) if ``op`` is ``P**symbol`` for a Pauli P; else None."""
    gate = op.gate
    code = _PAULI_POW_GATES.get(type(gate))
    if code is None or gate.global_shift != 0 or not isinstance(gate.exponent, sympy.Symbol) or op.tags:
        return None
    return str(gate.exponent), code


def _frame_bits(values: np.ndarray) -> np.ndarray | None:
    """The values mod 2 as bools if they are all integers (a Pauli power is then I or P), else None."""
    values = np.asarray(values, dtype=float)
    as_int = values.astype(np.int64)
    if not np.array_equal(as_int, values):
        return None
    return (as_int & 1).astype(np.bool_)


def _stim_friendly(op: cirq.Operation) -> cirq.Operation:
    """Symmetric readout error is exactly a bit flip; other operations are unchanged."""
    if isinstance(op.gate, ReadoutErrorChannel) and op.gate.p01 == op.gate.p10:
        return cirq.bit_flip(op.gate.p01).on(*op.qubits)
    return op


@dataclasses.dataclass
class _Plan:
    """A parameterized noisy circuit, cut where per-shot Pauli frames are injected."""

    qubit_index: dict  # qubit -> stim index
    segments: list[list[tuple[cirq.Operation, tuple[str, ...]]]]  # structural ops per segment
    frames: list[list[tuple[int, int, str]]]  # after segment k: (stim qubit, Pauli code, symbol)
    structural: tuple[str, ...]  # structural symbol names, in a fixed order
    key_ranges: dict[str, list[tuple[int, int]]]  # key -> (start, stop) per measurement instance
    num_measurements: int
    op_text: dict = dataclasses.field(default_factory=dict)  # (segment, op, values) -> stim text
    compiled: collections.OrderedDict = dataclasses.field(default_factory=collections.OrderedDict)


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
        bits = self._sample(plan, repeated, frames, points * repetitions)
        results = []
        for t, resolver in enumerate(resolvers):
            rows = bits[t * repetitions : (t + 1) * repetitions]
            records = {
                key: np.stack([rows[:, a:b] for a, b in ranges], axis=1) for key, ranges in plan.key_ranges.items()
            }
            results.append(cirq.ResultDict(params=resolver, records=records))
        return results

    def _sample_columns_(self, circuit: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray], *, key: str) -> np.ndarray:
        """One shot per sweep point, bits of ``key`` (its last instance); see ``sweeps.sample_bits``."""
        points = validate_columns(columns)
        plan, frames = self._plan(circuit, columns)
        if key not in plan.key_ranges:
            raise ValueError(f"key={key!r} is not a measurement key of the circuit; keys: {sorted(plan.key_ranges)}")
        start, stop = plan.key_ranges[key][-1]
        return self._sample(plan, columns, frames, points)[:, start:stop]

    # ----- planning -----------------------------------------------------------------------
    def _plan(self, program: cirq.AbstractCircuit, columns: Mapping[str, np.ndarray]) -> tuple[_Plan, dict]:
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
        bits = {name: _frame_bits(columns[name]) for name in candidates if name in columns}
        bits = {name: b for name, b in bits.items() if b is not None}
        frame_symbols = frozenset(bits)
        plan = plans.get(frame_symbols)
        if plan is None:
            plan = plans[frame_symbols] = self._build_plan(frozen, frame_symbols)
        missing = set(plan.structural) | {s for frame in plan.frames for _, _, s in frame}
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
        segments: list = [[]]
        frames: list = [[]]
        key_ranges: dict[str, list[tuple[int, int]]] = {}
        count = 0
        for moment in noisy:
            injected = []
            for op in moment:
                frame = _pauli_frame_symbol(op)
                if frame is not None and frame[0] in frame_symbols:
                    injected.append((qubit_index[op.qubits[0]], frame[1], frame[0]))
                    continue
                if cirq.is_measurement(op):
                    if getattr(op.gate, "confusion_map", None):  # stimcirq would silently ignore it (DESIGN §6)
                        raise NotStimCompatibleError(
                            f"operation {op!r} has a confusion_map, which stim ignores; model readout error "
                            f"as a bit flip before the measurement (noise 'readout:...'), or {NOT_STIM_HINT}"
                        )
                    key = cirq.measurement_key_name(op)
                    key_ranges.setdefault(key, []).append((count, count + len(op.qubits)))
                    count += len(op.qubits)
                segments[-1].append((op, tuple(sorted(cirq.parameter_names(op)))))
            if injected:
                frames[-1] = injected
                segments.append([])
                frames.append([])
        structural = tuple(sorted(symbols - frame_symbols))
        return _Plan(qubit_index, segments, frames, structural, key_ranges, count)

    # ----- conversion (memoized per operation and value) ----------------------------------
    @staticmethod
    def _op_stim_text(plan: _Plan, where: tuple[int, int], values: tuple[float, ...]) -> str:
        cache_key = (where, values)
        text = plan.op_text.get(cache_key)
        if text is None:
            op, names = plan.segments[where[0]][where[1]]
            import stimcirq

            resolved = cirq.resolve_parameters(op, dict(zip(names, values))) if names else op
            try:
                converted = stimcirq.cirq_circuit_to_stim_circuit(
                    cirq.Circuit(cirq.Moment(resolved)), qubit_to_index_dict=plan.qubit_index
                )
            except (TypeError, NotImplementedError, ValueError) as error:
                raise NotStimCompatibleError(
                    f"operation {resolved!r} is not a Clifford gate or a Pauli channel (stim cannot "
                    f"simulate it exactly); {NOT_STIM_HINT}"
                ) from error
            text = "\n".join(
                str(line) for line in converted if line.name not in ("TICK", "QUBIT_COORDS")
            )
            plan.op_text[cache_key] = text
        return text

    def _compiled(self, plan: _Plan, values: tuple[float, ...]) -> tuple[list, np.ndarray]:
        """(stim segments, reference sample) for one assignment of the structural symbols."""
        entry = plan.compiled.get(values)
        if entry is not None:
            plan.compiled.move_to_end(values)
            return entry
        import stim

        lookup = dict(zip(plan.structural, values))
        segments = []
        for k, ops in enumerate(plan.segments):
            lines = [self._op_stim_text(plan, (k, j), tuple(lookup[n] for n in names)) for j, (_, names) in enumerate(ops)]
            segments.append(stim.Circuit("\n".join(line for line in lines if line)))
        whole = stim.Circuit()
        for segment in segments:
            whole += segment
        if whole.num_qubits < len(plan.qubit_index):  # idle qubits still exist in the simulator
            whole.append("I", [len(plan.qubit_index) - 1])
            segments[-1].append("I", [len(plan.qubit_index) - 1])
        entry = (segments, np.asarray(whole.reference_sample(), dtype=np.uint8), whole)
        plan.compiled[values] = entry
        if len(plan.compiled) > _MAX_CACHED_CIRCUITS:
            plan.compiled.popitem(last=False)
        return entry

    # ----- sampling -----------------------------------------------------------------------
    def _sample(self, plan: _Plan, columns: Mapping[str, np.ndarray], frames: dict, points: int) -> np.ndarray:
        out = np.zeros((points, plan.num_measurements), dtype=np.uint8)
        if points == 0:
            return out
        distinct, codes = group_rows([columns[name] for name in plan.structural], points)
        for g, values in enumerate(distinct):
            rows = np.flatnonzero(codes == g) if len(distinct) > 1 else np.arange(points)
            segments, reference, whole = self._compiled(plan, tuple(float(v) for v in values))
            for start in range(0, len(rows), _MAX_SHOTS_PER_SIMULATION):
                chunk = rows[start : start + _MAX_SHOTS_PER_SIMULATION]
                if len(chunk) and chunk[-1] - chunk[0] + 1 == len(chunk):
                    chunk = slice(int(chunk[0]), int(chunk[-1]) + 1)  # contiguous: views, no copies
                seed = int(self._rng.integers(2**62))
                if not any(frames[name][chunk].any() for frame in plan.frames for _, _, name in frame):
                    shots = len(rows[start : start + _MAX_SHOTS_PER_SIMULATION])
                    packed = whole.compile_sampler(seed=seed).sample(shots, bit_packed=True)  # faster than bools
                    out[chunk] = np.unpackbits(packed, axis=1, count=plan.num_measurements, bitorder="little")
                else:
                    out[chunk] = self._sample_frames(plan, segments, reference, frames, chunk, seed)
        return out

    @staticmethod
    def _sample_frames(plan: _Plan, segments: list, reference: np.ndarray, frames: dict, rows, seed: int) -> np.ndarray:
        import stim

        shots = len(next(iter(frames.values()))[rows])
        simulator = stim.FlipSimulator(batch_size=shots, num_qubits=len(plan.qubit_index), seed=seed)
        for segment, frame in zip(segments, plan.frames):
            simulator.do(segment)
            for code in (1, 2, 3):
                entries = [(q, s) for q, c, s in frame if c == code]
                if not entries:
                    continue
                mask = np.zeros((len(plan.qubit_index), shots), dtype=np.bool_)
                for q, s in entries:
                    mask[q] ^= frames[s][rows]
                simulator.broadcast_pauli_errors(pauli=code, mask=mask)
        flips = simulator.get_measurement_flips(bit_packed=False)  # [measurements, shots]
        return flips.T ^ reference[None, :].astype(np.bool_)

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
