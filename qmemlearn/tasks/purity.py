"""Task ``purity`` (DESIGN §5.3, Chen–Cotler–Huang–Li FOCS 2021): is the state pure or mixed?

A trial draws one hidden instance: a pure state |ψ⟩ from a family chosen uniformly among
``states`` (``all``: brickwork, GHZ, stabilizer; ``clifford``: GHZ, stabilizer; on the stim
backend, n > 14, only the Clifford families of the set can be simulated), then with
probability ½ keeps it pure, else mixes it: with probability ½ to ρ = (1 − p)|ψ⟩⟨ψ| + p·I/2ⁿ
(p = ``mixedness``), else to the maximally mixed I/2ⁿ. The protocol spends ``copies`` copies,
an estimator returns tr(ρ²)^, and the trial succeeds if the verdict "pure iff tr(ρ²)^ > τ",
τ = (1 + tr(ρ_p²))/2 with ρ_p the depolarized state, is right (a tie counts ½). τ depends on
the stated mixedness only, never on which family or which mixed state was drawn.

Rules (estimators):
* ``shadow`` (single-copy): random Pauli basis per shot and qubit, the shadow U-statistic
  :func:`~qmemlearn.estimators.shadow.shadow_purity`;
* ``randomized`` (single-copy): random Pauli basis settings each repeated
  ``shots_per_setting`` times, Brydges et al.'s within-setting estimator
  (:mod:`qmemlearn.estimators.randomized_measurement`);
* ``swap`` (two-copy): the mean SWAP product of the Bell outcomes
  (:func:`~qmemlearn.estimators.bell.bell_purity`).

Sampling is exact for the circuits of :mod:`qmemlearn.tasks.purity_sampling`. Seeds: the
instances of trial j depend on every field of the point but ``copies``, ``rule`` and
``protocol``, so every search sees the same instances and a state vector simulated once
serves every copy count; shots come from the point's own seed, one stream per trial.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from qmemlearn.analysis.points import PointOutcome, SweepPoint
from qmemlearn.estimators.bell import bell_purity
from qmemlearn.estimators.randomized_measurement import randomized_measurement_purity
from qmemlearn.estimators.shadow import shadow_purity
from qmemlearn.estimators.shadow_histogram import shadow_purity_value
from qmemlearn.sources.depolarized import DepolarizedState, mixed_purity
from qmemlearn.sources.pure_states import CLIFFORD_FAMILIES, FAMILIES, PureState
from qmemlearn.tasks.purity_sampling import MAX_STATE_VECTOR_QUBITS, sample_instance
from qmemlearn.tasks.registry import get_task

TASK = "purity"
STATE_SETS = {"all": FAMILIES, "clifford": CLIFFORD_FAMILIES}
RULES_OF_PROTOCOL = {"single-copy": ("shadow", "randomized"), "two-copy": ("swap",)}
#: Largest n at which the shadow U-statistic may use its histogram form (6ⁿ cells).
HISTOGRAM_MAX_QUBITS = 8


@dataclasses.dataclass(frozen=True)
class Instance:
    """One hidden instance: the source, whether it is pure, and its exact purity."""

    source: DepolarizedState
    pure: bool

    @property
    def purity(self) -> float:
        return self.source.purity()


def threshold(n: int, mixedness: float) -> float:
    """τ = (1 + tr(ρ_p²))/2: midway between a pure state and the depolarized one."""
    return (1.0 + mixed_purity(n, mixedness)) / 2.0


def instance_family(point: SweepPoint) -> np.random.SeedSequence:
    """Seeds of the instances of ``point``: independent of copies, rule and protocol."""
    family = dataclasses.replace(point, copies=0, rule="any", protocol="any")
    return np.random.SeedSequence(entropy=int(family.strong_id(), 16), spawn_key=(point.batch_index,))


def families_for(states: str, backend: str) -> tuple[str, ...]:
    """The families drawn: those of ``states``, restricted to Clifford ones on stim."""
    families = STATE_SETS[states]
    return tuple(f for f in families if f in CLIFFORD_FAMILIES) if backend == "stim" else families


def draw_instance(n: int, params: dict, seeds: np.random.SeedSequence, backend: str = "statevector") -> Instance:
    """Family uniform in :func:`families_for`; pure w.p. ½, else depolarized or maximally mixed."""
    rng = np.random.default_rng(seeds)
    families = families_for(params["states"], backend)
    family = families[int(rng.integers(len(families)))]
    pure_state = PureState(family, n, seed=int(rng.integers(2**62)), depth=params["depth"])
    if rng.random() < 0.5:
        return Instance(DepolarizedState(pure_state, 0.0), pure=True)
    p = params["mixedness"] if rng.random() < 0.5 else 1.0
    return Instance(DepolarizedState(pure_state, p), pure=False)


def estimate_purity(records: dict[str, np.ndarray], rule: str) -> float:
    """tr(ρ²)^ from one trial's records with the rule's estimator."""
    if rule == "swap":
        return bell_purity(records["bits"])[0]
    if rule == "shadow":
        shots, n = records["bits"].shape
        if n <= HISTOGRAM_MAX_QUBITS and shots * shots > 6 ** (n + 1):  # same value, O(T + n·6ⁿ)
            return shadow_purity_value(records["bits"], records["recipes"])
        return shadow_purity(records["bits"], records["recipes"])[0]
    return randomized_measurement_purity(records["bits"], records["recipes"], records["settings"])[0]


def score(estimate: float, instance: Instance, tau: float) -> float:
    """1 if the verdict (pure iff estimate > τ) is right, ½ on a tie, else 0."""
    if estimate == tau:
        return 0.5
    return float((estimate > tau) == instance.pure)


def validate_point(point: SweepPoint) -> None:
    """Checks what the registry cannot: rule per protocol, >= 2 shots, backend fits n."""
    spec = get_task(TASK)
    params = spec.resolve_params(point.json_metadata, where="json_metadata")
    if point.rule not in RULES_OF_PROTOCOL[point.protocol]:
        raise ValueError(
            f"rule={point.rule!r} does not apply to protocol={point.protocol!r}; allowed: "
            f"{', '.join(RULES_OF_PROTOCOL[point.protocol])}"
        )
    shots, remainder = divmod(point.copies, spec.shot_cost(point.protocol))
    if remainder or shots < 2:
        raise ValueError(
            f"copies={point.copies} must be a multiple of {spec.shot_cost(point.protocol)} copies of ρ giving >= 2 "
            f"shots for the {point.protocol} protocol"
        )
    if point.noise != "ideal":
        raise ValueError(f"noise={point.noise!r} must be 'ideal' for the purity task (mixing is the task's own)")
    resolve_backend(point.n, params, point.protocol)


def resolve_backend(n: int, params: dict, protocol: str) -> str:
    """``statevector`` up to :data:`MAX_STATE_VECTOR_QUBITS`, else ``stim`` (two-copy, Clifford).

    Raises:
        ValueError: If nothing simulates the point (e.g. single-copy beyond state vectors).
    """
    backend = params["backend"]
    if backend == "auto":
        backend = "statevector" if n <= MAX_STATE_VECTOR_QUBITS else "stim"
    if backend == "statevector" and n > MAX_STATE_VECTOR_QUBITS:
        raise ValueError(f"n={n} is over the state-vector limit {MAX_STATE_VECTOR_QUBITS}; use backend='stim'")
    if backend == "stim" and protocol != "two-copy":
        raise ValueError(
            f"backend='stim' serves the two-copy protocol only; protocol={protocol!r} needs n <= "
            f"{MAX_STATE_VECTOR_QUBITS} (state vectors)"
        )
    return backend


def evaluate_purity(point: SweepPoint) -> PointOutcome:
    """Runs ``point.trials`` independent trials and counts the right verdicts.

    Parameters (``point.json_metadata``, declared in the registry): ``mixedness``, ``states``,
    ``depth``, ``backend``, ``shots_per_setting``.
    """
    spec = get_task(TASK)
    spec.validate_point(point)
    params = spec.resolve_params(point.json_metadata, where="json_metadata")
    backend = resolve_backend(point.n, params, point.protocol)
    shots = point.copies // spec.shot_cost(point.protocol)
    tau = threshold(point.n, params["mixedness"])
    successes = 0.0
    for trial_seed, seeds in zip(point.rng_for_trials().spawn(point.trials), instance_family(point).spawn(point.trials)):
        instance = draw_instance(point.n, params, seeds, backend)
        records = sample_instance(
            instance.source, rule=point.rule, shots=shots, backend=backend,
            shots_per_setting=params["shots_per_setting"], rng=np.random.default_rng(trial_seed),
        )
        successes += score(estimate_purity(records, point.rule), instance, tau)
    return PointOutcome(successes=successes, trials=point.trials)
