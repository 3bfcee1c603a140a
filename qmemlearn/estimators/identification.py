"""Identify the hidden Pauli P of rho = (I + s*alpha*P) / 2**n from measurement records.

Task "identify" (DESIGN §5.1): output P itself, out of all 4**n - 1 non-identity Paulis.

Conventions (DESIGN §3):
    * Two-copy records: ``bits`` uint8 ``[T, 2n]``, ``bits[t, 2i] = a_i`` (copy A) and
      ``bits[t, 2i+1] = b_i`` (copy B). For Q with symplectic bits ``(x, z)`` the shot value
      ``(-1)**(x.a + z.b + x.z)`` is an unbiased estimate of ``tr(Q rho)**2`` (the ``x.z`` term is
      the sign of YY). Writing ``p = (x_0, z_0, x_1, z_1, ...)`` (the layout of the columns) and
      ``c = x.z mod 2``, a shot ``v`` *agrees* with Q when ``p.v = c (mod 2)``. For Q = P this
      happens with probability ``(1 + alpha**2) / 2``; for every other Q with probability exactly
      1/2. So identification is learning parity with noise, rate ``(1 - alpha**2) / 2``, in
      dimension 2n, and the maximum-likelihood P is the candidate with the most agreements
      (for any alpha > 0, whatever the sign s).
    * Single-copy records: ``bits[t, i]`` in {0, 1} (0 = +1 eigenvalue) and ``recipes[t, i]`` in
      {0: X, 1: Y, 2: Z}; a snapshot estimates ``<Q>`` as ``prod_{i in supp Q} 3 [recipe_i = Q_i]
      (-1)**bit_i``.
    * Ties between exhaustively scored candidates go to the lexicographically smallest Pauli
      string in the order ``I < X < Y < Z`` (deterministic).

Example:
    >>> rng = np.random.default_rng(0)
    >>> v = rng.integers(0, 2, size=(400, 2)).astype(np.uint8)
    >>> v[:, 0] = (rng.random(400) < 0.05)          # a = 0 mostly: XX = +1, so P = X
    >>> identify_pauli_two_copy(v, rng=rng)
    'X'
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.stats import hypergeom

from qmemlearn.paulis import PAULI_CHARACTERS

TWO_COPY_EXHAUSTIVE_MAX_N = 10
"""Largest n scored exhaustively (Walsh-Hadamard over 4**n outcomes, 8 MB) by ``method="auto"``."""
SINGLE_COPY_MAX_N = 10
"""Largest n for the single-copy search: it scores all 4**n - 1 candidates (arrays of 4**n)."""
CERTIFY_DELTA = 1e-9
"""Allowed probability that some wrong candidate reaches the decoder's stopping threshold."""
EXHAUSTED_DELTA = 1e-3
"""The decoder also stops once a better candidate would have been found with prob. 1 - this."""


def _check_bits(bits: object, name: str, *, even: bool = False) -> np.ndarray:
    arr = np.asarray(bits)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [T, width], got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has T=0 shots; at least one shot is needed")
    if arr.shape[1] == 0 or (even and arr.shape[1] % 2):
        what = "a positive even" if even else "a positive"
        raise ValueError(f"{name} has width {arr.shape[1]}, must be {what} number of columns")
    if arr.dtype.kind not in "biu":
        raise ValueError(f"{name} must have an integer or bool dtype, got {arr.dtype}")
    if arr.dtype.kind != "b" and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} must contain only the bits 0 and 1")
    return arr.astype(np.uint8)


def _lex_index_to_pauli(index: int, n: int) -> str:
    """Pauli with ``index = sum_i code_i 4**(n-1-i)`` (codes I=0, X=1, Y=2, Z=3)."""
    return "".join(PAULI_CHARACTERS[(index >> (2 * (n - 1 - i))) & 3] for i in range(n))


