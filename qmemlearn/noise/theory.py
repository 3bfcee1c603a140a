"""Closed forms: how gate and idle noise shrink the Pauli estimators of the Pauli-mixed source.

Setting: ρ = (I + sαP)/2ⁿ prepared as in :mod:`qmemlearn.sources.pauli_mixed` (per qubit
``X**f`` then a ``PhasedXPowGate`` taking Z to P_i, both gates even when they act trivially),
under the local terms ``depolarizing``, ``idle`` and ``amplitude-damping`` of
:mod:`qmemlearn.noise.terms` (readout and coherent terms are not covered).

Per-moment constants:
    δ = 1 − 4p1/3 (a 1-qubit depolarizer scales the Bloch vector), ε = 1 − 16p2/15 (a
    2-qubit depolarizer scales every non-identity 2-qubit Pauli); per 1-qubit moment the
    idle decay is λ = e^(−t1q/T1)·(1−γ) on ⟨Z⟩ − 1 and μ = e^(−t1q/T2)·√(1−γ) on ⟨X⟩, ⟨Y⟩;
    per 2-qubit moment (the CNOT) Λ = e^(−t2q/T1)·(1−γ), M = e^(−t2q/T2)·√(1−γ). Decay maps
    the Bloch vector (x, y, z) to (μx, μy, λz + 1 − λ): it is affine, not a pure shrink.

Derivation: every channel is local, so given the classical flips each qubit (single-copy)
or pair (two-copy) evolves alone, and the one-shot estimate's conditional mean on qubit i is
affine in z_i = (−1)^(f_i): d0 + d1·z (single-copy) or c0 + c1·z_A + c2·z_B + c3·z_A·z_B
(two-copy). Over the flips, E[Π_{i∈S} z_i] is 1 for S = ∅, sα for S = supp(P), 0 otherwise,
and the copies are independent, hence

    single-copy  E[est tr(Pρ)]  = Π d0 + sα·Π d1,
    two-copy     E[est tr(Pρ)²] = Π c0 + sα·(Π c1 + Π c2) + α²·Π c3      (products over supp(P)).

The d's follow by pushing the Bloch vector through the 3 one-qubit moments (flip,
preparation rotation, basis rotation); the c's by pushing the pair observable (Z_a for X,
Z_b for Z, −Z_aZ_b for Y) back through the H and CNOT moments (Heisenberg picture) onto the
product of the two prepared Bloch vectors, copy A having waited ``memory_wait`` extra
moments (x, y → μ^k·, z → λ^k·z + 1 − λ^k). With depolarizing noise only the offsets vanish:

    E[est tr(Pρ)]  = sα·δ^(3|P|),
    E[est tr(Pρ)²] = α²·Π_i g(P_i),  g(X) = g(Y) = δ⁵ε,  g(Z) = δ⁴ε,

and the per-weight signal factors in general are d1 = δ³λ²μ (X, Y), δ³λ³ (Z) and
c3 = εδ⁵λ³Mμ^(k+2) (X), εδ⁵λ⁴ΛMμ^(k+2) (Y), εδ⁴λ^(k+5)Λ (Z): a memory wait of t_w costs
a factor e^(−t_w/T2) per X/Y qubit and e^(−t_w/T1) per Z qubit.
"""

from __future__ import annotations

import dataclasses
import math

from qmemlearn import paulis
from qmemlearn.noise.spec import NoiseSpec, parse_noise

_COVERED = ("depolarizing", "idle", "amplitude-damping")


@dataclasses.dataclass(frozen=True)
class MomentConstants:
    """δ, ε of gate depolarizing and λ, μ (1-qubit moment), Λ, M (2-qubit moment) of decay."""

    delta: float
    epsilon: float
    lam: float
    mu: float
    lam2: float
    mu2: float


def moment_constants(noise: str | NoiseSpec | None) -> MomentConstants:
    """The constants of the module docstring for a spec.

    Raises:
        ValueError: If the spec has a term without a closed form here (readout, coherent...).
    """
    spec = parse_noise(noise)
    for term in spec.terms:
        if term.name not in _COVERED:
            raise ValueError(f"noise term {term.name!r} has no closed form here; covered: {', '.join(_COVERED)}")
    delta, epsilon = 1 - 4 * spec.p1 / 3, 1 - 16 * spec.p2 / 15
    lam = lam2 = 1 - spec.gamma
    mu = mu2 = math.sqrt(1 - spec.gamma)
    idle = spec.term("idle")
    if idle is not None:
        l1, m1 = idle.decay_factors(idle.t1q_ns)
        l2, m2 = idle.decay_factors(idle.t2q_ns)
        lam, mu, lam2, mu2 = lam * l1, mu * m1, lam2 * l2, mu2 * m2
    return MomentConstants(delta, epsilon, lam, mu, lam2, mu2)


def single_copy_coefficients(letter: str, noise: str | NoiseSpec | None) -> tuple[float, float]:
    """(d0, d1): the mean of (−1)^bit on a qubit with letter P_i, measured in basis P_i, is d0 + d1·z."""
    c = moment_constants(noise)
    lam, mu, d = c.lam, c.mu, c.delta
    if letter == "Z":
        return (1 - lam) * (1 + lam * d + (lam * d) ** 2), (lam * d) ** 3
    if letter in ("X", "Y"):
        return (1 - lam) * (1 + lam * mu * d**2), lam**2 * mu * d**3
    raise ValueError(f"letter={letter!r} must be one of X, Y, Z")


