import math
import pickle

import numpy as np
import pytest

from qmemlearn.analysis.points import SweepPoint
from qmemlearn.tasks.synthetic import (
    evaluate_synthetic, synthetic_n_star, synthetic_success_probability,
)


def point(**changes):
    kwargs = dict(task="synthetic", protocol="single-copy", rule="decoy", n=3, copies=20,
                  trials=20000, json_metadata={"c0": 1.5, "slope": 0.8})
    return SweepPoint(**{**kwargs, **changes})


def test_closed_form_matches_probability():
    for n in range(1, 10):
        for c0, slope, target in [(2.0, 1.0, 0.9), (1.5, 0.8, 0.75), (10.0, 0.3, 0.99)]:
            c = synthetic_n_star(n, target, c0, slope)
            assert c == pytest.approx(c0 * 2 ** (slope * n) * math.log(0.5 / (1 - target)))
            assert synthetic_success_probability(n, c, c0=c0, slope=slope) == pytest.approx(target)
            for step in (1, 2):
                g = synthetic_n_star(n, target, c0, slope, step=step)
                assert g % step == 0 and g >= c - 1e-9 and g - step < c
    assert synthetic_n_star(1, 0.4) == 0.0 and synthetic_n_star(1, 0.4, step=2) == 2
    with pytest.raises(ValueError, match=r"target=1.0 must be in \(0, 1\)"):
        synthetic_n_star(1, 1.0)


def test_evaluate_is_seeded_by_the_point_and_unbiased():
    p = point()
    a = evaluate_synthetic(p)
    assert a == evaluate_synthetic(point()) == evaluate_synthetic(pickle.loads(pickle.dumps(p)))
    assert a.trials == 20000 and float(a.successes).is_integer()
    expected = synthetic_success_probability(3, 20, c0=1.5, slope=0.8)
    assert abs(a.successes / a.trials - expected) < 4 * math.sqrt(expected * (1 - expected) / 20000)
    others = {evaluate_synthetic(point(seed=s)).successes for s in range(5)}
    assert len(others) > 1


def test_metadata_defaults_and_pickling_by_reference():
    p = point(json_metadata=None, copies=0, trials=4000)
    rate = evaluate_synthetic(p).successes / 4000
    assert abs(rate - 0.5) < 0.05
    assert synthetic_success_probability(1, 4 * math.log(5)) == pytest.approx(0.9)  # c0=2, slope=1
    assert b"evaluate_synthetic" in pickle.dumps(evaluate_synthetic)
    with pytest.raises(ValueError, match="c0=0.0"):
        evaluate_synthetic(point(json_metadata={"c0": 0}))
    rng = np.random.default_rng(point().rng_for_trials())
    assert rng.binomial(20000, 0.5) >= 0  # the documented seeding path works
