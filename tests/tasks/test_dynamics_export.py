"""Export of simulated dynamics circuits in the paper's file format."""

import numpy as np
import scipy.stats

from qmemlearn.sources.brickwork import BrickworkDynamics
from qmemlearn.tasks.dynamics_export import export_paper_files, sample_bits
from qmemlearn.tasks.dynamics_outcomes import circuit_outcomes


def test_sample_bits_follow_the_exact_distribution_big_endian():
    outcomes = circuit_outcomes(BrickworkDynamics(n=2, depth=2, kind="scrambling", seed=1), protocol="two-copy",
                                backend="exact")
    bits = sample_bits(outcomes, 20000, np.random.default_rng(0))
    index = bits @ (2 ** np.arange(3, -1, -1))  # column 0 = qubit 0 = most significant bit
    observed = np.bincount(index, minlength=16)
    expected = 20000 * outcomes.probabilities()
    keep = expected > 0
    assert observed[~keep].sum() == 0
    assert scipy.stats.chisquare(observed[keep], expected[keep] * observed.sum() / expected[keep].sum())[1] > 1e-3


def test_export_names_count_each_class_and_are_reproducible(tmp_path):
    paths = export_paper_files(tmp_path, protocol="single-copy", n=2, depth=1, per_class=2, shots=5, seed=3)
    assert sorted(p.name for p in paths) == sorted(
        f"1D-scramble-C-size-2-depth-1-type-{t}-batch-0-number-{j}.npy" for t in (0, 1) for j in (0, 1))
    first = [np.load(p) for p in paths]
    again = export_paper_files(tmp_path, protocol="single-copy", n=2, depth=1, per_class=2, shots=5, seed=3)
    assert all(np.array_equal(a, np.load(p)) for a, p in zip(first, again))