def _prepared(letter: str, c: MomentConstants, wait: int) -> tuple[float, float]:
    """(a, b): the P_i-axis Bloch component of one copy before the CNOT is a + b·z."""
    lam, mu, d = c.lam, c.mu, c.delta
    if letter == "Z":
        return lam ** (wait + 1) * d * (1 - lam) + 1 - lam ** (wait + 1), lam ** (wait + 2) * d**2
    return mu ** (wait + 1) * d * (1 - lam), mu ** (wait + 1) * lam * d**2


def two_copy_coefficients(letter: str, noise: str | NoiseSpec | None, memory_wait: int = 0) -> tuple[float, float, float, float]:
    """(c0, c1, c2, c3): the mean pair eigenvalue of letter P_i is c0 + c1·z_A + c2·z_B + c3·z_A·z_B."""
    if isinstance(memory_wait, bool) or not isinstance(memory_wait, int) or memory_wait < 0:
        raise ValueError(f"memory_wait={memory_wait!r} must be an int >= 0 (moments)")
    if letter not in ("X", "Y", "Z"):
        raise ValueError(f"letter={letter!r} must be one of X, Y, Z")
    c = moment_constants(noise)
    lam, d, eps, lam2, mu2 = c.lam, c.delta, c.epsilon, c.lam2, c.mu2
    (a_a, b_a), (a_b, b_b) = _prepared(letter, c, memory_wait), _prepared(letter, c, 0)
    if letter == "X":  # Z_a  <-  ελδM·X_aX_b + (1 − λ)
        scale, constant = eps * lam * d * mu2, 1 - lam
    elif letter == "Z":  # Z_b  <-  ελΛ·Z_aZ_b + (1 − λΛ)
        scale, constant = eps * lam * lam2, 1 - lam * lam2
    else:  # −Z_aZ_b  <-  ελ²δMΛ·Y_aY_b − εδMλ(1−λΛ)·X_aX_b − ελΛ(1−λ)·Z_aZ_b − (1−λ)(1−λΛ); x = 0 here
        z_a, z_b = 1 - lam ** (memory_wait + 1), 1 - lam
        scale = eps * lam**2 * d * mu2 * lam2
        constant = -eps * lam * lam2 * (1 - lam) * z_a * z_b - (1 - lam) * (1 - lam * lam2)
    return scale * a_a * a_b + constant, scale * b_a * a_b, scale * a_a * b_b, scale * b_a * b_b


def _support(pauli: str) -> str:
    paulis.validate_pauli(pauli, name="pauli")
    letters = pauli.replace("I", "")
    if not letters:
        raise ValueError(f"pauli={pauli!r} must not be the identity")
    return letters


def _check_state(alpha: float, sign: int) -> None:
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha={alpha!r} must be in [0, 1]")
    if sign not in (1, -1):
        raise ValueError(f"sign={sign!r} must be +1 or -1")


def single_copy_expectation(pauli: str, alpha: float, sign: int = 1, noise: str | NoiseSpec | None = None) -> float:
    """Exact mean of the single-copy (shadow or fixed-basis) estimate of tr(Pρ) under noise.

    Example:
        >>> round(single_copy_expectation("XZ", 0.9, 1, "depolarizing:p1=0.03"), 12) == round(0.9 * 0.96**6, 12)
        True
    """
    _check_state(alpha, sign)
    coefficients = [single_copy_coefficients(letter, noise) for letter in _support(pauli)]
    return math.prod(d0 for d0, _ in coefficients) + sign * alpha * math.prod(d1 for _, d1 in coefficients)


def two_copy_squared_expectation(
    pauli: str, alpha: float, sign: int = 1, noise: str | NoiseSpec | None = None, memory_wait: int = 0
) -> float:
    """Exact mean of the two-copy (Bell) one-shot estimate of tr(Pρ)² under noise.

    Example:
        >>> round(two_copy_squared_expectation("Z", 0.9, 1, "depolarizing:p2=0.15"), 12)
        0.6804
    """
    _check_state(alpha, sign)
    cs = [two_copy_coefficients(letter, noise, memory_wait) for letter in _support(pauli)]
    product = lambda k: math.prod(c[k] for c in cs)  # noqa: E731
    return product(0) + sign * alpha * (product(1) + product(2)) + alpha**2 * product(3)


def depolarizing_factors(p1: float, p2: float) -> dict[str, float]:
    """Per-qubit attenuation under ``depolarizing:p1,p2`` alone (module docstring).

    Returns:
        ``{"single": δ³, "X": δ⁵ε, "Y": δ⁵ε, "Z": δ⁴ε}``: E[est tr(Pρ)] = sα·single^|P| and
        E[est tr(Pρ)²] = α²·Π_i factor[P_i].
    """
    spec = NoiseSpec(p1=p1, p2=p2)
    d, e = 1 - 4 * spec.p1 / 3, 1 - 16 * spec.p2 / 15
    return {"single": d**3, "X": d**5 * e, "Y": d**5 * e, "Z": d**4 * e}
