"""Figure of the purity task: N*(n) per estimator, state vectors (n <= 14) and stim (n >= 100).

:func:`save_purity_figure` is the figure writer ``"purity"``
(:mod:`qmemlearn.analysis.figure_writers`). Left panel: N* against n for n up to the state-
vector limit, every estimator, with 95% intervals, fits and ▲ lower bounds where N* was not
reached. Right panel: the two-copy N* at large n (stim), on the same copies axis. Matplotlib
is imported only here.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING

import numpy as np

from qmemlearn.plots import save_figure_atomically

if TYPE_CHECKING:
    import matplotlib.axes

    from qmemlearn.analysis.experiment import ExperimentResult
    from qmemlearn.analysis.search import SearchResult

#: Style per (protocol, rule), with a small x offset so the curves never hide each other.
CURVE_STYLE = {
    ("two-copy", "swap"): {"color": "#1f4e9c", "marker": "s", "dx": 0.0,
                           "label": "two-copy Bell/SWAP (quantum memory)"},
    ("single-copy", "randomized"): {"color": "#e67e22", "marker": "D", "dx": -0.08,
                                    "label": "single-copy randomized meas. (Brydges)"},
    ("single-copy", "shadow"): {"color": "#c0392b", "marker": "o", "dx": 0.08,
                                "label": "single-copy shadows (all pairs)"},
}


def _draw(ax: "matplotlib.axes.Axes", result: "ExperimentResult", searches: list["SearchResult"],
          key: tuple[str, str], label: str, max_copies: int, bound_label: bool) -> bool:
    style = CURVE_STYLE.get(key, {"color": "k", "marker": "x", "dx": 0.0, "label": f"{key[0]} {key[1]}"})
    reached = [s for s in searches if s.reached]
    missing = [s.curve.n for s in searches if not s.reached]
    if reached:
        ns = np.array([s.curve.n for s in reached], dtype=float) + style["dx"]
        n_star = np.array([s.n_star for s in reached], dtype=float)
        intervals = np.array([result.n_star_interval(s) for s in reached], dtype=float)
        upper = np.where(np.isfinite(intervals[:, 1]), intervals[:, 1], 2 * n_star)
        lower = np.where(intervals[:, 0] > 0, intervals[:, 0], n_star / 2)
        ax.errorbar(ns, n_star, yerr=[np.clip(n_star - lower, 0, None), np.clip(upper - n_star, 0, None)],
                    fmt=style["marker"], color=style["color"], ms=5, capsize=2, lw=1, label=label)
    elif label:
        ax.plot([], [], ls="none", marker=style["marker"], color=style["color"], label=label)
    if missing:
        ax.plot(np.array(missing) + style["dx"], [max_copies] * len(missing), ls="none", marker="^", ms=6,
                color=style["color"], mfc="white",
                label=f"N* > {max_copies:,} copies (not reached)" if bound_label else "_")
        return True
    return False


def plot_purity_sample_complexity(
    *, small: "matplotlib.axes.Axes", large: "matplotlib.axes.Axes", result: "ExperimentResult", limit: int = 14
) -> None:
    """N*(n) for n <= ``limit`` on ``small``, and for n > ``limit`` on ``large``."""
    fits = result.fits()
    max_copies = result.config.max_copies
    bound_drawn = False
    for key, searches in result.curve_groups().items():
        style = CURVE_STYLE.get(key, {"label": f"{key[0]} {key[1]}"})
        label = style["label"]
        fit = fits.get(key)
        if fit is not None:
            label += f": N* ∝ {fit.base:.2f}ⁿ, b = {fit.b:.2f} [{fit.b_low:.2f}, {fit.b_high:.2f}]"
        low_n = [s for s in searches if s.curve.n <= limit]
        high_n = [s for s in searches if s.curve.n > limit]
        bound_drawn |= _draw(small, result, low_n, key, label, max_copies, not bound_drawn)
        if fit is not None and low_n:
            reached = [s.curve.n for s in low_n if s.reached]
            if reached:
                grid = np.linspace(min(reached), max(reached), 50)
                small.plot(grid, 2 ** (fit.a + fit.b * grid), color=CURVE_STYLE.get(key, {"color": "k"})["color"],
                           lw=1, ls="--")
        if high_n:
            _draw(large, result, high_n, key, f"{style['label']} (stim, Clifford states)", max_copies, False)
    target = result.config.target
    for ax in (small, large):
        ax.set_yscale("log", base=2)
        ax.grid(True, which="major", alpha=0.3)
        ax.set_xlabel("n (qubits per copy)")
    small.set_ylabel(f"N* (copies of ρ for success ≥ {target:g}; two-copy shot = 2 copies)")
    small.set_title("state vectors (qsim), all three families", fontsize=9)
    large.set_title("stim: literal two-copy circuit", fontsize=9)
    low, high = small.get_ylim()
    small.set_ylim(min(low, 2.0), max(high, 2.0 * max_copies))
    large.set_ylim(small.get_ylim())
    from matplotlib.ticker import MaxNLocator

    small.xaxis.set_major_locator(MaxNLocator(integer=True))
    large.xaxis.set_major_locator(MaxNLocator(integer=True))
    ns = [s.curve.n for s in result.searches if s.curve.n > limit]
    if ns:
        large.set_xlim(min(ns) - 1, max(ns) + 1)
    small.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, frameon=False)
    large.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, frameon=False)


def save_purity_figure(result: "ExperimentResult", path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes ``<stem>.png`` and ``<stem>.pdf`` (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (small, large) = plt.subplots(1, 2, figsize=(11, 6.2), gridspec_kw={"width_ratios": [2.4, 1]})
    plot_purity_sample_complexity(small=small, large=large, result=result)
    config = result.config
    p = config.params["mixedness"]
    fig.suptitle(
        f"Purity testing: pure vs mixed (depolarized p = {p:g} or maximally mixed), verdict tr(ρ²)^ > τ; "
        f"{config.trials} instances per point, target {config.target:g}   [{config.mode} run, seed {config.seed}]",
        fontsize=9,
    )
    fig.tight_layout()
    return save_figure_atomically(fig, path_stem)
