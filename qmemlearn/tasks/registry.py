"""The task registry: what the runner, store, search, fits and figures need to know of a task.

A task is a small registered :class:`TaskSpec`. It declares

* its evaluation function (module path, imported lazily so the registry stays light and the
  function stays picklable for process pools and Dask),
* its parameters (:class:`Param`: default, type, allowed range, description); they are
  validated, JSON-native, and stored in every point's ``json_metadata``, so they are part
  of the strong id,
* its protocols with the cost of one shot in the task's cost unit,
* its success rules, cost unit (``"copies of ρ"`` or ``"queries of U"``) and theory reference.

With that the experiment runner serves any registered task without edits: adding a task is
one module with an ``evaluate(point)`` and one :func:`register` call.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import numbers
from typing import Any, Callable, Mapping

from qmemlearn.analysis.points import PointOutcome, SweepPoint

Evaluate = Callable[[SweepPoint], PointOutcome]


@dataclasses.dataclass(frozen=True)
class Param:
    """One declared task parameter.

    Args:
        default: The value used when a config leaves the parameter out.
        kind: ``"float"``, ``"int"``, ``"str"`` or ``"bool"``.
        low: Smallest allowed value (numbers). Defaults to None (no bound).
        high: Largest allowed value (numbers). Defaults to None (no bound).
        choices: Allowed values (strings). Defaults to None (any).
        low_open: Whether ``low`` itself is excluded. Defaults to False.
        description: One line, with units.
        choices_path: ``"module:attribute"`` of a tuple of allowed strings, imported when first
            needed (e.g. the backend names). Defaults to None.
        omit_at_default: Leave the parameter out of the resolved parameters (hence out of
            ``json_metadata`` and the strong id) when it equals its default, so that adding it
            to a task keeps the strong ids of every existing point. Defaults to False.

    Example:
        >>> Param(0.9, "float", low=0.0, high=1.0, low_open=True).check("alpha", 0.5)
        0.5
    """

    default: Any
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    low_open: bool = False
    description: str = ""
    choices_path: str | None = None
    omit_at_default: bool = False

    def allowed_choices(self) -> tuple[str, ...] | None:
        """The allowed strings, if the parameter has a closed set of them."""
        if self.choices_path is not None:
            return tuple(_load(self.choices_path))
        return self.choices

    def allowed(self) -> str:
        """The allowed range in words, for error messages."""
        choices = self.allowed_choices()
        if choices is not None:
            return "one of " + ", ".join(repr(c) for c in choices)
        left = "(" if self.low_open else "["
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{'an int' if self.kind == 'int' else 'a number'} in {left}{low}, {high}]"

    def check(self, name: str, value: Any) -> Any:
        """Returns ``value`` converted to the declared kind, or raises naming ``name``.

        Raises:
            ValueError: If the value has the wrong type or is out of range.
        """
        bad = ValueError(f"{name}={value!r} must be {self.allowed()}")
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{name}={value!r} must be true or false")
            return value
        if self.kind == "str":
            choices = self.allowed_choices()
            if not isinstance(value, str) or (choices is not None and value not in choices):
                raise bad
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise bad
        if self.kind == "int":
            if not isinstance(value, numbers.Integral):
                raise bad
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise bad
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise bad
        if self.high is not None and value > self.high:
            raise bad
        return value


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """A registered separation task.

    Args:
        name: The task name used in configs, points and tables, e.g. ``"pauli-learning"``.
        evaluate_path: ``"module:function"`` of the picklable ``evaluate(point) -> PointOutcome``.
        protocols: Protocol name -> cost of one shot in ``cost_unit`` (the search grid step).
        rules: The success rules.
        params: Declared parameters (see :class:`Param`).
        cost_unit: What one unit of cost is: ``"copies of ρ"`` or ``"queries of U"``.
        theory: One line naming the theory reference for the separation.
        validate_path: Optional ``"module:function"`` checking a whole point (e.g. size limits
            of a rule); raises ``ValueError``. Defaults to None.
    """

    name: str
    evaluate_path: str
    protocols: Mapping[str, int]
    rules: tuple[str, ...]
    params: Mapping[str, Param]
    cost_unit: str
    theory: str
    validate_path: str | None = None

    @property
    def evaluate(self) -> Evaluate:
        """The evaluation function (imported on first use)."""
        return _load(self.evaluate_path)

    def shot_cost(self, protocol: str) -> int:
        """Cost of one shot of ``protocol`` in the task's unit (the N* search grid step).

        Raises:
            ValueError: If the task has no such protocol.
        """
        if protocol not in self.protocols:
            raise ValueError(f"protocol={protocol!r} is unknown for task {self.name!r}; allowed: {', '.join(self.protocols)}")
        return self.protocols[protocol]

    def resolve_params(self, given: Mapping[str, Any] | None, *, where: str = "params") -> dict[str, Any]:
        """All parameters, defaults filled in, each checked against its declaration.

        Args:
            given: The parameters a config sets; unknown names are an error.
            where: How to name the mapping in messages (e.g. ``"params"``). Defaults to "params".

        Raises:
            ValueError: Naming ``where.<key>``, the value and the allowed range.
        """
        if given is not None and not isinstance(given, Mapping):
            raise ValueError(f"{where}={given!r} must be an object of task parameters")
        given = dict(given or {})
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            raise ValueError(
                f"{where} has unknown key(s) {unknown} for task {self.name!r}; allowed: {sorted(self.params)}"
            )
        resolved = {
            name: param.check(f"{where}.{name}", given.get(name, param.default))
            for name, param in sorted(self.params.items())
        }
        return {
            name: value
            for name, value in resolved.items()
            if not (self.params[name].omit_at_default and value == self.params[name].default)
        }

    def validate_point(self, point: SweepPoint) -> None:
        """Checks protocol, rule, parameters and the task's own limits for ``point``.

        Raises:
            ValueError: Naming the bad field.
        """
        if point.task != self.name:
            raise ValueError(f"point.task={point.task!r} must be {self.name!r}")
        self.shot_cost(point.protocol)
        if point.rule not in self.rules:
            raise ValueError(f"rule={point.rule!r} is unknown for task {self.name!r}; allowed: {', '.join(self.rules)}")
        self.resolve_params(point.json_metadata, where="json_metadata")
        if self.validate_path is not None:
            _load(self.validate_path)(point)


def _load(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


_REGISTRY: dict[str, TaskSpec] = {}


def register(spec: TaskSpec) -> TaskSpec:
    """Adds a task to the registry (replacing one of the same name) and returns it."""
    _REGISTRY[spec.name] = spec
    return spec


def get_task(name: str) -> TaskSpec:
    """The registered task called ``name``.

    Raises:
        ValueError: If no task has that name (the message lists the registered ones).

    Example:
        >>> get_task("pauli-learning").cost_unit
        'copies of ρ'
    """
    if name not in _REGISTRY:
        raise ValueError(f"task={name!r} is unknown; allowed: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def task_names() -> list[str]:
    """Names of the registered tasks, sorted."""
    return sorted(_REGISTRY)


_COPIES = {"single-copy": 1, "two-copy": 2}

register(
    TaskSpec(
        name="pauli-learning",
        evaluate_path="qmemlearn.tasks.pauli_learning:evaluate_pauli_learning",
        validate_path="qmemlearn.tasks.pauli_learning:validate_point",
        protocols=_COPIES,
        rules=("decoy", "identify"),
        params={
            "alpha": Param(0.9, "float", low=0.0, high=1.0,
                           description="Pauli weight α of ρ = (I + sαP)/2ⁿ, in [0, 1]"),
            "backend": Param("fast", "str", description="sampler backend name (see qmemlearn.backends)",
                             choices_path="qmemlearn.backends.factory:BACKENDS"),
            "memory_wait": Param(0, "int", low=0, description="moments copy A waits in memory (two-copy)"),
            "mitigate": Param(False, "bool", omit_at_default=True,
                              description="readout-error mitigation: calibrate, then correct the estimators"),
            "calibration_shots": Param(10000, "int", low=1, omit_at_default=True,
                                       description="shots per calibration circuit (|0…0⟩, |1…1⟩) per point; "
                                       "not copies of ρ"),
        },
        cost_unit="copies of ρ",
        theory="Huang et al., Science 376, 1182 (2022); Chen–Cotler–Huang–Li, FOCS 2021: "
        "two-copy O(n) vs single-copy Ω(2ⁿ)",
    )
)

register(
    TaskSpec(
        name="synthetic",
        evaluate_path="qmemlearn.tasks.synthetic:evaluate_synthetic",
        protocols=_COPIES,
        rules=("decoy", "identify", "r"),
        params={
            "c0": Param(2.0, "float", low=0.0, low_open=True, description="copies scale of the success curve"),
            "slope": Param(1.0, "float", description="log₂ growth of N* per qubit"),
            "sleep_per_copy": Param(0.0, "float", low=0.0, description="seconds slept per copy (demos)"),
        },
        cost_unit="copies of ρ",
        theory="closed form: N* = c0·2^(slope·n)·ln(5) for target 0.9",
    )
)

register(
    TaskSpec(
        name="dynamics",
        evaluate_path="qmemlearn.tasks.dynamics:evaluate_dynamics",
        validate_path="qmemlearn.tasks.dynamics:validate_point",
        protocols={**_COPIES, "single-copy-random": 1},
        rules=("kernel-pca", "statistic"),
        params={
            "depth": Param(5, "int", low=1, description="brickwork layers of U"),
            "circuits_per_class": Param(20, "int", low=2, description="circuits of each class per trial"),
            "backend": Param("auto", "str", choices=("auto", "exact", "mps", "trajectories"),
                             description="outcome simulator (see qmemlearn.tasks.dynamics_outcomes)"),
            "max_bond": Param(0, "int", low=0, description="MPS bond cap; 0 = exact"),
            "scrambling_gate": Param("sycamore", "str", choices_path="qmemlearn.sources.brickwork:SCRAMBLING_GATES",
                                     omit_at_default=True,
                                     description="entangler of scrambling blocks: the paper's Sycamore gate, or CZ "
                                     "for CZ-native devices"),
        },
        cost_unit="queries of U",
        theory="Huang et al., Science 376, 1182 (2022), Fig. 4: two-copy O(1) queries, single-copy ~2ⁿ",
    )
)

register(
    TaskSpec(
        name="pca",
        evaluate_path="qmemlearn.tasks.pca:evaluate_pca",
        validate_path="qmemlearn.tasks.pca:validate_point",
        protocols=_COPIES,
        rules=("epsilon", "sign"),
        params={
            "p": Param(0.5, "float", low=0.0, high=0.99,
                       description="noise weight p of ρ = (1−p)|ψ⟩⟨ψ| + pσ; >= 0.5 for balanced noise"),
            "noise_state": Param("balanced", "str", choices=("balanced", "maximally-mixed"),
                                 description="σ = (I − q·s·O)/2ⁿ with q = (1−p)/p (tr(Oρ) = 0), or I/2ⁿ"),
            "epsilon": Param(0.25, "float", low=0.0, high=2.0, low_open=True,
                             description="rule 'epsilon': success if |estimate − ⟨ψ|O|ψ⟩| <= epsilon"),
            "depth": Param(6, "int", low=1, description="brickwork layers of the scrambling U preparing ψ"),
            "numerator_fraction": Param(0.5, "float", low=0.0, high=1.0, low_open=True,
                                        description="two-copy: fraction of shots on tr(Oρ²), the rest on tr(ρ²)"),
            "single_copy_estimator": Param("shadow", "str", choices=("shadow", "direct"),
                                           description="single-copy: shadow distillation, or the control "
                                           "tr(Oρ)/(1−p) from measuring O on every copy (p known)"),
        },
        cost_unit="copies of ρ",
        theory="Huggins et al., PRX 11, 041036 (2021); Koczor, PRX 11, 031057 (2021): two-copy O(1); "
        "single-copy Ω(2^(n/2)) by reduction from purity testing (Chen–Cotler–Huang–Li, FOCS 2021)",
    )
)

register(
    TaskSpec(
        name="purity",
        evaluate_path="qmemlearn.tasks.purity:evaluate_purity",
        validate_path="qmemlearn.tasks.purity:validate_point",
        protocols=_COPIES,
        rules=("shadow", "randomized", "swap"),
        params={
            "mixedness": Param(0.5, "float", low=0.0, high=1.0, low_open=True,
                               description="weight p of I/2ⁿ in the depolarized alternative (1−p)|ψ⟩⟨ψ| + p·I/2ⁿ"),
            "states": Param("all", "str", choices=("all", "clifford"),
                            description="pure families: all = brickwork, GHZ, stabilizer; clifford = GHZ, stabilizer"),
            "depth": Param(0, "int", low=0, description="brickwork layers of the random states; 0 = n"),
            "backend": Param("auto", "str", choices=("auto", "statevector", "stim"),
                             description="statevector (n <= 14) or stim (two-copy, Clifford states); auto picks"),
            "shots_per_setting": Param(16, "int", low=2,
                                       description="repetitions of a basis setting (rule 'randomized')"),
        },
        cost_unit="copies of ρ",
        theory="Chen–Cotler–Huang–Li, FOCS 2021: purity testing needs Ω(2^(n/2)) copies single-copy, "
        "O(1) with two-copy Bell measurements",
    )
)
