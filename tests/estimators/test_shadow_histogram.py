"""The histogram form of the shadow purity equals the all-pairs U-statistic of shadow.py."""

from __future__ import annotations

import numpy as np
import pytest

from qmemlearn.estimators.shadow import shadow_purity
from qmemlearn.estimators.shadow_histogram import shadow_purity_value


@pytest.mark.parametrize("n, shots, seed", [(1, 5, 0), (2, 50, 1), (4, 300, 2), (6, 400, 3)])
def test_equals_the_pair_sum(n, shots, seed):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, (shots, n)).astype(np.uint8)
    recipes = rng.integers(0, 3, (shots, n)).astype(np.uint8)
    assert shadow_purity_value(bits, recipes) == pytest.approx(shadow_purity(bits, recipes)[0], rel=1e-9, abs=1e-9)


def test_bad_inputs():
    with pytest.raises(ValueError, match="shots=1 must be >= 2"):
        shadow_purity_value([[0]], [[0]])
    with pytest.raises(ValueError, match=r"n=10 must be in \[1, 9\]"):
        shadow_purity_value(np.zeros((2, 10), int), np.zeros((2, 10), int))
    with pytest.raises(ValueError, match="recipes in"):
        shadow_purity_value([[0], [1]], [[0], [3]])
