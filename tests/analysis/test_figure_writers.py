"""The config's "figure" key picks a registered figure writer; bad values fail before any work."""

import json

import pytest

from qmemlearn.analysis.config_validation import ConfigError
from qmemlearn.analysis.experiment import ExperimentConfig
from qmemlearn.analysis.figure_writers import DEFAULT_FIGURE, FIGURE_WRITERS, get_figure_writer

BASE = {
    "experiment": "x", "task": "dynamics", "seed": 1, "noise": "ideal", "target": 0.9, "trials": 2,
    "modes": {"full": {"curves": [{"protocol": "two-copy", "rule": "statistic", "n_min": 2, "n_max": 2}]}},
}
EMBEDDING = {"n": 4, "queries": 8, "circuits_per_class": 3, "seed": 2}


def load(tmp_path, **changes):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**BASE, **changes}))
    return ExperimentConfig.from_file(path)


def test_default_writer_and_sections(tmp_path):
    config = load(tmp_path)
    assert config.figure == DEFAULT_FIGURE == "pauli-learning" and config.sections == {}
    config = load(tmp_path, figure="dynamics", embedding=EMBEDDING)
    assert config.figure == "dynamics" and config.sections == {"embedding": EMBEDDING}


def test_every_writer_path_resolves():
    import importlib

    for name, writer in FIGURE_WRITERS.items():
        module, _, function = writer.path.partition(":")
        assert callable(getattr(importlib.import_module(module), function)), name
    with pytest.raises(ValueError, match=r"figure='movie' is unknown; allowed: pauli-learning, dynamics"):
        get_figure_writer("movie")


@pytest.mark.parametrize(
    "changes, pattern",
    [
        ({"figure": "movie"}, r"key 'figure'=\"movie\" is unknown; allowed: pauli-learning, dynamics"),
        ({"figure": 3}, r"key 'figure'=3 is unknown"),
        ({"embedding": EMBEDDING}, r"key 'embedding' is unknown"),  # the default writer reads no embedding
        ({"figure": "dynamics", "embedding": {**EMBEDDING, "n": 1}}, r"key 'embedding.n'=1 must be an int >= 2"),
        ({"figure": "dynamics", "embedding": {**EMBEDDING, "queries": 7}}, r"key 'embedding.queries'=7 must be even"),
        ({"figure": "dynamics", "embedding": {**EMBEDDING, "seed": -1}}, r"key 'embedding.seed'=-1"),
        ({"figure": "dynamics", "embedding": {"n": 4}}, r"key 'embedding' is missing keys"),
        ({"figure": "dynamics", "embedding": [1]}, r"key 'embedding'=\[1\] must be a JSON object"),
    ],
)
def test_bad_figure_values_raise_naming_the_key(tmp_path, changes, pattern):
    with pytest.raises(ConfigError, match=pattern):
        load(tmp_path, **changes)
