"""Estimators chosen by record type, so callers need not know which protocol made a record."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from qmemlearn.estimators.bell import bell_squared
from qmemlearn.estimators.mitigation import mitigated_expectation, mitigated_squared
from qmemlearn.estimators.shadow import shadow_expectation, shadow_squared
from qmemlearn.protocols.calibration import ReadoutCalibration
from qmemlearn.records import BellRecord, ShadowRecord


def estimate_squared(
    record: ShadowRecord | BellRecord,
    observables: Sequence[str] | np.ndarray,
    *,
    calibration: ReadoutCalibration | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unbiased estimates of tr(Qρ)² and their standard errors, for either protocol.

    Two-copy records use the Bell pair product; single-copy records use the shadow
    U-statistic over distinct snapshot pairs. With a ``calibration`` the readout error is
    corrected (:func:`.mitigation.mitigated_squared`, stderr including the calibration's).
    """
    if calibration is not None:
        return mitigated_squared(record, observables, calibration)
    if isinstance(record, BellRecord):
        return bell_squared(record.bits, observables)
    if isinstance(record, ShadowRecord):
        return shadow_squared(record.bits, record.recipes, observables)
    raise TypeError(f"record must be a ShadowRecord or BellRecord, not {type(record).__name__}")


def estimate_expectation(
    record: ShadowRecord,
    observables: Sequence[str] | np.ndarray,
    *,
    calibration: ReadoutCalibration | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Estimates of tr(Qρ) and their standard errors; single-copy records only.

    A two-copy Bell measurement reveals tr(Qρ)² but not the sign of tr(Qρ). With a
    ``calibration`` the readout error is corrected (:func:`.mitigation.mitigated_expectation`).
    """
    if not isinstance(record, ShadowRecord):
        raise TypeError("tr(Qρ) itself needs single-copy records; two-copy records give tr(Qρ)² only")
    if calibration is not None:
        return mitigated_expectation(record, observables, calibration)
    return shadow_expectation(record.bits, record.recipes, observables)
