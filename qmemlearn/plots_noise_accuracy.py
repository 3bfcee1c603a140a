"""Figure of an accuracy-vs-noise experiment: accuracy against noise strength per family.

One row of panels per qubit count n, one column per noise family. A ``log`` family is drawn
as accuracy (y) against strength (x, log scale, its ``x_label`` with units), inverted when
noise grows against x (T1 in µs), so noise always grows to the right. A ``category``
family (a calibrated device) is a narrow panel with one labelled position per row. Colours
are protocols, markers and line styles are rules; bars are 95% Wilson intervals (labelled
circuits as binomial units, see :mod:`qmemlearn.analysis.accuracy_vs_noise`). Every panel shows the chance level 0.5 (grey line), the random-labels level of
accuracy up to label swap (grey dotted) and the noiseless accuracy of each curve (short
marks just right of the panel, ``ideal``).
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qmemlearn.analysis.accuracy_vs_noise import AccuracyVsNoiseResult, NoiseFamily

COLOURS = {"single-copy": "tab:blue", "two-copy": "tab:red"}
STYLES = {"kernel-pca": ("o", "-"), "statistic": ("s", "--")}


def _style(protocol: str, rule: str) -> dict:
    marker, line = STYLES.get(rule, ("^", ":"))
    return {"color": COLOURS.get(protocol, "tab:green"), "marker": marker, "linestyle": line}


def _draw_family(ax, result: "AccuracyVsNoiseResult", family: "NoiseFamily", n: int) -> None:
    config = result.config
    curves = [(p, r) for p in config.protocols for r in config.rules]
    category = family.axis == "category"
    positions = np.arange(len(family.rows), dtype=float)
    for k, (protocol, rule) in enumerate(curves):
        acc = [result.accuracy(family.name, row.x, n, protocol, rule) for row in family.rows]
        mean = np.array([a.mean for a in acc])
        err = np.array([[a.mean - a.low for a in acc], [a.high - a.mean for a in acc]])
        style = _style(protocol, rule)
        if category:
            x = positions + (k - (len(curves) - 1) / 2) * 0.12  # side by side, one marker per curve
            ax.errorbar(x, mean, yerr=err, linestyle="none", marker=style["marker"], color=style["color"],
                        capsize=2, markersize=5)
        else:
            x = np.array([row.x for row in family.rows])
            order = np.argsort(x)
            ax.errorbar(x[order], mean[order], yerr=err[:, order], capsize=2, markersize=4, linewidth=1.2,
                        label=f"{protocol}, {rule}", **style)
    ax.axhline(0.5, color="0.45", linewidth=1.0, zorder=0)
    ax.axhline(result.chance, color="0.45", linewidth=1.0, linestyle=":", zorder=0)
    ax.set_ylim(0.3, 1.05)
    ax.grid(alpha=0.3)
    if category:
        ax.set_xticks(positions, [row.label for row in family.rows])
        ax.set_xlim(-0.6, len(family.rows) - 0.4)
    else:
        ax.set_xscale("log")
        if family.noise_grows == "against-x":
            ax.invert_xaxis()
        _draw_ideal_marks(ax, result, n, curves)
    ax.set_title(f"{family.name}, n = {n}", fontsize=9)
    ax.set_xlabel(family.x_label + (" (noise grows →)" if not category else ""), fontsize=8)


def _draw_ideal_marks(ax, result: "AccuracyVsNoiseResult", n: int, curves: list[tuple[str, str]]) -> None:
    """Noiseless accuracy of each curve as a short mark just outside the right edge."""
    transform = ax.get_yaxis_transform()  # x in axes fraction, y in data
    for protocol, rule in curves:
        base = result.baseline(n, protocol, rule)
        style = _style(protocol, rule)
        ax.plot([1.015, 1.065], [base.mean, base.mean], transform=transform, color=style["color"],
                linestyle=style["linestyle"], linewidth=2.0, clip_on=False)
    ax.text(1.04, 1.04, "ideal", transform=transform, ha="center", va="top", fontsize=7, color="0.3")


def save_accuracy_vs_noise_figure(result: "AccuracyVsNoiseResult", path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes ``<stem>.png`` and ``<stem>.pdf`` atomically; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qmemlearn.plots import save_figure_atomically
    from qmemlearn.tasks import get_task

    config = result.config
    widths = [1.0 if f.axis == "category" else 3.0 for f in config.families]
    fig, axes = plt.subplots(len(config.ns), len(config.families), squeeze=False, sharey=True,
                             figsize=(sum(widths) * 1.55 + 0.8, 2.9 * len(config.ns) + 1.4),
                             gridspec_kw={"width_ratios": widths})
    for i, n in enumerate(config.ns):
        for j, family in enumerate(config.families):
            _draw_family(axes[i, j], result, family, n)
        axes[i, 0].set_ylabel("mean accuracy (up to label swap)", fontsize=8)
    handles, labels = next((ax.get_legend_handles_labels() for ax in axes.flat if ax.get_legend_handles_labels()[0]),
                           ([], []))
    from matplotlib.lines import Line2D

    handles += [Line2D([], [], color="0.45", linewidth=1.0), Line2D([], [], color="0.45", linestyle=":")]
    labels += ["chance 0.5", f"random labels, up to swap ({result.chance:.2f})"]
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3), fontsize=8, frameon=False)
    params = config.point(config.baseline, config.ns[0], config.protocols[0], config.rules[0]).json_metadata
    unit = get_task(config.task).cost_unit
    fig.suptitle(
        f"Accuracy against noise at a fixed {config.queries} {unit} per circuit "
        f"(n = {', '.join(map(str, config.ns))}; depth {params.get('depth', '?')}; "
        f"{params.get('circuits_per_class', '?')} circuits per class, {config.trials} trials per point; 95% Wilson bars over circuits)\n"
        f"{config.experiment} [{config.mode} run, seed {config.seed}]",
        fontsize=9,
    )
    rows = max(len(labels) // 3 + (len(labels) % 3 > 0), 1)
    fig.tight_layout(rect=(0, 0.035 * rows + 0.02, 1, 1), w_pad=3.0)
    return save_figure_atomically(fig, path_stem)
