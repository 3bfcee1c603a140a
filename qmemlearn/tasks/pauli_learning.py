"""Task ``pauli-learning`` (DESIGN §5.1): learn the hidden Pauli of ρ = (I + sαP)/2ⁿ.

An instance draws P uniformly from the 4ⁿ − 1 non-identity Paulis, s = ±1, and a decoy Q ≠ P,
all from the instance's own seed. A trial spends ``copies`` copies of ρ with one protocol and
is scored by a success rule:

``decoy``     succeed if est tr(Pρ)² > est tr(Qρ)² (a tie counts ½), as in the released analysis.
``identify``  output P from the records alone, out of all 4ⁿ − 1 (see
              :mod:`qmemlearn.estimators.identification`; single-copy is exhaustive, n ≤ 10).

:func:`evaluate_pauli_learning` evaluates one sweep point: ``point.trials`` fresh instances at
``point.copies`` copies each. All instances of a batch share one circuit and one sampler call,
but every instance has its own random streams (settings and sampler), so its outcome is the
same for any batch size. Task parameters (declared in :mod:`qmemlearn.tasks.registry`) come from ``point.json_metadata``:
``memory_wait`` (two-copy: moments copy A idles before copy B is made, default 0), ``alpha``
(default 0.9), ``backend`` (default ``"fast"``), ``mitigate`` (default false) and
``calibration_shots`` (default 10000).

Readout mitigation (``mitigate: true``): each point (one batch of trials) first runs the two
readout calibration circuits, |0…0⟩ and |1…1⟩, ``calibration_shots`` shots each, on the same
sampler and the same (placed) qubits as its records (:mod:`qmemlearn.tasks.readout`), from its
own random stream. Every instance of the batch is then scored with the readout-corrected
estimators (:mod:`qmemlearn.estimators.mitigation`). Calibration shots prepare known states,
never ρ, so they are **not** counted as copies of ρ. Without ``mitigate`` nothing changes: the
same streams, the same bits, the same strong ids (the two parameters are left out of
``json_metadata`` at their defaults).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from qmemlearn import paulis
from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.estimators.dispatch import estimate_squared
from qmemlearn.estimators.mitigation import mitigated_squared
from qmemlearn.estimators.identification import (
    SINGLE_COPY_MAX_N,
    identify_pauli_single_copy,
    identify_pauli_two_copy,
)
from qmemlearn.backends.factory import MIXTURE_FORM_BACKENDS
from qmemlearn.protocols import LearningProtocol, make_protocol, sample_batch, shots_for_copies
from qmemlearn.protocols.base import MixtureForm
from qmemlearn.protocols.calibration import ReadoutCalibration
from qmemlearn.protocols.sampling import stream_sampler
from qmemlearn.records import BellRecord
from qmemlearn.sources import PauliMixedState
from qmemlearn.tasks.readout import calibrate_for_sampler

TASK = "pauli-learning"
RULES = ("decoy", "identify")
DEFAULT_ALPHA = 0.9
#: Information-set decoding trials per two-copy ``identify`` attempt (deterministic budget).
IDENTIFY_MAX_DECODER_TRIALS = 2000
#: Upper bound on shots × qubits per sampler call (a memory bound); instances are batched
#: below it. Results do not depend on it: each instance has its own sampler stream.
MAX_SHOT_QUBITS_PER_BATCH = 1 << 17
#: Spawn key (below the batch's seed) of the readout calibration stream; instance streams use
#: keys 0 .. trials - 1, so this one never collides with them.
CALIBRATION_STREAM = 2**31 - 1
DEFAULT_CALIBRATION_SHOTS = 10000


@dataclasses.dataclass(frozen=True)
class PauliLearningInstance:
    """One hidden state and the decoy it is compared against."""

    state: PauliMixedState
    decoy: str


def draw_instance(n: int, rng: np.random.Generator, *, alpha: float = DEFAULT_ALPHA) -> PauliLearningInstance:
    """A fresh instance: P uniform over non-identity Paulis, s = ±1, decoy Q ≠ P uniform."""
    pauli = paulis.random_pauli(n, rng)
    sign = int(rng.choice([1, -1]))
    decoy = paulis.random_pauli(n, rng, exclude=[pauli])
    return PauliLearningInstance(PauliMixedState(pauli, alpha=alpha, sign=sign), decoy)


def score_decoy(record, instance: PauliLearningInstance, calibration: ReadoutCalibration | None = None) -> float:
    """1 if est tr(Pρ)² > est tr(Qρ)², ½ on a tie, else 0; readout-corrected with ``calibration``."""
    observables = [instance.state.pauli, instance.decoy]
    if calibration is None:
        values, _ = estimate_squared(record, observables)
    else:  # only the values are compared: skip the calibration-error propagation
        values, _ = mitigated_squared(record, observables, calibration, include_calibration_error=False)
    return 1.0 if values[0] > values[1] else 0.5 if values[0] == values[1] else 0.0


def score_identify(record, instance: PauliLearningInstance, rng: np.random.Generator) -> float:
    """1 if the Pauli recovered from the records alone is P, else 0."""
    if isinstance(record, BellRecord):
        # A trial budget, never a time budget: results must not depend on machine speed.
        guess = identify_pauli_two_copy(record.bits, rng=rng, max_trials=IDENTIFY_MAX_DECODER_TRIALS)
    else:
        guess = identify_pauli_single_copy(record.bits, record.recipes)
    return float(guess == instance.state.pauli)


def point_protocol(point: SweepPoint) -> LearningProtocol:
    """The protocol of ``point``, with its ``memory_wait`` (moments copy A waits; two-copy only).

    Raises:
        ValueError: If the protocol is unknown, or a single-copy point asks for a memory wait.
    """
    wait = (point.json_metadata or {}).get("memory_wait", 0)
    if point.protocol == "two-copy":
        return make_protocol(point.protocol, memory_wait=wait)
    if wait:
        raise ValueError(f"memory_wait={wait!r} applies to two-copy points only; single-copy holds no copy in memory")
    return make_protocol(point.protocol)


def validate_point(point: SweepPoint) -> None:
    """Checks the task-specific fields of a point; raises ValueError naming the bad one."""
    if point.task != TASK:
        raise ValueError(f"point.task={point.task!r} must be {TASK!r}")
    if point.rule not in RULES:
        raise ValueError(f"rule={point.rule!r} is unknown; allowed: {', '.join(RULES)}")
    protocol = point_protocol(point)
    if point.rule == "identify" and point.protocol == "single-copy" and point.n > SINGLE_COPY_MAX_N:
        raise ValueError(
            f"n={point.n} is too large for single-copy identify, which searches all 4^n - 1 "
            f"candidates; the limit is n <= {SINGLE_COPY_MAX_N}"
        )
    params = point.json_metadata or {}
    if not params.get("mitigate", False):
        if "calibration_shots" in params:
            raise ValueError(
                f"calibration_shots={params['calibration_shots']!r} needs mitigate=true; without readout "
                "mitigation no calibration runs"
            )
    elif point.rule != "decoy":
        raise ValueError(f"mitigate=true with rule={point.rule!r}: readout mitigation is implemented for the decoy rule only")
    shots = shots_for_copies(protocol, point.copies)
    if shots < 2:
        raise ValueError(
            f"copies={point.copies} gives {shots} shot; the unbiased estimators need at least 2 shots "
            f"({2 * protocol.copies_per_shot} copies for {point.protocol})"
        )


@functools.lru_cache(maxsize=8)
def _stream_sampler(backend: str, noise: str):
    """:func:`stream_sampler`, kept per process: a device sampler then keeps its placed,
    compiled circuits between points. Results do not depend on it: every instance samples
    from its own stream (``sampler_rngs``), never from the sampler's own."""
    return stream_sampler(backend, noise=noise)


