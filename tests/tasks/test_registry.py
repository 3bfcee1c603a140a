"""The task registry: declared parameters, protocols, rules and units."""

import pytest

from qmemlearn.analysis.points import SweepPoint
from qmemlearn.tasks import get_task, task_evaluator, task_names
from qmemlearn.tasks.registry import Param


def test_registered_tasks_and_units():
    assert {"pauli-learning", "synthetic"} <= set(task_names())
    spec = get_task("pauli-learning")
    assert spec.cost_unit == "copies of ρ"
    assert spec.shot_cost("two-copy") == 2 and spec.shot_cost("single-copy") == 1
    assert task_evaluator("pauli-learning").__name__ == "evaluate_pauli_learning"


def test_unknown_task_lists_the_registered_ones():
    with pytest.raises(ValueError, match=r"task='nope' is unknown; allowed: .*pauli-learning"):
        get_task("nope")


def test_params_fill_defaults_and_name_the_bad_key():
    spec = get_task("pauli-learning")
    assert spec.resolve_params({"alpha": 0.5}) == {"alpha": 0.5, "backend": "fast", "memory_wait": 0}
    with pytest.raises(ValueError, match=r"params.alpha=1.5 must be a number in \[0, 1\]"):
        spec.resolve_params({"alpha": 1.5})
    with pytest.raises(ValueError, match=r"params.alpha=True must be"):
        spec.resolve_params({"alpha": True})
    with pytest.raises(ValueError, match=r"params.memory_wait=1.5 must be an int"):
        spec.resolve_params({"memory_wait": 1.5})
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['beta'\]"):
        spec.resolve_params({"beta": 1})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.5", None])
def test_param_rejects_non_finite_and_non_numbers(value):
    with pytest.raises(ValueError, match="x="):
        Param(1.0, "float").check("x", value)


def test_validate_point_checks_protocol_rule_and_params():
    spec = get_task("pauli-learning")
    good = dict(task="pauli-learning", protocol="two-copy", rule="decoy", n=2, copies=8, trials=4,
                json_metadata={"alpha": 0.9, "backend": "fast", "memory_wait": 0})
    spec.validate_point(SweepPoint(**good))
    with pytest.raises(ValueError, match="protocol='three-copy' is unknown"):
        spec.validate_point(SweepPoint(**{**good, "protocol": "three-copy"}))
    with pytest.raises(ValueError, match="rule='guess' is unknown"):
        spec.validate_point(SweepPoint(**{**good, "rule": "guess"}))
    with pytest.raises(ValueError, match="json_metadata.alpha=2"):
        spec.validate_point(SweepPoint(**{**good, "json_metadata": {"alpha": 2}}))