def certification_threshold(T: int, n: int, delta: float = CERTIFY_DELTA) -> int:
    """Smallest agreement count that certifies a two-copy candidate (``T + 1`` if none does).

    A wrong candidate Q agrees with each shot independently with probability 1/2, so by the
    Chernoff bound ``P(agreements >= a) <= exp(-T D(a/T || 1/2))``. With a union bound over the
    ``4**n - 2`` wrong candidates, a candidate reaching ``a`` with
    ``T D(a/T || 1/2) >= ln(4**n - 1) + ln(1/delta)`` is P except with probability ``<= delta``.
    """
    need = math.log(4.0**n - 1.0) + math.log(1.0 / delta)
    a = np.arange(T // 2 + 1, T + 1, dtype=float)
    q = a / T
    with np.errstate(divide="ignore", invalid="ignore"):
        d = q * np.log(2 * q) + np.where(q < 1, (1 - q) * np.log(2 * (1 - q)), 0.0)
    ok = np.flatnonzero(T * d >= need)
    return int(a[ok[0]]) if ok.size else T + 1


def identify_pauli_two_copy(
    bits: np.ndarray,
    *,
    rng: np.random.Generator,
    max_seconds: float | None = None,
    max_trials: int = 20_000,
    method: str = "auto",
) -> str:
    """The hidden Pauli P from two-copy Bell records: the candidate agreeing with most shots.

    Args:
        bits: ``[T, 2n]`` bits, ``bits[t, 2i] = a_i``, ``bits[t, 2i+1] = b_i`` (DESIGN §3).
        rng: Randomness for the information-set decoder (unused by the exhaustive path).
        max_seconds: Wall-clock budget of the decoder; ``None`` means only ``max_trials`` bounds it.
        max_trials: Budget of information sets tried by the decoder.
        method: ``"exhaustive"`` (exact maximum likelihood: a Walsh-Hadamard transform of the
            outcome histogram scores all 4**n - 1 candidates; n <= 11), ``"isd"`` (information-set
            decoding) or ``"auto"`` (exhaustive for n <= ``TWO_COPY_EXHAUSTIVE_MAX_N``).

    Decoder (information-set decoding of the code ``{A u}``, ``A`` with rows ``[v_t, 1]`` and
    ``u = (p, c)``; P's codeword marks its ~eta*T disagreeing shots): each trial eliminates
    (GF(2) Gauss-Jordan, bit-packed) on 2n+1 random shots S; every candidate disagreeing with
    <= 2 shots of S is scored on all shots (Lee-Brickell), and those disagreeing with 3 after
    passing two random 64-shot windows (early abort). Candidates with ``c != x.z mod 2`` are
    discarded. A trial finds P whenever S holds <= 2 (usually <= 3) of its disagreeing shots.
    Stopping rules, first to fire:

    1. certified: the best agreement count reaches :func:`certification_threshold`, so no wrong
       candidate could reach it except with probability ``CERTIFY_DELTA``;
    2. exhausted: no improvement for N trials, where ``(1 - q)**N <= EXHAUSTED_DELTA`` and
       ``q = P(hypergeom(T, best disagreements, 2n+1) <= 2)`` is (about) a lower bound on the
       per-trial chance of meeting any better candidate;
    3. ``max_trials`` or ``max_seconds`` is spent.

    The best candidate seen is returned in every case.

    Returns:
        The Pauli string P (length n).

    Raises:
        ValueError: On malformed ``bits``, a bad ``rng``/``method``/budget, or
            ``method="exhaustive"`` with n > 11.
        RuntimeError: If the decoder's budget ends before any valid candidate was seen.
    """
    arr = _check_bits(bits, "bits", even=True)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng={rng!r} must be a numpy.random.Generator")
    if max_seconds is not None and not max_seconds > 0:
        raise ValueError(f"max_seconds={max_seconds!r} must be positive or None")
    if not isinstance(max_trials, (int, np.integer)) or isinstance(max_trials, bool) \
            or max_trials < 1:
        raise ValueError(f"max_trials={max_trials!r} must be an int >= 1")
    if method not in ("auto", "exhaustive", "isd"):
        raise ValueError(f"method={method!r} must be 'auto', 'exhaustive' or 'isd'")
    n = arr.shape[1] // 2
    if method == "exhaustive" or (method == "auto" and n <= TWO_COPY_EXHAUSTIVE_MAX_N):
        if n > 11:
            raise ValueError(f"method='exhaustive' needs n <= 11 (4**n scores), got n={n}")
        return _two_copy_exhaustive(arr, n)
    return _two_copy_isd(arr, n, rng, max_seconds, int(max_trials))


def _pair_digits(k: int) -> tuple[np.ndarray, np.ndarray]:
    """For the 4**k indices p over k qubits (bits 2i = x_i, 2i+1 = z_i): parity of x.z and the
    lexicographic rank ``sum_i code_i 4**(k-1-i)`` (codes I, X, Y, Z = 0, 1, 2, 3)."""
    p = np.arange(4**k, dtype=np.int64)
    parity, lex = np.zeros_like(p), np.zeros_like(p)
    for i in range(k):
        x, z = (p >> (2 * i)) & 1, (p >> (2 * i + 1)) & 1
        parity ^= x & z
        lex += np.where(z == 0, x, 3 - x) << (2 * (k - 1 - i))
    return parity, lex


def _two_copy_exhaustive(bits: np.ndarray, n: int) -> str:
    size = 4**n
    index = bits.astype(np.int64) @ (np.int64(1) << np.arange(2 * n, dtype=np.int64))
    h = np.bincount(index, minlength=size).astype(np.int64)
    step = 1
    while step < size:  # in-place Walsh-Hadamard: h[p] <- sum_v h[v] (-1)**popcount(p & v)
        view = h.reshape(-1, 2, step)
        first = view[:, 0].copy()
        view[:, 0] += view[:, 1]
        np.subtract(first, view[:, 1], out=view[:, 1])
        step *= 2
    lo = n // 2  # p = p_lo + 4**lo p_hi: combine small per-half tables
    par_lo, lex_lo = _pair_digits(lo)
    par_hi, lex_hi = _pair_digits(n - lo)
    parity = (par_hi[:, None] ^ par_lo[None, :]).ravel()
    lex = (lex_hi[:, None] + (lex_lo[None, :] << (2 * (n - lo)))).ravel()
    score = np.where(parity == 1, -h, h)  # agreements - disagreements
    score[0] = np.iinfo(np.int64).min  # the identity is not a candidate
    ties = np.flatnonzero(score == score.max())
    return _lex_index_to_pauli(int(lex[ties].min()), n)


def _bitcount(words: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 element."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(words)
    return _BYTE_POPCOUNT[words.view(np.uint8)].reshape(*words.shape, 8).sum(axis=-1)


_BYTE_POPCOUNT = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(1)


def _pack_rows(rows: np.ndarray) -> np.ndarray:
    """0/1 array [r, k] -> uint64 [r, ceil(k/64)]; bit j%64 of word j//64 holds column j."""
    packed = np.packbits(rows, axis=1, bitorder="little")
    pad = (-packed.shape[1]) % 8
    packed = np.pad(packed, ((0, 0), (0, pad)))
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64)


def _combinations(m: int, zero: int) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Row index columns ``(i, j, k)``: all singles and pairs (padded with the zero row
    ``zero``), and, if not too many, all triples ``i < j < k`` of ``range(m)``."""
    i, j = np.triu_indices(m, 1)
    pad = np.full(m + i.size, zero)
    low = (np.concatenate([np.arange(m), i]), np.concatenate([pad[:m], j]), pad)
    if m * (m - 1) * (m - 2) // 6 > _MAX_TRIPLES:
        return low, (np.zeros(0, np.intp),) * 3
    count = m - 1 - j
    first = np.repeat(np.cumsum(count) - count, count)
    k = np.repeat(j, count) + 1 + np.arange(count.sum()) - first
    return low, (np.repeat(i, count), np.repeat(j, count), k)


_MAX_TRIPLES = 3_000_000
_WINDOW_FRACTION = 0.33  # early abort: a triple must disagree with <= 33% of each window


def _two_copy_isd(
    bits: np.ndarray, n: int, rng: np.random.Generator, max_seconds: float | None, max_trials: int
) -> str:
    T, m = bits.shape[0], 2 * n + 1
    a = np.concatenate([bits, np.ones((T, 1), np.uint8)], axis=1)  # rows [v_t, 1]
    # Row j: unknown j's column over all shots | unit vector e_j (tracks u) ; last row: zeros.
    eye = np.eye(m + 1, m, dtype=np.uint8)
    generator = _pack_rows(np.vstack([a.T, np.zeros((1, T), np.uint8)]))
    start_rows = np.concatenate([generator, _pack_rows(eye)], axis=1)
    n_cw = (T + 63) // 64
    shift, word, one = (np.arange(T) % 64).astype(np.uint64), np.arange(T) // 64, np.uint64(1)
    threshold = certification_threshold(T, n)
    low, triples = _combinations(m, zero=m)
    clock = time.perf_counter()
    best_w, best_u, stale, patience = T + 1, None, 0, math.inf
    for _ in range(max_trials):
        # Gauss-Jordan over GF(2) pivoting on 2n+1 random shots S: afterwards a pivot row is
        # the candidate (p, c) disagreeing with exactly one pivot shot of S; rows without a
        # pivot agree with all of S (this covers S without errors, which spans < 2n+1 dims).
        rows = start_rows.copy()
        free = np.ones(m + 1, dtype=np.uint64)
        for t in rng.choice(T, size=min(m, T), replace=False):
            col = (rows[:, word[t]] >> shift[t]) & one
            r = int(np.argmax(col & free))
            if col[r] & free[r]:
                mask = -col  # all ones on the rows holding the bit
                mask[r] = 0
                rows ^= mask[:, None] & rows[r]
                free[r] = 0
        cw = rows[:, :n_cw]
        # Lee-Brickell: sums of <= 2 rows scored on all shots; triples only if they pass two
        # random 64-shot windows first (early abort).
        combos = low
        weights = _bitcount(cw[low[0]] ^ cw[low[1]]).sum(axis=1, dtype=np.int64)
        if triples[0].size:
            keep, index = None, triples
            for w in rng.choice(n_cw, size=min(2, n_cw), replace=False):  # two 64-shot windows
                c = np.ascontiguousarray(cw[:, w])
                ok = _bitcount(c[index[0]] ^ c[index[1]] ^ c[index[2]]) <= _WINDOW_FRACTION * min(
                    64, T - 64 * w)
                keep = np.flatnonzero(ok) if keep is None else keep[ok]
                index = tuple(tr[keep] for tr in triples)
            combos = tuple(np.concatenate([lo, tr[keep]]) for lo, tr in zip(low, triples))
            extra = [cw[ix] for ix in index]
            full = _bitcount(extra[0] ^ extra[1] ^ extra[2]).sum(axis=1, dtype=np.int64)
            weights = np.concatenate([weights, full])
        better = np.flatnonzero(weights < best_w)
        for k in better[np.argsort(weights[better], kind="stable")]:
            u = rows[combos[0][k], n_cw:] ^ rows[combos[1][k], n_cw:] ^ rows[combos[2][k], n_cw:]
            ub = np.unpackbits(u.view(np.uint8), bitorder="little")[:m].astype(np.int64)
            if ub[2 * n] == (ub[0 : 2 * n : 2] @ ub[1 : 2 * n : 2]) % 2:  # c == x.z mod 2
                best_w, best_u, stale = int(weights[k]), ub, 0
                # A candidate of weight w' < best_w has <= 2 errors in S w.p. >= q per trial.
                q = float(hypergeom.cdf(2, T, best_w, min(m, T)))
                patience = 0.0 if q >= 1 else math.inf if q <= 0 else (
                    math.log(EXHAUSTED_DELTA) / math.log1p(-q))
                break
        stale += 1
        if T - best_w >= threshold or stale > patience:
            break
        if max_seconds is not None and time.perf_counter() - clock > max_seconds:
            break
    if best_u is None:  # Only possible with a budget too small to find a valid candidate.
        raise RuntimeError("the decoder found no candidate within its budget; raise max_trials")
    x, z = best_u[0 : 2 * n : 2], best_u[1 : 2 * n : 2]
    return "".join(PAULI_CHARACTERS[k] for k in np.where(z == 0, x, 3 - x))


def identify_pauli_single_copy(bits: np.ndarray, recipes: np.ndarray) -> str:
    """The candidate Q maximizing the unbiased shadow estimate of ``tr(Q rho)**2``.

    The estimate is the U-statistic ``(S**2 - sum_t x_t**2) / (T (T-1))`` with ``x_t`` the
    snapshot estimate of ``<Q>`` and ``S = sum_t x_t``. A snapshot is nonzero only for the
    ``2**n`` Paulis that equal its bases on a subset of qubits, so S and the sum of squares are
    accumulated per subset mask (vectorized; ``O(2**n T)`` work in chunks of ``2**22`` pairs).
    All ``4**n - 1`` candidates are scored, so ``n <= SINGLE_COPY_MAX_N`` (10). Ties go to the
    lexicographically smallest Pauli string (``I < X < Y < Z``).

    Args:
        bits: ``[T, n]`` outcomes, 0 = +1 eigenvalue of the measured Pauli.
        recipes: ``[T, n]`` bases, 0: X, 1: Y, 2: Z.

    Returns:
        The Pauli string with the largest estimate.

    Raises:
        ValueError: On malformed input, ``T < 2`` (the U-statistic needs two snapshots) or
            ``n > 10``.

    Example:
        >>> identify_pauli_single_copy(np.array([[0], [0], [1]]), np.array([[2], [2], [0]]))
        'Z'
    """
    b = _check_bits(bits, "bits")
    r = np.asarray(recipes)
    if r.shape != b.shape:
        raise ValueError(f"recipes has shape {r.shape} but bits has shape {b.shape}")
    if r.dtype.kind not in "iu" or r.min() < 0 or r.max() > 2:
        raise ValueError("recipes must be integers in {0: X, 1: Y, 2: Z}")
    T, n = b.shape
    if T < 2:
        raise ValueError(f"bits has T={T} snapshots; the U-statistic needs at least 2")
    if n > SINGLE_COPY_MAX_N:
        raise ValueError(
            f"n={n} exceeds the single-copy limit n <= {SINGLE_COPY_MAX_N}: the search scores "
            f"all 4**n - 1 candidates"
        )
    size, low = 4**n, n // 2
    term = (r.astype(np.int64) + 1) << (2 * (n - 1 - np.arange(n, dtype=np.int64)))  # [T, n]
    b64 = b.astype(np.int64)

    def half(qubits: slice, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """Candidate index and bit parity of each subset of ``qubits`` for each snapshot."""
        k = term[rows, qubits].shape[1]
        masks = (np.arange(2**k)[:, None] >> np.arange(k)) & 1  # [2**k, k]
        return masks @ term[rows, qubits].T, (masks @ b64[rows, qubits].T) % 2  # [2**k, C]

    # Key 2 * (index of Q) + (odd parity) over all (snapshot, subset) pairs, in chunks of
    # snapshots; one bincount then gives the numbers of +1 and -1 snapshot signs for every Q.
    tally = np.zeros(2 * size)
    chunk = max(1, 2**22 >> n)
    for first in range(0, T, chunk):
        rows = slice(first, first + chunk)
        index_lo, odd_lo = half(slice(0, low), rows)
        index_hi, odd_hi = half(slice(low, n), rows)
        key = 2 * (index_hi[:, None] + index_lo[None]) + (odd_hi[:, None] ^ odd_lo[None])
        tally += np.bincount(key.ravel(), minlength=2 * size)
    sigma = tally[0::2] - tally[1::2]  # sum of the signs (-1)**(bits on supp Q) of matches
    count = tally[0::2] + tally[1::2]  # number of snapshots whose bases match Q on supp Q
    codes = (np.arange(size)[:, None] >> (2 * np.arange(n))) & 3
    nine_w = 9.0 ** (codes != 0).sum(axis=1)
    # S = 3**w sigma and sum_t x_t**2 = 9**w count, with w the weight of the candidate.
    estimate = nine_w * (sigma**2 - count) / (T * (T - 1.0))
    estimate[0] = -np.inf
    return _lex_index_to_pauli(int(np.argmax(estimate)), n)
