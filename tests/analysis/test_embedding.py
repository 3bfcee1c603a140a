"""The stored embedding table: written once, read back unchanged, re-simulated only when stale."""

import json

import numpy as np
import pytest

from qmemlearn.analysis import embedding as embedding_module
from qmemlearn.analysis.embedding import embedding_path, embedding_scores, stored_embeddings

PARAMS = {"n": 3, "depth": 2, "queries": 8, "circuits_per_class": 3, "seed": 5}


def test_embedding_path_sits_beside_the_results_table(tmp_path):
    assert embedding_path(tmp_path / "full.csv") == tmp_path / "full-embedding.json"


def test_first_call_simulates_and_stores_then_the_table_is_read_without_simulating(tmp_path, monkeypatch, capsys):
    table = tmp_path / "full-embedding.json"
    first = stored_embeddings(table, **PARAMS)
    assert table.exists() and "stored it in" in capsys.readouterr().err
    assert [e.protocol for e in first] == ["single-copy", "two-copy"]
    stored = json.loads(table.read_text())
    assert stored["params"]["seed"] == 5 and "numpy" in stored["versions"]

    def refuse(**_):
        raise AssertionError("simulated although the table holds these parameters")

    monkeypatch.setattr(embedding_module, "embedding_scores", refuse)
    again = stored_embeddings(table, **PARAMS)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.scores, b.scores)
        assert (a.kinds, a.accuracy, a.queries) == (b.kinds, b.accuracy, b.queries)


def test_stored_values_equal_a_fresh_simulation(tmp_path):
    (single, two) = stored_embeddings(tmp_path / "e.json", **PARAMS)
    fresh = embedding_scores(**PARAMS, protocol="two-copy")
    np.testing.assert_array_equal(two.scores, fresh.scores)
    assert single.protocol == "single-copy"


def test_other_parameters_re_simulate_and_replace_the_table(tmp_path, capsys):
    table = tmp_path / "e.json"
    stored_embeddings(table, **PARAMS)
    capsys.readouterr()
    stored_embeddings(table, **{**PARAMS, "seed": 6})
    assert "stored it in" in capsys.readouterr().err
    assert json.loads(table.read_text())["params"]["seed"] == 6


def test_a_malformed_table_is_an_error_naming_it(tmp_path):
    table = tmp_path / "e.json"
    table.write_text("{not json")
    with pytest.raises(ValueError, match=r"e.json.*malformed"):
        stored_embeddings(table, **PARAMS)
