"""Estimators: measurement records -> estimates with standard errors.

* :mod:`.statistics`: mean, median of means, pair U-statistics (shared by both protocols).
* :mod:`.shadow`: single-copy classical-shadow estimators (1 copy per shot).
* :mod:`.bell`: two-copy Bell-basis estimators (2 copies per shot).
* :mod:`.mitigation`: readout-error corrected estimators for both protocols.
* :mod:`.dispatch`: the right estimator for a record of either protocol.
* :mod:`.identification`: recover the hidden Pauli from records (the ``identify`` rule).
"""

from qmemlearn.estimators.dispatch import estimate_expectation, estimate_squared
from qmemlearn.estimators.identification import identify_pauli_single_copy, identify_pauli_two_copy
from qmemlearn.estimators.bell import bell_pair_values, bell_purity, bell_squared
from qmemlearn.estimators.mitigation import (
    corrected_signs,
    mitigated_expectation,
    mitigated_purity,
    mitigated_squared,
)
from qmemlearn.estimators.shadow import (
    shadow_expectation,
    shadow_purity,
    shadow_snapshot_values,
    shadow_squared,
)
from qmemlearn.estimators.statistics import (
    mean_and_stderr,
    median_of_means,
    pair_ustatistic_stderr,
    squared_mean_ustatistic,
)

__all__ = [
    "bell_pair_values",
    "bell_purity",
    "bell_squared",
    "corrected_signs",
    "estimate_expectation",
    "estimate_squared",
    "identify_pauli_single_copy",
    "identify_pauli_two_copy",
    "mean_and_stderr",
    "median_of_means",
    "mitigated_expectation",
    "mitigated_purity",
    "mitigated_squared",
    "pair_ustatistic_stderr",
    "shadow_expectation",
    "shadow_purity",
    "shadow_snapshot_values",
    "shadow_squared",
    "squared_mean_ustatistic",
]
