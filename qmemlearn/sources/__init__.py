"""Sources: the unknown systems to learn."""

from qmemlearn.sources.pauli_mixed import PauliMixedState, preparation_circuit

__all__ = ["PauliMixedState", "preparation_circuit"]
