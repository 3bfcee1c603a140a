"""Figures. Every function draws on a given ``ax`` and never creates a figure, except
:func:`save_pauli_learning_figure`, which assembles and writes the paper-style figure.

Matplotlib is imported here only, never at package import.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Sequence

import numpy as np

from qmemlearn.analysis.fit import wilson_interval

if TYPE_CHECKING:
    import matplotlib.axes

    from qmemlearn.analysis.experiment import ExperimentResult

#: One colour and marker per protocol, the same in every figure.
PROTOCOL_STYLE = {
    "single-copy": {"color": "#c0392b", "marker": "o", "label": "single-copy (shadows)"},
    "two-copy": {"color": "#1f4e9c", "marker": "s", "label": "two-copy (Bell, quantum memory)"},
}
_RULE_LINESTYLE = {"decoy": "-", "identify": "--"}


def plot_sample_complexity(*, ax: "matplotlib.axes.Axes", result: "ExperimentResult") -> "matplotlib.axes.Axes":
    """N*(n) on a log axis with 95% intervals, fitted lines and theory references."""
    fits = result.fits()
    single_anchor = None
    for (protocol, rule), searches in result.curve_groups().items():
        style = PROTOCOL_STYLE.get(protocol, {"color": "k", "marker": "x", "label": protocol})
        reached = [s for s in searches if s.reached]
        if not reached:
            continue
        ns = np.array([s.curve.n for s in reached])
        n_star = np.array([s.n_star for s in reached], dtype=float)
        intervals = np.array([result.n_star_interval(s) for s in reached], dtype=float)
        open_above = ~np.isfinite(intervals[:, 1])
        open_below = intervals[:, 0] <= 0
        # Open ends (no evaluated point clearly past the target) are drawn as arrows.
        upper = np.where(open_above, 2 * n_star, intervals[:, 1])
        lower = np.where(open_below, n_star / 2, intervals[:, 0])
        low = np.clip(n_star - lower, 0, None)
        high = np.clip(upper - n_star, 0, None)
        label = style["label"] + ("" if rule == "decoy" else f", {rule}")
        fit = fits.get((protocol, rule))
        if fit is not None:
            label += f": N* ∝ {fit.base:.2f}^n (b={fit.b:.2f} [{fit.b_low:.2f}, {fit.b_high:.2f}])"
        ax.errorbar(
            ns, n_star, yerr=[low, high], fmt=style["marker"], color=style["color"], ms=4,
            capsize=2, lw=1, label=label,
        )
        for is_open, end, arrow in ((open_above, upper, "^"), (open_below, lower, "v")):
            if is_open.any():
                ax.plot(ns[is_open], end[is_open], ls="none", marker=arrow, ms=4, color=style["color"])
        if fit is not None:
            grid = np.linspace(ns.min(), ns.max(), 100)
            ax.plot(grid, 2 ** (fit.a + fit.b * grid), color=style["color"], lw=1.2, ls=_RULE_LINESTYLE.get(rule, ":"))
        if protocol == "single-copy" and single_anchor is None:
            single_anchor = (ns, n_star)
    if single_anchor is not None:
        ns, n_star = single_anchor
        grid = np.linspace(1, ns.max(), 100)
        scale = n_star[-1] / 2.0 ** ns[-1]
        ax.plot(grid, scale * 2.0**grid, color="0.45", ls=":", lw=1, label="∝ 2ⁿ (any single-copy strategy: Ω(2ⁿ))")
        scale = n_star[-1] / 3.0 ** (0.75 * ns[-1])
        ax.plot(grid, scale * 3.0 ** (0.75 * grid), color="0.45", ls="-.", lw=1,
                label="∝ 3^(3n/4) (random-Pauli shadows, mean weight 3n/4)")
    ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("n (qubits per copy)")
    ax.set_ylabel(f"N* (copies of ρ for success ≥ {result.config.target:g})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    return ax


def plot_success_curve(*, ax: "matplotlib.axes.Axes", result: "ExperimentResult") -> "matplotlib.axes.Axes":
    """Success rate against copies at the config's fixed n, with 95% Wilson bands."""
    groups: dict[tuple[str, str], list] = {}
    for row in result.success_rows:
        groups.setdefault((row.protocol, row.rule), []).append(row)
    for (protocol, rule), rows in groups.items():
        rows = sorted(rows, key=lambda r: r.copies)
        style = PROTOCOL_STYLE.get(protocol, {"color": "k", "marker": "x", "label": protocol})
        copies = np.array([r.copies for r in rows])
        successes = np.array([r.successes for r in rows])
        trials = np.array([r.trials for r in rows])
        rate = np.divide(successes, trials, out=np.zeros(len(rows)), where=trials > 0)
        low, high = wilson_interval(successes, trials)
        ax.fill_between(copies, low, high, color=style["color"], alpha=0.2, lw=0)
        ax.plot(copies, rate, marker=style["marker"], color=style["color"], ms=4, lw=1.2,
                ls=_RULE_LINESTYLE.get(rule, ":"), label=style["label"] + ("" if rule == "decoy" else f", {rule}"))
    ax.axhline(result.config.target, color="0.4", lw=0.8, ls="--", label=f"target {result.config.target:g}")
    ax.set_xscale("log", base=2)
    ax.set_ylim(0.0, 1.02)
    n = result.config.success_curve.get("n", "?")
    ax.set_xlabel("copies of ρ consumed (two-copy shot = 2 copies)")
    ax.set_ylabel("success probability (solid: decoy, dashed: identify)")
    ax.set_title(f"n = {n} qubits, {result.config.trials} instances per point", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="center right")
    return ax


def save_pauli_learning_figure(result: "ExperimentResult", path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes the two-panel Pauli-learning figure as ``<stem>.png`` and ``<stem>.pdf``.

    Files are written under temporary names and renamed, so a crash never leaves a
    half-written figure that looks complete.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1.35, 1]})
    plot_sample_complexity(ax=left, result=result)
    plot_success_curve(ax=right, result=result)
    config = result.config
    fig.suptitle(
        f"Learning a hidden Pauli from ρ = (I + sαP)/2ⁿ, α = {config.alpha:g}, noise: {config.noise}"
        f"   [{config.mode} run, seed {config.seed}]",
        fontsize=10,
    )
    fig.tight_layout()
    stem = pathlib.Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in (".png", ".pdf"):
        final = stem.with_name(stem.name + suffix)  # not with_suffix: keep dots in the stem
        temporary = stem.with_name(f".{stem.name}.tmp{suffix}")
        fig.savefig(temporary, dpi=150, metadata=None if suffix == ".png" else {"CreationDate": None})
        temporary.replace(final)
        written.append(final)
    plt.close(fig)
    return written


__all__: Sequence[str] = ["plot_sample_complexity", "plot_success_curve", "save_pauli_learning_figure"]
