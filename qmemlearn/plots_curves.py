"""Figure of a curve set (:mod:`qmemlearn.analysis.curve_set`): labelled N*(n) curves, one axis.

Colour and marker follow the protocol (:data:`qmemlearn.plots.PROTOCOL_STYLE`); readout-mitigated
curves (``mitigate: true``) are drawn with open markers and dashed fits. A search that stopped
at ``max_copies`` is drawn as an upward triangle at max_copies: N* lies above it.
Matplotlib is imported inside the functions only.
"""

from __future__ import annotations

import pathlib
import textwrap
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import matplotlib.axes

    from qmemlearn.analysis.curve_set import CurveSetResult


def _device_line(noise: str) -> str:
    """One line naming the device and its calibration date, for ``google:<processor>`` noise."""
    from qmemlearn.hardware import is_google_noise, load_processor, parse_google_noise

    if not is_google_noise(noise):
        return f"noise: {noise}"
    processor = load_processor(parse_google_noise(noise).processor_id)
    when = processor.calibration_time.strftime("%Y-%m-%d %H:%M UTC")
    return (f"device {processor.processor_id} (cirq-google QVM, calibration of {when}); noise model: its calibrated "
            "per-gate depolarizing + coherent CZ error, per-moment T1/T2 decay, per-qubit readout error; "
            "circuits placed on couplers, compiled to CZ, simulated exactly per pair")


def plot_curve_set(*, ax: "matplotlib.axes.Axes", result: "CurveSetResult") -> "matplotlib.axes.Axes":
    """N*(n) per curve on a log axis with 95% intervals, fits (b and CI in the legend) and bounds."""
    from matplotlib.ticker import MaxNLocator

    from qmemlearn.plots import PROTOCOL_STYLE

    config = result.config
    for spec in config.curves:
        style = PROTOCOL_STYLE.get(spec.protocol, {"color": "k", "marker": "x", "label": spec.protocol})
        mitigated = bool(spec.params.get("mitigate", False))
        face = "white" if mitigated else style["color"]
        searches = result.searches[spec.label]
        reached = [s for s in searches if s.reached]
        label = spec.label
        fit = result.fit(spec.label)
        if fit is not None:
            label += f": N* ∝ 2^(b·n), b = {fit.b:.3f} [{fit.b_low:.3f}, {fit.b_high:.3f}]"
        if reached:
            ns = np.array([s.curve.n for s in reached])
            n_star = np.array([s.n_star for s in reached], dtype=float)
            intervals = np.array([result.n_star_interval(s) for s in reached], dtype=float)
            upper = np.where(np.isfinite(intervals[:, 1]), intervals[:, 1], 2 * n_star)
            lower = np.where(intervals[:, 0] > 0, intervals[:, 0], n_star / 2)
            shift = 0.12 if mitigated else -0.12  # side by side, so both curves stay visible
            ax.errorbar(ns + shift, n_star, yerr=[np.clip(n_star - lower, 0, None), np.clip(upper - n_star, 0, None)],
                        fmt=style["marker"], color=style["color"], mfc=face, ms=4, capsize=2, lw=0.8, label=label)
            if fit is not None:
                grid = np.linspace(ns.min(), ns.max(), 100)
                ax.plot(grid, 2 ** (fit.a + fit.b * grid), color=style["color"], lw=1.0, ls="--" if mitigated else "-")
        bounds = result.bound_ns(spec.label)
        if bounds:
            # Just above the budget line, pointing up: N* lies above max_copies.
            ax.plot(np.array(bounds) + (0.12 if mitigated else -0.12), [1.3 * config.max_copies] * len(bounds),
                    ls="none", marker="^", ms=8, color=style["color"], mfc=face,
                    label=f"{spec.label}: N* > {config.max_copies} (search stopped at max copies)")
    ax.axhline(config.max_copies, color="0.6", lw=0.7, ls=":", label=f"max copies per search ({config.max_copies})")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("n (qubits per copy; two-copy uses 2n device qubits)")
    ax.set_ylabel(f"N* (copies of ρ for success ≥ {config.target:g})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def caption(result: "CurveSetResult") -> str:
    """What was held fixed: device, calibration, noise model, instances, target, rule, calibration shots."""
    config = result.config
    rules = sorted({spec.rule for spec in config.curves})
    shots = sorted({spec.params.get("calibration_shots", 10000) for spec in config.curves
                    if spec.params.get("mitigate", False)})
    alpha = config.curves[0].params.get("alpha", 0.9)
    parts = [
        f"Learning the hidden Pauli of ρ = (I + sαP)/2ⁿ, α = {alpha:g}. " + _device_line(config.noise) + ".",
        f"{config.trials} instances per point (fresh P, s, decoy Q, seed each); target success {config.target:g}; "
        f"{', '.join(rules)} rule (succeed if est tr(Pρ)² > est tr(Qρ)²); cost in copies of ρ (a two-copy shot costs 2).",
    ]
    if shots:
        parts.append(
            f"Mitigated: per point, readout calibration with |0…0⟩ and |1…1⟩ circuits on the same placed qubits, "
            f"{', '.join(map(str, shots))} shots each per qubit, NOT counted as copies of ρ; then readout-corrected "
            "estimators.")
    parts.append(f"[{config.mode} run, seed {config.seed}, max {config.max_copies} copies per search]")
    return "\n".join(textwrap.fill(p, 170) for p in parts)


def save_curve_set_figure(result: "CurveSetResult", path_stem: str | pathlib.Path) -> list[pathlib.Path]:
    """Writes ``<stem>.png`` and ``<stem>.pdf`` (atomically), legend right of the axes, caption below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qmemlearn.plots import save_figure_atomically

    fig, ax = plt.subplots(figsize=(13, 7.0))
    plot_curve_set(ax=ax, result=result)
    ax.set_title("Sample complexity N*(n) on the willow_pink QVM: single-copy vs two-copy, raw vs readout-mitigated"
                 if "willow_pink" in result.config.noise else f"Sample complexity N*(n), noise {result.config.noise}",
                 fontsize=10)
    fig.text(0.01, 0.01, caption(result), fontsize=7, va="bottom", ha="left")
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    return save_figure_atomically(fig, path_stem)
