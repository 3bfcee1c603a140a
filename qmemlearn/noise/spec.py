"""Noise spec strings: strict parsing, one canonical string per noise, and the term registry.

A spec is ``"ideal"`` or ``+``-joined terms ``name:key=value,...`` (see :mod:`qmemlearn.noise`
for the terms). Parsing is strict: an unknown, empty or repeated term, a term without
parameters, an unknown, repeated or valueless key, and a non-finite or out-of-range value are
each a ``ValueError`` that names it.

**Canonical strings.** ``parse_noise(s).to_string()`` is the one canonical form of a spec:
terms in registry order (:data:`NOISE_TERMS`), every key of a term in its fixed order with
defaults filled in, floats written with ``repr`` (so they parse back bit-identical), and terms
that do nothing (e.g. ``depolarizing:p1=0``) dropped. Equivalent specs give the same string,
and ``to_string`` is idempotent. Callers that store a noise (results tables, strong ids,
record metadata) must store ``parse_noise(s).to_string()``, never the user's text.

**Adding a term** (e.g. ``google:willow_pink`` in ``qmemlearn.hardware``): subclass
:class:`NoiseTerm` as a frozen dataclass, set ``name`` (and ``keys`` for ``key=value`` terms),
override :meth:`NoiseTerm.parse` and :meth:`NoiseTerm.to_string` if the term has another
syntax, implement :meth:`NoiseTerm.model` if the term is not local (it then returns its own
``cirq.NoiseModel`` and cannot be combined with other terms), and decorate the class with
:func:`register_noise_term`. A term whose module is not imported yet can be found lazily by
listing it in :data:`LAZY_NOISE_TERMS` (name -> module that registers it on import).
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

import numpy as np

if TYPE_CHECKING:
    import cirq

#: Registered term classes by name, in canonical order (registration order).
NOISE_TERMS: dict[str, type["NoiseTerm"]] = {}

#: Terms defined in modules that are imported only when the term is first parsed.
LAZY_NOISE_TERMS: dict[str, str] = {"google": "qmemlearn.hardware"}


def check_number(key: str, value: Any, low: float, high: float, *, open_low: bool = False) -> float:
    """A finite float in [low, high] (or (low, high] with ``open_low``), else a ValueError naming it."""
    allowed = f"{'(' if open_low else '['}{low:g}, {high:g}]" if math.isfinite(high) else f"{'(' if open_low else '['}{low:g}, inf)"
    message = f"noise parameter {key}={value!r} must be a number in {allowed}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(message)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(message.replace("must be a number", "must be a finite number"))
    if number < low or number > high or (open_low and number == low):
        raise ValueError(message)
    return number


@dataclasses.dataclass(frozen=True)
class NoiseTerm:
    """One term of a noise spec. Subclasses are frozen dataclasses whose fields are the keys.

    Class attributes:
        name: The term's name in spec strings.
        keys: Parameter names in canonical order (the dataclass fields).
        required: Keys that must be given in a spec string; the others have defaults.
        local: True if :class:`~qmemlearn.noise.model.LocalNoiseModel` applies the term through
            the hooks below; False if the term brings its own :meth:`model`.
    """

    name: ClassVar[str] = ""
    keys: ClassVar[tuple[str, ...]] = ()
    required: ClassVar[tuple[str, ...]] = ()
    local: ClassVar[bool] = True
    example: ClassVar[str] = ""

    @classmethod
    def parse(cls, body: str, *, spec: str) -> "NoiseTerm":
        """Builds the term from the text after ``name:``; strict ``key=value`` pairs by default."""
        values = parse_key_values(cls, body, spec=spec)
        missing = [k for k in cls.required if k not in values]
        if missing:
            raise ValueError(
                f"noise term {cls.name!r} in noise={spec!r} needs {', '.join(missing)}; e.g. {cls.example}"
            )
        return cls(**values)

    def to_string(self) -> str:
        """Canonical text: every key in order, floats as ``repr``."""
        return self.name + ":" + ",".join(f"{k}={getattr(self, k)!r}" for k in self.keys)

    @property
    def is_ideal(self) -> bool:
        """True if the term changes no circuit (it is then dropped from canonical specs)."""
        return False

    def model(self) -> "cirq.NoiseModel | None":
        """The term's own noise model, for non-local terms; None for local ones."""
        return None

    # ----- hooks of LocalNoiseModel (local terms) -----------------------------------------
    def before_measurement(self, qubits: Sequence["cirq.Qid"]) -> list["cirq.Operation"]:
        """Channels placed in a moment of their own right before a measurement of ``qubits``."""
        return []

    def after_gate(self, op: "cirq.Operation") -> list["cirq.Operation"]:
        """Errors placed right after the (non-measurement, non-identity) gate ``op``."""
        return []

    def after_moment(self, moment: "cirq.Moment", system_qubits: Sequence["cirq.Qid"]) -> list["cirq.Operation"]:
        """Channels on idle or waiting qubits, placed after the moment and its gate errors."""
        return []


