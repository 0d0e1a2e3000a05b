"""The Pareto front of a sweep, as points and as a table.

Trial ``a`` dominates trial ``b`` when it is at least as good on every objective
(accuracy no lower, energy and cycles no higher) and better on one. The front is the
set of complete trials that no other complete trial dominates (Optuna's
``study.best_trials``). :func:`staircase` gives the front of accuracy against energy
alone, the line a figure of those two axes draws.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import optuna
from optuna.trial import TrialState

from .objectives import Objective


@dataclass(frozen=True)
class TrialPoint:
    """A complete trial: its objectives, what it trained, and whether it is on the front.

    Attributes:
        number: the trial's number in the study.
        accuracy: validation accuracy of the 4-bit network on the emulator (one seed).
        energy_nj: estimated energy per sample, nJ.
        cycles: IP cycles per sample.
        sizes: the topology ``(inputs, hidden..., outputs)``.
        neuron: the hidden layers' model, with its preset for an Izhikevich model.
        steps: timesteps T per sample.
        epochs: float warm-up and QAT epochs.
        on_front: on the Pareto front of the three objectives.
    """

    number: int
    accuracy: float
    energy_nj: float
    cycles: float
    sizes: Tuple[int, ...]
    neuron: str
    steps: int
    epochs: Tuple[int, int]
    on_front: bool

    @property
    def topology(self) -> str:
        return "-".join(map(str, self.sizes))


def _neuron(params: dict) -> str:
    model = params["neuron"]
    preset = params.get(f"preset_{model}")
    return f"{model} {preset}" if preset else model


def trial_points(study: optuna.Study) -> List[TrialPoint]:
    """Every complete trial of a sweep's study, in trial order."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    on_front = {t.number for t in study.best_trials} if complete else set()
    return [
        TrialPoint(
            number=t.number,
            accuracy=t.values[0],
            energy_nj=t.values[1],
            cycles=t.values[2],
            sizes=tuple(t.user_attrs["sizes"]),
            neuron=_neuron(t.params),
            steps=t.params["steps"],
            epochs=(t.params["epochs"], t.params["qat_epochs"]),
            on_front=t.number in on_front,
        )
        for t in complete
    ]


def front(points: Sequence[TrialPoint]) -> List[TrialPoint]:
    """The front's points, from the least energy up (ties: the higher accuracy first)."""
    return sorted((p for p in points if p.on_front), key=lambda p: (p.energy_nj, -p.accuracy))


def staircase(points: Sequence[TrialPoint]) -> List[TrialPoint]:
    """The points that no other beats on accuracy and energy alone, from the least energy up."""
    best, kept = float("-inf"), []
    for point in sorted(points, key=lambda p: (p.energy_nj, -p.accuracy)):
        if point.accuracy > best:
            kept.append(point)
            best = point.accuracy
    return kept


def front_lines(points: Sequence[TrialPoint], objectives: Sequence[Objective]) -> List[str]:
    """The front as a markdown table, one row per point (see :func:`front`)."""
    header = ["trial", objectives[0].label, objectives[1].label, objectives[2].label, "topology", "neuron",
              "T", "epochs (float + QAT)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for p in front(points):
        row = [p.number, f"{p.accuracy:.2%}", f"{p.energy_nj:.1f}", f"{p.cycles:,.0f}", p.topology, p.neuron,
               p.steps, f"{p.epochs[0]} + {p.epochs[1]}"]
        lines.append("| " + " | ".join(map(str, row)) + " |")
    return lines


def summary(points: Sequence[TrialPoint]) -> str:
    """One line for a progress bar: the front's size and its two ends on accuracy and energy."""
    on_front = front(points)
    if not on_front:
        return "front: none yet"
    best = max(on_front, key=lambda p: (p.accuracy, -p.energy_nj))
    frugal = on_front[0]
    return (f"front {len(on_front)}: best {best.accuracy:.1%} at {best.energy_nj:.0f} nJ, "
            f"least {frugal.energy_nj:.0f} nJ at {frugal.accuracy:.1%}")
