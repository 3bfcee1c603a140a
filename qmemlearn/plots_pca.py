"""Figures of the ``pca`` (virtual distillation) experiment: N*(n) and success versus copies.

Matplotlib is imported inside the functions only.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING

import numpy as np

from qmemlearn.analysis.fit import wilson_interval
from qmemlearn.plots import PROTOCOL_STYLE, save_figure_atomically

if TYPE_CHECKING:
    import matplotlib.axes

    from qmemlearn.analysis.experiment import ExperimentResult

_LABEL = {"shadow": "single-copy (shadows, U-statistics)", "direct": "single-copy (measure O: tr(Oρ)/(1−p))",
          "two-copy": "two-copy (distillation + SWAP circuits)"}


def _label(result: "ExperimentResult", protocol: str) -> str:
    return _LABEL["two-copy" if protocol == "two-copy" else result.config.params["single_copy_estimator"]]
_LINE = {"sign": "-", "epsilon": "--"}
#: Largest n of the single-copy theory curve (its exact variance sums cost 6ⁿ; n = 7 takes seconds).
THEORY_MAX_N = 7


def plot_pca_sample_complexity(*, ax: "matplotlib.axes.Axes", result: "ExperimentResult") -> "matplotlib.axes.Axes":
    """N*(n) per protocol and rule with 95% intervals, fits and the single-copy lower-bound slope."""
    fits = result.fits()
    anchor = None
    for (protocol, rule), searches in result.curve_groups().items():
        style = PROTOCOL_STYLE[protocol]
        reached = [s for s in searches if s.reached]
        if not reached:
            continue
        ns = np.array([s.curve.n for s in reached])
        n_star = np.array([s.n_star for s in reached], dtype=float)
        intervals = np.array([result.n_star_interval(s) for s in reached], dtype=float)
        upper = np.where(np.isfinite(intervals[:, 1]), intervals[:, 1], 2 * n_star)
        lower = np.where(intervals[:, 0] > 0, intervals[:, 0], n_star / 2)
        fit = fits.get((protocol, rule))
        label = f"{_label(result, protocol)}, {rule}"
        if fit is not None:
            label += f": N* ∝ {fit.base:.2f}^n (b = {fit.b:.2f} [{fit.b_low:.2f}, {fit.b_high:.2f}])"
        ax.errorbar(ns, n_star, yerr=[np.clip(n_star - lower, 0, None), np.clip(upper - n_star, 0, None)],
                    fmt=style["marker"], color=style["color"], ms=4, capsize=2, lw=1,
                    mfc="white" if rule == "epsilon" else style["color"], label=label)
        if fit is not None:
            grid = np.linspace(ns.min(), ns.max(), 100)
            ax.plot(grid, 2 ** (fit.a + fit.b * grid), color=style["color"], lw=1.1, ls=_LINE.get(rule, ":"))
        unreached = [s.curve.n for s in searches if not s.reached]
        if unreached:
            ax.plot(unreached, [searches[0].curve.max_copies] * len(unreached), ls="none", marker="^",
                    color=style["color"], ms=5, label=f"{protocol}, {rule}: > {searches[0].curve.max_copies} copies")
        shadow = result.config.params["single_copy_estimator"] == "shadow"
        if protocol == "single-copy" and rule == "sign" and shadow:
            anchor = (ns, n_star)
        if protocol == "two-copy" or shadow:
            _plot_theory(ax, result, protocol, rule, [s.curve.n for s in searches])
    if anchor is not None:
        ns, n_star = anchor
        grid = np.linspace(ns.min(), ns.max(), 100)
        ax.plot(grid, n_star[0] * 2.0 ** ((grid - ns[0]) / 2), color="0.45", ls=":", lw=1,
                label="∝ 2^(n/2): any single-copy strategy needs Ω(2^(n/2)) (sign rule)")
    from matplotlib.ticker import MaxNLocator

    ax.set_yscale("log", base=2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("n (qubits per copy)")
    ax.set_ylabel(f"N* (copies of ρ for success ≥ {result.config.target:g})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=1, frameon=False)
    return ax


def _plot_theory(ax: "matplotlib.axes.Axes", result: "ExperimentResult", protocol: str, rule: str, ns: list[int]) -> None:
    """The Gaussian-approximate N* from exact variances (:mod:`qmemlearn.tasks.pca_theory`)."""
    from qmemlearn.tasks.pca_theory import theory_curve

    if protocol == "single-copy":
        ns = [n for n in ns if n <= THEORY_MAX_N]
    if not ns:
        return
    stars = theory_curve(ns, protocol, rule, result.config.params, target=result.config.target)
    ax.plot(ns, stars, color=PROTOCOL_STYLE[protocol]["color"], lw=0.8, ls=":", alpha=0.8,
            label=f"{protocol}, {rule}: Gaussian theory from exact variances"
            + (f" (n ≤ {THEORY_MAX_N})" if protocol == "single-copy" else ""))


def plot_pca_success_curve(*, ax: "matplotlib.axes.Axes", result: "ExperimentResult") -> "matplotlib.axes.Axes":
    """Success rate against copies at the config's fixed n, 95% Wilson bands."""
    groups: dict[tuple[str, str], list] = {}
    for row in result.success_rows:
        groups.setdefault((row.protocol, row.rule), []).append(row)
    for (protocol, rule), rows in sorted(groups.items()):
        rows = sorted(rows, key=lambda r: r.copies)
        style = PROTOCOL_STYLE[protocol]
        copies = np.array([r.copies for r in rows])
        successes = np.array([r.successes for r in rows])
        trials = np.array([r.trials for r in rows])
        low, high = wilson_interval(successes, trials)
        ax.fill_between(copies, low, high, color=style["color"], alpha=0.15, lw=0)
        ax.plot(copies, successes / np.maximum(trials, 1), marker=style["marker"], color=style["color"], ms=4,
                lw=1.2, ls=_LINE.get(rule, ":"), label=f"{protocol}, {rule}")
    ax.axhline(result.config.target, color="0.4", lw=0.8, ls=":", label=f"target {result.config.target:g}")
    ax.set_xscale("log", base=2)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("copies of ρ consumed (two-copy shot = 2 copies)")
    ax.set_ylabel("success rate (solid: sign, dashed: |est − s| ≤ ε)")
    ax.set_title(f"n = {result.config.success_curve.get('n', '?')}, {result.config.trials} instances per point",
                 fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=2, frameon=False)
    return ax


def save_pca_figure(result: "ExperimentResult", path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes ``<stem>.png`` and ``<stem>.pdf``: N*(n) (left) and success versus copies (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 6.2), gridspec_kw={"width_ratios": [1.35, 1]})
    plot_pca_sample_complexity(ax=left, result=result)
    plot_pca_success_curve(ax=right, result=result)
    params = result.config.params
    sigma = "σ = (I − q·s·O)/2ⁿ, q = (1−p)/p (tr(Oρ) = 0)" if params["noise_state"] == "balanced" else "σ = I/2ⁿ (tr(Oρ) = (1−p)s)"
    fig.suptitle(
        f"Predicting s = ⟨ψ|O|ψ⟩ of ρ = (1−p)|ψ⟩⟨ψ| + pσ, p = {params['p']:g}, {sigma}, O full weight, "
        f"ε = {params['epsilon']:g}, noise {result.config.noise}   [{result.config.mode} run, seed {result.config.seed}]",
        fontsize=9,
    )
    fig.tight_layout()
    return save_figure_atomically(fig, path_stem)