def parse_key_values(cls: type[NoiseTerm], body: str, *, spec: str) -> dict[str, str | float]:
    """Strict ``key=value,...``: every key known and given once, every value a float."""
    if not body.strip():
        raise ValueError(
            f"noise term {cls.name!r} in noise={spec!r} has no parameters; write e.g. {cls.example}"
        )
    values: dict[str, str | float] = {}
    for item in body.split(","):
        key, has_value, text = (part.strip() for part in item.partition("="))
        if not key and not text:
            raise ValueError(f"noise term {cls.name!r} in noise={spec!r} has an empty parameter (a stray ',')")
        if key not in cls.keys:
            raise ValueError(f"noise term {cls.name!r} has no parameter {key!r}; allowed: {', '.join(cls.keys)}")
        if not has_value:
            raise ValueError(f"noise parameter {key!r} of term {cls.name!r} in noise={spec!r} has no value; write {key}=<number>")
        if key in values:
            raise ValueError(f"noise parameter {key!r} is given twice in term {cls.name!r} of noise={spec!r}")
        try:
            values[key] = float(text)
        except ValueError:
            raise ValueError(f"noise parameter {key}={text!r} must be a number") from None
    return values


def register_noise_term(cls: type[NoiseTerm]) -> type[NoiseTerm]:
    """Class decorator: makes ``cls.name`` parseable. Registering a name twice is an error."""
    if not cls.name or not isinstance(cls.name, str) or any(c in cls.name for c in "+:,= "):
        raise ValueError(f"noise term name={cls.name!r} must be a non-empty str without '+', ':', ',', '=' or spaces")
    if cls.name in NOISE_TERMS and NOISE_TERMS[cls.name] is not cls:
        raise ValueError(f"noise term {cls.name!r} is already registered by {NOISE_TERMS[cls.name].__qualname__}")
    NOISE_TERMS[cls.name] = cls
    return cls


def _term_class(name: str, spec: str) -> type[NoiseTerm]:
    if name not in NOISE_TERMS and name in LAZY_NOISE_TERMS:
        try:
            importlib.import_module(LAZY_NOISE_TERMS[name])
        except ImportError:
            pass
    if name not in NOISE_TERMS:
        raise ValueError(f"noise term {name!r} in noise={spec!r} is unknown; allowed: ideal, {', '.join(NOISE_TERMS)}")
    return NOISE_TERMS[name]


def _legacy_terms(params: dict[str, Any]) -> list[NoiseTerm]:
    """``NoiseSpec(p1=0.1, p01=0.02)``: flat keys grouped into their (key=value) terms."""
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in params.items():
        owners = [name for name, cls in NOISE_TERMS.items() if key in cls.keys]
        if not owners:
            known = sorted({k for cls in NOISE_TERMS.values() for k in cls.keys})
            raise ValueError(f"noise parameter {key!r} is unknown; allowed: {', '.join(known)}")
        grouped.setdefault(owners[0], {})[key] = value
    return [NOISE_TERMS[name](**values) for name, values in grouped.items()]


