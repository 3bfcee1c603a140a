"""Sweeps and analysis: sweep points, result rows, the results store, executors, the engine, the
sample-complexity search and the fits.

Example:
    >>> from qmemlearn.analysis import SearchCurve, run_searches
    >>> from qmemlearn.tasks.synthetic import evaluate_synthetic
    >>> curve = SearchCurve(task="synthetic", protocol="single-copy", rule="r", n=1, trials=2000)
    >>> run_searches([curve], evaluate_synthetic, store=None, progress=False)[0].n_star
    7
"""

from qmemlearn.analysis.engine import PointDispatcher, run_points
from qmemlearn.analysis.executors import (
    DaskExecutor,
    Executor,
    LocalPoolExecutor,
    SerialExecutor,
    make_executor,
)
from qmemlearn.analysis.fit import FitResult, fit_exponential, n_star_interval, wilson_interval
from qmemlearn.analysis.points import PROTOCOL_VERSION, PointOutcome, SweepPoint, canonical_json
from qmemlearn.analysis.search import (
    Evaluation,
    SampleComplexitySearch,
    SearchCurve,
    SearchResult,
    copies_per_shot,
    run_searches,
)
from qmemlearn.analysis.rows import CSV_COLUMNS, Row, fold_rows, package_versions
from qmemlearn.analysis.store import IncompleteRowWarning, ResultStore, StoreLockedError

__all__ = [
    "CSV_COLUMNS",
    "DaskExecutor",
    "Evaluation",
    "Executor",
    "FitResult",
    "IncompleteRowWarning",
    "LocalPoolExecutor",
    "PROTOCOL_VERSION",
    "PointDispatcher",
    "PointOutcome",
    "ResultStore",
    "Row",
    "SampleComplexitySearch",
    "SearchCurve",
    "SearchResult",
    "SerialExecutor",
    "StoreLockedError",
    "SweepPoint",
    "canonical_json",
    "copies_per_shot",
    "fit_exponential",
    "fold_rows",
    "make_executor",
    "n_star_interval",
    "package_versions",
    "run_points",
    "run_searches",
    "wilson_interval",
]
