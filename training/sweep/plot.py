"""The sweep's figure: accuracy against energy per sample, latency as colour, the front highlighted.

Every complete trial is a dot at (energy per sample in nJ, validation accuracy in %),
coloured by its IP cycles per sample. Trials on the Pareto front of the three
objectives have a black ring and their trial number; the step line joins the trials
that no other beats on accuracy and energy alone. The energy axis and the colour scale
are logarithmic when they span more than a factor of 10. Needs matplotlib; draws on a
bare ``Figure`` (no pyplot), so it works in scripts, tests and notebooks alike.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

from .front import TrialPoint, front, staircase
from .objectives import Objective


def plot_front(points: Sequence[TrialPoint], objectives: Sequence[Objective], ax=None, title: Optional[str] = None):
    """Draw the figure on ``ax`` (a new 7 x 4.5 inch figure when ``None``); return the figure."""
    if not points:
        raise ValueError("the study has no complete trial to plot yet")
    from matplotlib.colors import LogNorm

    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7, 4.5), layout="constrained").add_subplot()
    energy = [p.energy_nj for p in points]
    accuracy = [100 * p.accuracy for p in points]
    cycles = [p.cycles for p in points]
    norm = LogNorm(min(cycles), max(cycles)) if max(cycles) > 10 * min(cycles) else None
    dots = ax.scatter(energy, accuracy, c=cycles, cmap="viridis", norm=norm, s=22, alpha=0.75, zorder=2,
                      label="trial")
    on_front = front(points)
    ax.scatter([p.energy_nj for p in on_front], [100 * p.accuracy for p in on_front],
               c=[p.cycles for p in on_front], cmap="viridis", norm=dots.norm, s=70, edgecolors="black",
               linewidths=1.3, zorder=3, label="Pareto front (accuracy, energy, cycles)")
    for p in on_front:
        ax.annotate(str(p.number), (p.energy_nj, 100 * p.accuracy), textcoords="offset points", xytext=(4, -10),
                    fontsize=7)
    steps = staircase(points)
    ax.step([p.energy_nj for p in steps], [100 * p.accuracy for p in steps], where="post", color="black",
            linewidth=0.8, zorder=1, label="front of accuracy and energy alone")
    if max(energy) > 10 * min(energy):
        ax.set_xscale("log")
    ax.set_xlabel(objectives[1].label)
    ax.set_ylabel(f"{objectives[0].label}, %")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    ax.figure.colorbar(dots, ax=ax, label=objectives[2].label)
    if title:
        ax.set_title(title, fontsize=10)
    return ax.figure


def save_front_plot(points: Sequence[TrialPoint], objectives: Sequence[Objective], path: Union[str, Path],
                    title: Optional[str] = None) -> Path:
    """Write the figure to ``path`` (PNG, 150 dpi); return the path."""
    path = Path(path)
    plot_front(points, objectives, title=title).savefig(path, dpi=150)
    return path
