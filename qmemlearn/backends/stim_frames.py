"""Pauli frames on stim's flip simulator, bit-packed: injected by linear propagation.

A Pauli applied at some point of a Clifford circuit with Pauli noise changes the measurement
record by a fixed XOR mask, whatever the noise and the random outcomes do: Cliffords map Paulis
to Paulis, Pauli channels commute with them up to a phase, and a flip simulator's frame is
linear in every Pauli put into it. So with ``F[m, j]`` = "a Pauli at frame location j flips
measurement m" (computed once per circuit by :func:`propagate`, one noiseless, unrandomized
flip-simulator instance per location) the bits of a shot are::

    reference ⊕ (flips of the frame-free noisy circuit) ⊕ F · (frame bits of the shot)   (mod 2)

:func:`apply_frames` adds the last term to bit-packed flips, sparse in F: this costs
O(nnz(F) · shots / 64) word operations, where stim's ``broadcast_pauli_errors`` spends ~40 ns
per qubit and shot reading a boolean mask.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

#: Flip-simulator batches are padded to whole 64-bit words.
WORD = 64
#: Separate columns are stacked into one table (one numpy pass) up to this many values.
STACK_LIMIT = 1 << 22


def padded(shots: int) -> int:
    """``shots`` rounded up to a whole number of 64-bit words (at least one)."""
    return max(WORD, -(-shots // WORD) * WORD)


def propagate(pieces: Sequence, cut: np.ndarray, qubit: np.ndarray, code: np.ndarray, num_qubits: int) -> tuple[np.ndarray, np.ndarray]:
    """Sparse ``F``: the measurements ``m`` flipped by a Pauli at each frame location ``j``.

    Args:
        pieces: The circuit as stim circuits; the frames of cut k act after ``pieces[k]``.
        cut, qubit, code: Per location: its cut, stim qubit and Pauli code (1=X, 2=Y, 3=Z).
        num_qubits: Qubits of the simulation.

    Returns:
        ``(m, j)`` index arrays of the nonzero entries of F, sorted by m.
    """
    import stim

    locations = len(qubit)
    if locations == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    simulator = stim.FlipSimulator(batch_size=padded(locations), num_qubits=num_qubits, disable_stabilizer_randomization=True, seed=0)
    order = np.argsort(cut, kind="stable")
    starts = np.searchsorted(cut[order], np.arange(len(pieces) + 1))
    for k, piece in enumerate(pieces):
        simulator.do(piece.without_noise())
        for j in order[starts[k] : starts[k + 1]]:
            simulator.set_pauli_flip(int(code[j]), qubit_index=int(qubit[j]), instance_index=int(j))
    packed = simulator.get_measurement_flips(bit_packed=True)
    rows, byte = np.nonzero(packed)  # F is sparse: expand only the nonzero bytes
    bits = np.unpackbits(packed[rows, byte][:, None], axis=1, bitorder="little")
    entry, bit = np.nonzero(bits)
    m, j = rows[entry].astype(np.int64), (byte[entry] * 8 + bit).astype(np.int64)
    keep = j < locations
    return m[keep], j[keep]  # sorted by m (row-major order)


def inject(simulator, assembled, active: np.ndarray, bits: np.ndarray, num_qubits: int) -> None:
    """Runs ``assembled`` on ``simulator`` with the frames of ``active`` put in at their cuts.

    The direct alternative to :func:`propagate` + :func:`apply_frames` for few shots (its cost is
    one boolean mask entry per qubit and shot at each cut): the simulator draws its randomness
    in the same order, so both give the same bits for one seed.

    Args:
        simulator: A fresh ``stim.FlipSimulator``.
        assembled: The circuit cut at frame locations (:class:`stim_fused.Assembled`).
        active: Location indices; ``bits[r]`` are the per-shot bits of ``active[r]``.
        bits: bool ``[len(active), batch size]``.
        num_qubits: Qubits of the simulation.
    """
    cuts = assembled.cut[active]
    for k, piece in enumerate(assembled.pieces):
        simulator.do(piece)
        here = np.flatnonzero(cuts == k)
        for code in (1, 2, 3):
            rows = here[assembled.code[active[here]] == code]
            if len(rows):
                mask = np.zeros((num_qubits, bits.shape[1]), dtype=np.bool_)
                for r in rows:
                    mask[assembled.qubit[active[r]]] ^= bits[r]
                simulator.broadcast_pauli_errors(pauli=code, mask=mask)


def apply_frames(flips: np.ndarray, m: np.ndarray, j: np.ndarray, frames: np.ndarray) -> None:
    """``flips ^= F · frames`` in place, for bit-packed rows (uint8, whole 64-bit words).

    Args:
        flips: ``[measurements, shots/8]`` bit-packed flips (C-contiguous, little bit order).
        m, j: Nonzero entries of F sorted by m (see :func:`propagate`).
        frames: ``[locations, shots/8]`` bit-packed frame bits, the same layout.
    """
    if len(m) == 0:
        return
    words = flips.view(np.uint64)
    contributions = np.ascontiguousarray(frames).view(np.uint64)[j]
    starts = np.flatnonzero(np.concatenate(([True], m[1:] != m[:-1])))
    words[m[starts]] ^= np.bitwise_xor.reduceat(contributions, starts, axis=0)


def unpack_transposed(flips: np.ndarray, shots: int) -> np.ndarray:
    """Bit-packed ``[measurements, padded/8]`` rows as C-contiguous uint8 bits ``[shots, measurements]``.

    The transpose is done on bytes (8x less data), then each byte row is spread over 8 shot
    rows with contiguous writes: ~7x faster than unpacking and transposing the bits.
    """
    measurements, width = flips.shape
    transposed = np.ascontiguousarray(flips.T)  # [padded/8, measurements]
    out = np.empty((width, 8, measurements), dtype=np.uint8)
    for bit in range(8):  # little bit order: bit k of byte b is shot 8b + k
        np.right_shift(transposed, bit, out=out[:, bit, :])
        out[:, bit, :] &= 1
    return out.reshape(width * 8, measurements)[:shots]


def coin_bits(rng: np.random.Generator, locations: int, shots: int) -> np.ndarray:
    """Independent fair coins, bit-packed ``[locations, padded(shots)/8]`` (bits past ``shots`` too)."""
    width = padded(shots) // 8
    return np.frombuffer(rng.bytes(locations * width), dtype=np.uint8).reshape(locations, width)


def pack_rows(rows: Sequence[np.ndarray], shots: int) -> np.ndarray:
    """Boolean rows of length ``shots``, bit-packed ``[rows, padded(shots)/8]`` with zero padding."""
    out = np.zeros((len(rows), padded(shots) // 8), dtype=np.uint8)
    if len(rows):
        packed = np.packbits(np.stack(rows), axis=1, bitorder="little")
        out[:, : packed.shape[1]] = packed
    return out


def _column_of(values: np.ndarray) -> tuple[np.ndarray, int] | None:
    """(base, k) if ``values`` is exactly the view ``base[:, k]`` of a 2-D array, else None."""
    base = values.base
    if not (isinstance(base, np.ndarray) and base.ndim == 2 and values.ndim == 1 and base.dtype == values.dtype):
        return None
    if base.shape[0] != len(values) or values.strides[0] != base.strides[0] or base.strides[1] <= 0:
        return None
    offset = values.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    k, rest = divmod(offset, base.strides[1])
    return (base, k) if rest == 0 and 0 <= k < base.shape[1] else None


def _integer_bits(values: np.ndarray) -> np.ndarray | None:
    """``values mod 2`` as bools if every value is an integer, else None (any shape)."""
    ones = values == 1
    if np.logical_or(ones, values == 0).all():  # the usual 0/1 flips: two comparisons
        return ones
    as_int = values.astype(np.int64)
    if not np.array_equal(as_int, values):
        return None
    return (as_int & 1).astype(np.bool_)


class FrameBits:
    """Per-shot bits of the frame symbols of a sweep (a Pauli power ``P**f`` is P iff f is odd).

    Zero-stride columns (constant settings) cost nothing; columns that are views ``base[:, k]``
    of one row-major table (e.g. the flips of :meth:`PauliMixedState.draw_settings`) are read as
    that table, row by row, instead of one strided pass per column.

    Args:
        columns: The sweep columns.
        candidates: Symbols used only as bare Pauli exponents; those whose values are all
            integers become frame symbols (:attr:`symbols`).
    """

    def __init__(self, columns, candidates) -> None:
        self.constant: dict[str, bool] = {}
        self.vectors: dict[str, np.ndarray] = {}
        self.tables: list[np.ndarray] = []
        self.where: dict[str, tuple[int, int]] = {}
        views: dict[int, tuple[np.ndarray, dict[str, int]]] = {}
        loose: dict[str, np.ndarray] = {}
        for name in candidates:
            if name not in columns:
                continue
            values = np.asarray(columns[name], dtype=float)
            if values.ndim == 1 and (len(values) <= 1 or values.strides[0] == 0):
                first = float(values[0]) if len(values) else 0.0
                if first == int(first):
                    self.constant[name] = bool(int(first) & 1)
                continue
            view = _column_of(values)
            if view is not None:
                views.setdefault(id(view[0]), (view[0], {}))[1][name] = view[1]
            else:
                loose[name] = values
        if loose and len(loose) * len(next(iter(loose.values()))) <= STACK_LIMIT:
            # Separate 1-D columns (e.g. a batch's concatenated settings): one table, one pass.
            table = np.stack(list(loose.values()), axis=1)
            views[id(table)] = (table, {name: k for k, name in enumerate(loose)})
        else:
            for name, values in loose.items():
                bits = _integer_bits(values)
                if bits is not None:
                    self.vectors[name] = bits
        for base, used in views.values():
            table = _integer_bits(base) if 2 * len(used) >= base.shape[1] else None
            if table is None:  # a sparse or partly non-integer table: column by column
                for name, k in used.items():
                    bits = _integer_bits(base[:, k])
                    if bits is not None:
                        self.vectors[name] = bits
                continue
            self.tables.append(table)
            for name, k in used.items():
                self.where[name] = (len(self.tables) - 1, k)

    @property
    def symbols(self) -> frozenset:
        """The frame symbols."""
        return frozenset(self.constant) | frozenset(self.vectors) | frozenset(self.where)

    def packed(self, names: Sequence[str], rows, shots: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices into ``names`` of the symbols with a nonzero bit in ``rows``, their bits packed
        ``[active, padded(shots)/8]``)."""
        active, blocks = [], []
        vectors = [(i, self.vectors[n][rows]) for i, n in enumerate(names) if n in self.vectors]
        ones = [i for i, n in enumerate(names) if self.constant.get(n, False)]
        if ones:
            active += ones
            blocks.append(np.full((len(ones), padded(shots) // 8), 0xFF, dtype=np.uint8))
        chosen = [(i, v) for i, v in vectors if v.any()]
        if chosen:
            active += [i for i, _ in chosen]
            blocks.append(pack_rows([v for _, v in chosen], shots))
        for t, table in enumerate(self.tables):
            here = [(i, self.where[n][1]) for i, n in enumerate(names) if self.where.get(n, (-1,))[0] == t]
            if not here:
                continue
            index = np.array([i for i, _ in here])
            sub = table[rows][:, [k for _, k in here]]  # [shots, locations], row-major reads
            keep = sub.any(axis=0)
            if keep.any():
                active += index[keep].tolist()
                out = np.zeros((padded(shots) // 8, int(keep.sum())), dtype=np.uint8)
                bits = np.packbits(sub[:, keep], axis=0, bitorder="little")
                out[: bits.shape[0]] = bits
                blocks.append(np.ascontiguousarray(out.T))
        if not blocks:
            return np.zeros(0, dtype=np.int64), np.zeros((0, padded(shots) // 8), dtype=np.uint8)
        return np.array(active, dtype=np.int64), np.concatenate(blocks)
