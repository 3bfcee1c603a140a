"""The pca figure writer draws a finished run (reached and unreached searches) without error."""

from __future__ import annotations

import json

from qmemlearn.analysis.experiment import ExperimentConfig, load_experiment, run_experiment
from qmemlearn.plots_pca import save_pca_figure


def test_pca_figure_from_a_tiny_run(tmp_path):
    config = {
        "experiment": "pca-tiny", "kind": "sample-complexity", "figure": "pca", "task": "pca", "seed": 1,
        "noise": "ideal", "target": 0.9, "trials": 8, "max_copies": 64,
        "params": {"p": 0.5, "noise_state": "balanced", "epsilon": 0.25, "depth": 2},
        "modes": {"full": {
            "curves": [{"protocol": "two-copy", "rule": "sign", "n_min": 3, "n_max": 4},
                       {"protocol": "single-copy", "rule": "epsilon", "n_min": 3, "n_max": 3}],
            "success_curve": {"n": 3, "copies": [4, 16]},
        }},
    }
    path = tmp_path / "pca.json"
    path.write_text(json.dumps(config))
    loaded = ExperimentConfig.from_file(path)
    results = tmp_path / "r.csv"
    result = run_experiment(loaded, results_path=results, progress=False)
    assert not any(s.reached for s in result.searches if s.curve.protocol == "single-copy")  # bias 0.4 > ε
    written = save_pca_figure(load_experiment(loaded, results_path=results), tmp_path / "fig")
    assert [p.name for p in written] == ["fig.png", "fig.pdf"]
    assert all(p.stat().st_size > 1000 for p in written)
