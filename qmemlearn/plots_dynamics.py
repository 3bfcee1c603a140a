"""Figures of the dynamics task (T-symmetric versus scrambling U), cost in queries of U.

* :func:`plot_dynamics_sample_complexity`: N*(n) per protocol and rule on a log axis, with 95%
  intervals, fits, a 2ⁿ reference and lower-bound markers where N* was not reached.
* :func:`plot_embedding` / :func:`save_embedding_figure`: the paper-style 1-D kernel-PCA
  embedding of 2 × ``circuits_per_class`` circuits at equal queries of U per circuit (both
  protocols on the same circuits; computed and stored by :mod:`qmemlearn.analysis.embedding`).
* :func:`save_dynamics_figures`: the figure writer ``"dynamics"``
  (:mod:`qmemlearn.analysis.figure_writers`); writes both figures.

Every ``plot_*`` function draws on a given ``ax``. Matplotlib is imported here only.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Sequence

import numpy as np

from qmemlearn.analysis.embedding import PROTOCOLS, Embedding, embedding_path, embedding_scores, stored_embeddings
from qmemlearn.plots import PROTOCOL_STYLE, save_figure_atomically

if TYPE_CHECKING:
    import matplotlib.axes

    from qmemlearn.analysis.experiment import ExperimentResult

#: Line style, marker fill and a small x offset (so the rules never hide each other) per rule.
RULE_STYLE = {
    "kernel-pca": {"ls": "-", "fill": True, "label": "kernel PCA (paper)", "dx": -0.07},
    "statistic": {"ls": "--", "fill": False, "label": "statistic", "dx": 0.07},
}
#: Protocol labels of the dynamics figures (colours and markers from :data:`PROTOCOL_STYLE`).
PROTOCOL_LABELS = {
    "single-copy": "single-copy (Y basis, 1 query/shot)",
    "two-copy": "two-copy (quantum memory, 2 queries/shot)",
}
#: Colours of the two classes in the embedding figure.
CLASS_STYLE = {
    "t-symmetric": {"color": "#2e8b57", "marker": "o"},
    "scrambling": {"color": "#e67e22", "marker": "D"},
}


def _style(protocol: str) -> dict:
    style = dict(PROTOCOL_STYLE.get(protocol, {"color": "k", "marker": "x"}))
    style["label"] = PROTOCOL_LABELS.get(protocol, protocol)
    return style


def plot_dynamics_sample_complexity(
    *, ax: "matplotlib.axes.Axes", result: "ExperimentResult"
) -> "matplotlib.axes.Axes":
    """N* (queries of U per circuit) against n, log y axis; legend below the axes, one entry per line.

    Reached points carry their 95% interval (an open end, e.g. N* at the first grid point, is
    a factor-2 bar ending in a small arrow); n where N* was not reached within ``max_copies``
    queries get a triangle at ``max_copies`` (a lower bound). The legend sits below the axes.
    """
    fits = result.fits()
    max_queries = result.config.max_copies
    anchor = None
    unreached_labelled = False
    for (protocol, rule), searches in result.curve_groups().items():
        style, rule_style = _style(protocol), RULE_STYLE.get(
            rule, {"ls": ":", "fill": True, "label": rule, "dx": 0.0})
        face = style["color"] if rule_style["fill"] else "white"
        reached = [s for s in searches if s.reached]
        missing = [s.curve.n for s in searches if not s.reached]
        label = f"{style['label']}, {rule_style['label']}"
        fit = fits.get((protocol, rule))
        if fit is not None:
            label += f": N* ∝ {fit.base:.2f}ⁿ, b = {fit.b:.2f} [{fit.b_low:.2f}, {fit.b_high:.2f}]"
        dx = rule_style["dx"]
        if reached:
            ns = np.array([s.curve.n for s in reached])
            n_star = np.array([s.n_star for s in reached], dtype=float)
            intervals = np.array([result.n_star_interval(s) for s in reached], dtype=float)
            open_above, open_below = ~np.isfinite(intervals[:, 1]), ~(intervals[:, 0] > 0)
            upper = np.where(open_above, 2 * n_star, intervals[:, 1])
            lower = np.where(open_below, n_star / 2, intervals[:, 0])
            for is_open, end, arrow in ((open_above, upper, "^"), (open_below, lower, "v")):
                if is_open.any():
                    ax.plot(ns[is_open] + dx, end[is_open], ls="none", marker=arrow, ms=4, color=style["color"])
            ax.errorbar(
                ns + dx, n_star, yerr=[np.clip(n_star - lower, 0, None), np.clip(upper - n_star, 0, None)],
                fmt=style["marker"], color=style["color"], mfc=face, ms=5, capsize=2, lw=1, label=label,
            )
            if fit is not None:
                grid = np.linspace(ns.min(), ns.max(), 100)
                ax.plot(grid, 2 ** (fit.a + fit.b * grid), color=style["color"], lw=1.1, ls=rule_style["ls"])
            if protocol == "single-copy" and anchor is None:
                anchor = (ns[-1], n_star[-1])
        elif missing:
            ax.plot([], [], ls="none", marker=style["marker"], color=style["color"], mfc=face, label=label)
        if missing:
            ax.plot(
                np.array(missing) + dx, [max_queries] * len(missing), ls="none", marker="^", ms=6,
                color=style["color"], mfc=face,
                label="_" if unreached_labelled else f"N* > {max_queries:,} queries (not reached; ▲ lower bound)",
            )
            unreached_labelled = True
    all_ns = [s.curve.n for s in result.searches]
    if all_ns:
        grid = np.linspace(min(all_ns), max(all_ns), 100)
        n0, y0 = anchor if anchor is not None else (0.0, 1.0)
        ax.plot(grid, y0 * 2.0 ** (grid - n0), color="0.45", ls=":", lw=1, label="∝ 2ⁿ (reference)")
    ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("n (qubits acted on by U)")
    ax.set_ylabel(f"N* (queries of U per circuit for mean accuracy ≥ {result.config.target:g})")
    ax.grid(True, which="major", alpha=0.3)
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, 0.5), max(high, 4.0 * max_queries))
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1, frameon=False)
    return ax


def plot_embedding(*, ax: "matplotlib.axes.Axes", embedding: Embedding) -> "matplotlib.axes.Axes":
    """First kernel-PCA component (x) of each circuit against its index (y), one colour per class."""
    kinds = np.array(embedding.kinds)
    for kind, style in CLASS_STYLE.items():
        index = np.flatnonzero(kinds == kind)
        ax.scatter(embedding.scores[index], index, s=18, color=style["color"], marker=style["marker"],
                   label=f"{kind} U ({index.size})")
    per_shot = 2 if embedding.protocol == "two-copy" else 1
    ax.set_title(
        f"{_style(embedding.protocol)['label']}\n{embedding.queries // per_shot} shots × {per_shot} = "
        f"{embedding.queries} queries of U per circuit; accuracy {embedding.accuracy:.2f}",
        fontsize=9,
    )
    ax.set_xlabel("first kernel-PCA component (dimensionless)")
    ax.set_ylabel("circuit index")
    ax.grid(True, alpha=0.3)
    return ax


def embedding_stem(path_stem: str | pathlib.Path) -> pathlib.Path:
    """``…/dynamics_sample_complexity`` → ``…/dynamics_embedding`` (else ``<stem>_embedding``)."""
    stem = pathlib.Path(path_stem)
    name = stem.name.replace("sample_complexity", "embedding")
    return stem.with_name(name if name != stem.name else stem.name + "_embedding")


def save_embedding_figure(
    *, n: int, depth: int, queries: int, circuits_per_class: int, seed: int, path_stem: str | pathlib.Path,
    noise: str = "ideal", backend: str = "auto", table: str | pathlib.Path | None = None,
) -> list[pathlib.Path]:
    """Both protocols' embeddings side by side at equal queries of U; writes png and pdf.

    The embeddings come from the JSON ``table`` when it holds these parameters, else they are
    simulated (and stored in ``table`` if given; :func:`~qmemlearn.analysis.embedding.stored_embeddings`).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), sharey=True)
    embeddings = stored_embeddings(
        table, n=n, depth=depth, queries=queries, circuits_per_class=circuits_per_class, seed=seed,
        noise=noise, backend=backend,
    )
    for ax, embedding in zip(axes, embeddings):
        plot_embedding(ax=ax, embedding=embedding)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(
        f"Unsupervised kernel-PCA embedding of brickwork U: n = {n}, depth {depth}, "
        f"{circuits_per_class} + {circuits_per_class} circuits, noise: {noise}, seed {seed}",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return save_figure_atomically(fig, path_stem)


def save_dynamics_figures(result: "ExperimentResult", path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes ``<stem>.png/.pdf`` (N* against n) and, if the config has an ``embedding``
    section, the embedding figure at :func:`embedding_stem`, drawn from the stored embedding
    table beside the results (``<results stem>-embedding.json``; simulated, seconds, and stored
    only when that table is missing or holds other parameters).

    Returns:
        Every written path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    config = result.config
    fig, ax = plt.subplots(figsize=(9, 8.5))
    plot_dynamics_sample_complexity(ax=ax, result=result)
    per_class = config.params["circuits_per_class"]
    fig.suptitle(
        "Telling T-symmetric from scrambling brickwork U without labels: queries of U needed\n"
        f"held fixed: depth {config.params['depth']}, {per_class} + {per_class} circuits per trial, "
        f"{config.trials} trials per point,\ntarget mean accuracy {config.target:g}, noise: {config.noise}, "
        f"seed {config.seed} [{config.mode} run]",
        fontsize=10,
    )
    fig.tight_layout()
    written = save_figure_atomically(fig, path_stem)
    section = config.sections.get("embedding")
    if section:
        written += save_embedding_figure(
            n=section["n"], depth=config.params["depth"], queries=section["queries"],
            circuits_per_class=section["circuits_per_class"], seed=section["seed"],
            path_stem=embedding_stem(path_stem), noise=config.noise, backend=config.params["backend"],
            table=None if result.results_path is None else embedding_path(result.results_path),
        )
    return written


__all__: Sequence[str] = [
    "PROTOCOLS", "Embedding", "embedding_scores", "embedding_stem", "plot_dynamics_sample_complexity", "plot_embedding",
    "save_dynamics_figures", "save_embedding_figure",
]
