"""Experiment kinds: the config's "kind" picks the loader, runner and figure."""

import json

import pytest

from qmemlearn.analysis.kinds import KINDS, kind_of_config
from qmemlearn.cli.experiments import EXPERIMENTS, project_root


def test_every_committed_config_names_a_known_kind_and_loads():
    for name, (config_name, _) in EXPERIMENTS.items():
        path = project_root() / "experiments" / config_name
        kind = kind_of_config(path)
        for mode in ("full", "quick"):
            config = kind.load_config(path, mode=mode)
            assert config.mode == mode, name


def test_default_and_unknown_kind(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"experiment": "x"}))
    assert kind_of_config(path) is KINDS["sample-complexity"]
    path.write_text(json.dumps({"kind": "movie"}))
    with pytest.raises(ValueError, match=r"key 'kind'='movie' is unknown; allowed: sample-complexity, advantage-map"):
        kind_of_config(path)


def test_sample_complexity_kind_draws_with_the_configured_writer(monkeypatch, tmp_path):
    import types

    from qmemlearn.analysis import figure_writers
    from qmemlearn.plots_dynamics import save_dynamics_figures

    calls = []
    monkeypatch.setattr("qmemlearn.plots_dynamics.save_dynamics_figures", lambda r, s: calls.append(s) or [s])
    result = types.SimpleNamespace(config=types.SimpleNamespace(figure="dynamics"))
    assert KINDS["sample-complexity"].save_figure(result, tmp_path / "f") == [tmp_path / "f"]
    assert calls == [tmp_path / "f"] and callable(save_dynamics_figures)
    assert figure_writers.FIGURE_WRITERS["dynamics"].sections == ("embedding",)