class NoiseSpec:
    """A validated noise: a tuple of terms in canonical order, at most one per name.

    Build it with :func:`parse_noise`, from terms (``NoiseSpec([Depolarizing(p1=0.01)])``) or
    from flat keys (``NoiseSpec(p1=0.01, p01=0.02)``, a value of zero meaning absent).
    Specs are immutable, hashable and equal when their canonical strings are equal.

    Example:
        >>> NoiseSpec(p10=0.05, p01=0.02).to_string()
        'readout:p01=0.02,p10=0.05'
    """

    __slots__ = ("terms",)
    terms: tuple[NoiseTerm, ...]

    def __init__(self, terms: Sequence[NoiseTerm] = (), **params: Any) -> None:
        terms = list(terms) + _legacy_terms(params)
        for t in terms:
            if not isinstance(t, NoiseTerm) or NOISE_TERMS.get(t.name) is not type(t):
                raise ValueError(f"noise term {t!r} is not a registered NoiseTerm")
        names = [t.name for t in terms]
        for t in terms:
            if names.count(t.name) > 1:
                raise ValueError(f"noise term {t.name!r} appears twice; give each term once")
        order = list(NOISE_TERMS)
        kept = sorted((t for t in terms if not t.is_ideal), key=lambda t: order.index(t.name))
        nonlocal_terms = [t.name for t in kept if not t.local]
        if nonlocal_terms and len(kept) > 1:
            raise ValueError(
                f"noise term {nonlocal_terms[0]!r} brings its own noise model and cannot be combined "
                f"with other terms; got {' + '.join(t.name for t in kept)}"
            )
        object.__setattr__(self, "terms", tuple(kept))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("NoiseSpec is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoiseSpec) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(self.terms)

    def __repr__(self) -> str:
        return f"qmemlearn.noise.parse_noise({self.to_string()!r})"

    @property
    def is_ideal(self) -> bool:
        """True if no term changes the circuit."""
        return not self.terms

    def term(self, name: str) -> NoiseTerm | None:
        """The term called ``name``, or None if the spec has none."""
        return next((t for t in self.terms if t.name == name), None)

    def _value(self, term: str, key: str) -> float:
        found = self.term(term)
        return 0.0 if found is None else float(getattr(found, key))

    # Flat accessors of the original presets (0.0 when the term is absent).
    p1 = property(lambda self: self._value("depolarizing", "p1"), doc="1-qubit depolarizing probability.")
    p2 = property(lambda self: self._value("depolarizing", "p2"), doc="2-qubit depolarizing probability.")
    p01 = property(lambda self: self._value("readout", "p01"), doc="Readout 0→1 probability.")
    p10 = property(lambda self: self._value("readout", "p10"), doc="Readout 1→0 probability.")
    gamma = property(lambda self: self._value("amplitude-damping", "gamma"), doc="Amplitude damping per moment.")

    def to_string(self) -> str:
        """The canonical spec string (module docstring); ``parse_noise`` of it gives an equal spec."""
        return "+".join(t.to_string() for t in self.terms) or "ideal"

    def model(self) -> "cirq.NoiseModel | None":
        """The ``cirq.NoiseModel``, or None when ideal."""
        if self.is_ideal:
            return None
        if not self.terms[0].local:
            return self.terms[0].model()
        from qmemlearn.noise.model import LocalNoiseModel

        return LocalNoiseModel(self)


def parse_noise(spec: str | NoiseSpec | None) -> NoiseSpec:
    """Parses a noise spec string strictly (see the module docstring).

    Args:
        spec: A spec string, a ``NoiseSpec`` (returned as is) or None (ideal).

    Returns:
        The ``NoiseSpec``; its ``to_string()`` is the canonical form to store.

    Raises:
        ValueError: Naming the unknown, empty or repeated term or key, or the bad value, and
            listing what is allowed.

    Example:
        >>> parse_noise("readout:p10=0.05,p01=0.02+depolarizing:p2=0.01").to_string()
        'depolarizing:p1=0.0,p2=0.01+readout:p01=0.02,p10=0.05'
    """
    if spec is None:
        return NoiseSpec()
    if isinstance(spec, NoiseSpec):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"noise={spec!r} must be 'ideal' or terms like 'depolarizing:p1=0.001'")
    texts = [t.strip() for t in spec.split("+")]
    if texts == ["ideal"]:
        return NoiseSpec()
    terms: list[NoiseTerm] = []
    seen: set[str] = set()
    for position, text in enumerate(texts):
        if not text:
            raise ValueError(f"noise={spec!r} has an empty term at position {position} (a stray '+')")
        name, _, body = (part.strip() for part in text.partition(":"))
        if name == "ideal":
            raise ValueError(f"noise term 'ideal' in noise={spec!r} cannot be combined with other terms")
        cls = _term_class(name, spec)
        if name in seen:
            raise ValueError(f"noise term {name!r} appears twice in noise={spec!r}; give each term once")
        seen.add(name)
        terms.append(cls.parse(body, spec=spec))
    return NoiseSpec(terms)
