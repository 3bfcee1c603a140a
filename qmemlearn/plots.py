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
    import matplotlib.figure

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
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=1, frameon=False)
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
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.13), ncol=2, frameon=False)
    return ax


def _draw_ratio_boundary(ax: "matplotlib.axes.Axes", log2_ratio: np.ndarray) -> None:
    """Draws, along cell edges, the boundary below the first row of each column with ratio <= 1."""
    rows, cols = log2_ratio.shape
    edge = []
    for col in range(cols):
        losing = [r for r in range(rows) if np.isfinite(log2_ratio[r, col]) and log2_ratio[r, col] <= 0]
        edge.append(min(losing) - 0.5 if losing else None)
    for col, y in enumerate(edge):
        if y is None:
            continue
        ax.plot([col - 0.5, col + 0.5], [y, y], color="k", lw=2)
        if col + 1 < cols and edge[col + 1] is not None and edge[col + 1] != y:
            ax.plot([col + 0.5, col + 0.5], [y, edge[col + 1]], color="k", lw=2)


def save_pauli_learning_figure(result: "ExperimentResult", path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes the two-panel Pauli-learning figure as ``<stem>.png`` and ``<stem>.pdf``.

    Files are written under temporary names and renamed, so a crash never leaves a
    half-written figure that looks complete.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.8), gridspec_kw={"width_ratios": [1.35, 1]})
    plot_sample_complexity(ax=left, result=result)
    plot_success_curve(ax=right, result=result)
    config = result.config
    fig.suptitle(
        f"Learning a hidden Pauli from ρ = (I + sαP)/2ⁿ, α = {config.params['alpha']:g}, noise: {config.noise}"
        f"   [{config.mode} run, seed {config.seed}]",
        fontsize=10,
    )
    fig.tight_layout()
    return save_figure_atomically(fig, path_stem)


def save_figure_atomically(fig: "matplotlib.figure.Figure", path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes ``<stem>.png`` (150 dpi) and ``<stem>.pdf``, each under a temporary name then
    renamed, so a crash never leaves a half-written figure that looks complete; closes ``fig``.

    Returns:
        The written paths.
    """
    import matplotlib.pyplot as plt

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



def plot_ratio_map(
    *,
    ax: "matplotlib.axes.Axes",
    ns: Sequence[int],
    strengths: Sequence[float | str],
    log2_ratio: np.ndarray,
    open_cells: np.ndarray | None = None,
    strength_label: str,
    title: str = "",
    vmax: float | None = None,
) -> "matplotlib.axes.Axes":
    """Heat map of log₂(N*_single / N*_two) over qubits n (x) and a noise strength (y).

    Blue cells favour the quantum memory (ratio > 1), red cells the single-copy protocol. The
    black staircase runs along cell edges below the first row, per column, where ratio <= 1. Cells where a search did not reach its target
    within the copy budget carry a ">" (a lower bound on the ratio) or "<" (upper bound), and
    cells with no data are left blank.

    Args:
        ax: The axes to draw on.
        ns: The n of the columns.
        strengths: The noise strength of each row (drawn at even spacing, labelled by value),
            or a text label per row.
        log2_ratio: ``[len(strengths), len(ns)]`` array of log₂ ratios; nan where unknown.
        open_cells: Same shape, ``+1`` where the ratio is a lower bound, ``-1`` an upper bound,
            0 otherwise. Defaults to None (all exact).
        strength_label: The y-axis label, with units.
        title: The panel title. Defaults to "".
        vmax: Colour scale limit in log₂ units. Defaults to None (the largest |value|).

    Returns:
        ``ax``.
    """
    from matplotlib.colors import TwoSlopeNorm

    ratio = np.asarray(log2_ratio, dtype=float)
    if ratio.shape != (len(strengths), len(ns)):
        raise ValueError(f"log2_ratio has shape {ratio.shape}; expected ({len(strengths)}, {len(ns)})")
    finite = ratio[np.isfinite(ratio)]
    limit = vmax if vmax is not None else max(1.0, float(np.abs(finite).max()) if finite.size else 1.0)
    norm = TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    image = ax.imshow(
        np.ma.masked_invalid(ratio), origin="lower", aspect="auto", cmap="RdBu", norm=norm,
        extent=(-0.5, len(ns) - 0.5, -0.5, len(strengths) - 0.5), interpolation="nearest",
    )
    _draw_ratio_boundary(ax, ratio)
    marks = np.zeros_like(ratio) if open_cells is None else np.asarray(open_cells)
    for row in range(len(strengths)):
        for col in range(len(ns)):
            if not np.isfinite(ratio[row, col]):
                continue
            prefix = {1: ">", -1: "<"}.get(int(marks[row, col]), "")
            ax.text(col, row, f"{prefix}{2 ** ratio[row, col]:.3g}", ha="center", va="center", fontsize=6,
                    color="white" if abs(ratio[row, col]) > 0.6 * limit else "black")
    ax.set_xticks(range(len(ns)), [str(n) for n in ns])
    ax.set_yticks(range(len(strengths)), [s if isinstance(s, str) else f"{s:g}" for s in strengths])
    ax.set_xlabel("n (qubits per copy)")
    ax.set_ylabel(strength_label)
    if title:
        ax.set_title(title, fontsize=9)
    colorbar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    colorbar.set_label("log₂(N*_single / N*_two), copies of ρ", fontsize=8)
    return ax


__all__: Sequence[str] = ["plot_sample_complexity", "plot_success_curve", "save_pauli_learning_figure", "plot_ratio_map", "save_figure_atomically"]