def evaluate_pauli_learning(point: SweepPoint) -> PointOutcome:
    """Runs ``point.trials`` independent trials of one sweep point and counts successes.

    Seeds: the point's ``rng_for_trials()`` spawns one seed per instance, and each instance
    seed spawns two streams: one for the instance itself (hidden P, sign, decoy, per-shot
    settings, decoder randomness) and one for its sampler. So results depend on the point
    alone: never on the worker, the execution order, or :data:`MAX_SHOT_QUBITS_PER_BATCH`.
    """
    validate_point(point)
    params = point.json_metadata or {}
    alpha = float(params.get("alpha", DEFAULT_ALPHA))
    protocol = point_protocol(point)
    shots = shots_for_copies(protocol, point.copies)
    sampler = _stream_sampler(params.get("backend", "fast"), point.noise)
    mixture_form = params.get("backend", "fast") in MIXTURE_FORM_BACKENDS  # same distribution, one circuit
    root = point.rng_for_trials()
    streams = [seed.spawn(2) for seed in root.spawn(point.trials)]
    width = point.n * protocol.copies_per_shot
    batch = max(1, MAX_SHOT_QUBITS_PER_BATCH // (shots * width))
    calibration = None
    if params.get("mitigate", False):
        calibration_rng = np.random.default_rng(
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, CALIBRATION_STREAM))
        )
        calibration = calibrate_for_sampler(
            sampler, protocol.circuit(PauliMixedState("Z" * point.n, alpha=alpha)), protocol, point.n,
            backend=params.get("backend", "fast"), noise=point.noise,
            shots=int(params.get("calibration_shots", DEFAULT_CALIBRATION_SHOTS)), rng=calibration_rng,
        )
    successes = 0.0
    for start in range(0, point.trials, batch):
        rngs = [np.random.default_rng(own) for own, _ in streams[start : start + batch]]
        sampler_rngs = [np.random.default_rng(child) for _, child in streams[start : start + batch]]
        instances = [draw_instance(point.n, r, alpha=alpha) for r in rngs]
        records = sample_batch(
            [MixtureForm(inst.state) if mixture_form else inst.state for inst in instances],
            protocol,
            copies=point.copies,
            sampler=sampler,
            rng=rngs,
            sampler_rngs=sampler_rngs,
        )
        for record, instance, r in zip(records, instances, rngs):
            if point.rule == "decoy":
                successes += score_decoy(record, instance, calibration)
            else:
                successes += score_identify(record, instance, r)
    return PointOutcome(successes=successes, trials=point.trials)


def shadow_reference_cost(n: int) -> float:
    """Theory reference for single-copy random-Pauli shadows: ~3^w copies for weight w.

    A uniformly random non-identity Pauli has mean weight 3n/4 (up to the excluded identity),
    so the typical cost grows as 3^(3n/4) = 2^(1.19 n). Returned without a constant factor.
    """
    return 3.0 ** (0.75 * n)
