"""Fixtures shared by every test folder."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats


def gof(groups, *, min_expected: float = 5.0) -> tuple[float, float, int]:
    """Chi-square goodness of fit of several independent groups of counts.

    Args:
        groups: iterable of ``(observed counts, expected probabilities)``; each group is
            compared with ``total(observed) * probabilities``.
        min_expected: Bins with smaller expected counts are pooled.

    Returns:
        ``(p-value, statistic, degrees of freedom)``.

    Raises:
        AssertionError: If an outcome of probability zero was observed.
    """
    statistic, dof = 0.0, 0
    for observed, probs in groups:
        observed = np.asarray(observed, dtype=float).ravel()
        probs = np.asarray(probs, dtype=float).ravel()
        assert abs(probs.sum() - 1) < 1e-9, probs.sum()
        total = observed.sum()
        if total == 0:
            continue
        impossible = probs < 1e-12
        assert observed[impossible].sum() == 0, f"outcomes of probability 0 observed: {np.flatnonzero(impossible & (observed > 0))}"
        obs, exp = observed[~impossible], total * probs[~impossible]
        order = np.argsort(exp)
        obs, exp = obs[order], exp[order]
        # Pool the smallest bins until the pooled bin reaches min_expected.
        k = 0
        while k < len(exp) - 1 and exp[: k + 1].sum() < min_expected:
            k += 1
        bins_obs = np.concatenate([[obs[: k + 1].sum()], obs[k + 1 :]]) if k else obs
        bins_exp = np.concatenate([[exp[: k + 1].sum()], exp[k + 1 :]]) if k else exp
        if len(bins_exp) < 2:
            continue
        statistic += float(((bins_obs - bins_exp) ** 2 / bins_exp).sum())
        dof += len(bins_exp) - 1
    pvalue = float(scipy.stats.chi2.sf(statistic, dof)) if dof else 1.0
    return pvalue, statistic, dof


@pytest.fixture(scope="session")
def goodness_of_fit():
    """The chi-square goodness-of-fit test :func:`gof` (tests import with importlib mode)."""
    return gof
