"""A simulation-friendly form of the two-copy dynamics circuit: same final state, low entanglement.

The two-copy circuit of :func:`qmemlearn.protocols.dynamics.two_copy_dynamics_circuit` (the one
hardware runs) is Bell pairs → U on the system → SWAP each pair → U on the system → un-Bell.
Two identities turn it into a circuit with exactly the same final state vector:

* ``SWAP·(U ⊗ I) = (I ⊗ U)·SWAP``, so ``U_sys·SWAP·U_sys = U_sys·U_mem·SWAP``;
* ``SWAP|Φ⟩ = |Φ⟩`` for Bell pairs |Φ⁺⟩ (each pair is symmetric), so the SWAP drops out.

The state before un-Bell is therefore ``(U_sys ⊗ U_mem)|Φ⟩``, and because the system and memory
halves commute, the gates can be applied layer by layer, system layer ℓ then memory layer ℓ.
After k layers the state is ``(u_k…u_1·u_1ᵀ…u_kᵀ ⊗ I)|Φ⟩``: for T-symmetric U every layer is
real orthogonal and cancels at once, so a matrix-product state never grows beyond a small bond at
any depth; for scrambling U the bond grows as the operator entanglement of ``U·Uᵀ``, which is the
final state's own entanglement and cannot be avoided by any exact method. The literal order
instead first builds ``(U ⊗ I)|Φ⟩``, whose bond grows as 2^depth for both classes.

This form is for simulators only (the MPS path of :mod:`qmemlearn.tasks.dynamics_outcomes`);
hardware always runs the literal circuit. Qubits and bit order are the literal circuit's: system i
on ``LineQubit(2i)``, memory i on ``LineQubit(2i+1)``.
"""

from __future__ import annotations

import cirq

from qmemlearn.protocols.dynamics import system_memory_qubits
from qmemlearn.protocols.base import MEASUREMENT_KEY
from qmemlearn.sources.brickwork import BrickworkDynamics


def interleaved_two_copy_circuit(dynamics: BrickworkDynamics, *, key: str = MEASUREMENT_KEY) -> cirq.Circuit:
    """Bell pairs, then each moment of U on the system followed by the same moment on the memory,
    then un-Bell and measure: the final state of the literal two-copy circuit, exactly.

    Args:
        dynamics: The unknown U.
        key: Measurement key of the 2n bits (system i at column 2i, memory i at 2i+1).

    Example:
        >>> u = BrickworkDynamics(n=2, depth=1, kind="scrambling", seed=3)
        >>> len(interleaved_two_copy_circuit(u))
        9
    """
    system, memory = system_memory_qubits(dynamics.n)
    to_memory = dict(zip(system, memory))
    u = dynamics.circuit(system)
    pairs = list(zip(system, memory))
    moments: list[cirq.Moment] = [
        cirq.Moment(cirq.H(s) for s in system),
        cirq.Moment(cirq.CNOT(s, m) for s, m in pairs),
    ]
    for moment in u:
        moments.append(moment)
        moments.append(moment.transform_qubits(to_memory))
    moments += [
        cirq.Moment(cirq.CNOT(s, m) for s, m in pairs),
        cirq.Moment(cirq.H(s) for s in system),
        cirq.Moment(cirq.measure(*[q for pair in pairs for q in pair], key=key)),
    ]
    return cirq.Circuit(moments)
