"""The search space of a sweep: what varies from trial to trial, and how a trial draws it.

Each dimension is fixed (one value) or searched (a closed range or a list). Its text
form, as the command line takes it: ``"3"`` fixes it, ``"1:3"`` is the range from 1
to 3 inclusive, ``"lif,izh-norm"`` a list.

=============  ================  ========================================================
dimension      flag              a trial draws
=============  ================  ========================================================
layers         ``--layers``      the number of hidden layers, an integer in [lo, hi]
width          ``--width``       each hidden layer's width, a multiple of the IP's lanes
steps          ``--steps``       the timesteps T per sample, an integer in [lo, hi]
neuron         ``--neuron``      the hidden layers' neuron model, from a list
preset         ``--preset``      the Izhikevich preset, from the listed ones the model has
beta           ``--beta``        the LIF leak per step in [lo, hi] (when a layer is LIF)
threshold      ``--threshold``   the LIF threshold in [lo, hi] (when a layer is LIF)
surrogate      ``--surrogate``   the surrogate gradient, from a list
gain           ``--gain``        the rate coder's input gain in [lo, hi] (rate-coded data)
epochs         ``--epochs``      the float warm-up epochs, an integer in [lo, hi]
qat_epochs     ``--qat-epochs``  the 4-bit QAT epochs, an integer in [lo, hi]
=============  ================  ========================================================

Integers are drawn uniformly from their range (widths on the grid of multiples of the
lanes), floats uniformly from theirs, list entries as categories, all by Optuna's
sampler. A fixed dimension is recorded in every trial's parameters too.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ...overlay import formats
from ...overlay.encoding import MAX_GAIN
from ..neurons import NEURONS
from ..options import TrainOptions

if TYPE_CHECKING:  # pragma: no cover
    import optuna


class SpaceError(ValueError):
    """A search space that is malformed or holds no network to train."""


@dataclass(frozen=True)
class IntRange:
    """Integers ``low, low + step, ..., high`` (``high - low`` a multiple of ``step``)."""

    low: int
    high: int
    step: int = 1

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def suggest(self, trial: "optuna.Trial", name: str) -> int:
        return trial.suggest_int(name, self.low, self.high, step=self.step)

    def text(self) -> str:
        return str(self.low) if self.fixed else f"{self.low}:{self.high}"


@dataclass(frozen=True)
class FloatRange:
    """Real numbers in ``[low, high]``."""

    low: float
    high: float

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def suggest(self, trial: "optuna.Trial", name: str) -> float:
        return trial.suggest_float(name, self.low, self.high)

    def text(self) -> str:
        return repr(self.low) if self.fixed else f"{self.low!r}:{self.high!r}"


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (strings, no repeats)."""

    options: Tuple[str, ...]

    @property
    def fixed(self) -> bool:
        return len(self.options) == 1

    def suggest(self, trial: "optuna.Trial", name: str) -> str:
        return trial.suggest_categorical(name, list(self.options))

    def text(self) -> str:
        return ",".join(self.options)


Dimension = Union[IntRange, FloatRange, Choice]


def flag(name: str) -> str:
    """The command-line flag of a dimension: ``qat_epochs`` -> ``--qat-epochs``."""
    return "--" + name.replace("_", "-")


def _bounds(name: str, text: str, kind: Callable[[str], Union[int, float]]) -> Tuple:
    parts = str(text).split(":")
    if len(parts) > 2:
        raise SpaceError(f"{flag(name)} {text!r}: give one value or a range LO:HI")
    try:
        values = [kind(part.strip()) for part in parts]
    except ValueError:
        what = "integers" if kind is int else "numbers"
        raise SpaceError(f"{flag(name)} {text!r}: expected {what}, as one value or a range LO:HI") from None
    low, high = values[0], values[-1]
    if low > high:
        raise SpaceError(f"{flag(name)} {text!r}: the range runs from {low} down to {high}: write LO:HI")
    return low, high


def parse_int(name: str, text: str, least: int, most: int = 2 ** 31 - 1, step: int = 1) -> IntRange:
    """``"V"`` or ``"LO:HI"`` as integers in ``[least, most]``, on the grid of multiples of ``step``
    when ``step > 1`` (the range shrinks to the multiples inside it)."""
    low, high = _bounds(name, text, int)
    if low < least or high > most:
        raise SpaceError(f"{flag(name)} {text!r}: values must lie in [{least}, {most}]")
    if step > 1:
        low, high = -(-low // step) * step, high // step * step
        if low > high:
            raise SpaceError(f"empty search space: {flag(name)} {text!r} holds no multiple of {step}, "
                             f"the IP's lanes")
    return IntRange(low, high, step)


def parse_float(name: str, text: str, least: float, most: float, open_low: bool = False) -> FloatRange:
    """``"V"`` or ``"LO:HI"`` as finite numbers in ``[least, most]`` (``(least, most]`` if ``open_low``)."""
    low, high = _bounds(name, text, float)
    below = low <= least if open_low else low < least
    if not (math.isfinite(low) and math.isfinite(high)) or below or high > most:
        interval = f"{'(' if open_low else '['}{least:g}, {most:g}]"
        raise SpaceError(f"{flag(name)} {text!r}: values must lie in {interval}")
    return FloatRange(low, high)


def parse_choice(name: str, text: str, allowed: Sequence[str]) -> Choice:
    """``"a,b,c"`` as a list of distinct names, each one of ``allowed``."""
    options = tuple(part.strip() for part in str(text).split(",") if part.strip())
    if not options:
        raise SpaceError(f"empty search space: {flag(name)} {text!r} lists nothing")
    unknown = [o for o in options if o not in allowed]
    if unknown:
        raise SpaceError(f"{flag(name)}: unknown {', '.join(map(repr, unknown))}; choose from {', '.join(allowed)}")
    if len(set(options)) != len(options):
        raise SpaceError(f"{flag(name)} {text!r}: an entry is listed twice")
    return Choice(options)


def _presets() -> List[str]:
    names: List[str] = []
    for kind in NEURONS.values():
        names += [name for name in kind.presets if name not in names]
    return names


def _surrogates() -> List[str]:
    from ..surrogate import SURROGATES  # torch: only when a space is parsed

    return list(SURROGATES)


#: How each dimension's text is read: ``parse(name, text, lanes)``.
PARSERS: Dict[str, Callable[[str, str, int], Dimension]] = {
    "layers": lambda n, t, lanes: parse_int(n, t, 1),
    "width": lambda n, t, lanes: parse_int(n, t, 1, step=lanes),
    "steps": lambda n, t, lanes: parse_int(n, t, 1, formats.STEPS_MAX),
    "neuron": lambda n, t, lanes: parse_choice(n, t, list(NEURONS)),
    "preset": lambda n, t, lanes: parse_choice(n, t, _presets()),
    "beta": lambda n, t, lanes: parse_float(n, t, 0.0, 1.0),
    "threshold": lambda n, t, lanes: parse_float(n, t, 0.0, 1e3, open_low=True),
    "surrogate": lambda n, t, lanes: parse_choice(n, t, _surrogates()),
    "gain": lambda n, t, lanes: parse_float(n, t, 0.0, MAX_GAIN, open_low=True),
    "epochs": lambda n, t, lanes: parse_int(n, t, 0),
    "qat_epochs": lambda n, t, lanes: parse_int(n, t, 0),
}

#: What each dimension is, with an example, for help texts (the defaults are ``spec.py``'s).
HELP: Dict[str, str] = {
    "layers": "hidden layers, e.g. 1:3",
    "width": "width of each hidden layer, drawn in multiples of the IP's lanes, e.g. 16:256",
    "steps": "timesteps T per sample, e.g. 10:50",
    "neuron": f"neuron model of the hidden layers, from {', '.join(NEURONS)}, e.g. lif,izh-norm",
    "preset": "Izhikevich preset(s); each model draws from those it has, e.g. RS,IB,CH",
    "beta": "LIF leak per step in [0, 1], e.g. 0.8:0.99",
    "threshold": "LIF firing threshold, e.g. 0.5:2",
    "surrogate": "surrogate gradient(s), e.g. atan,fast_sigmoid",
    "gain": "input gain of the rate coder, rate-coded data (digits) only, e.g. 0.5:2",
    "epochs": "float warm-up epochs, e.g. 2:15",
    "qat_epochs": "4-bit QAT epochs, e.g. 2:10",
}


@dataclass(frozen=True)
class TrialConfig:
    """One point of the space: the training options of a trial, and the input gain.

    ``options`` is resolved (no ``None`` left); ``gain`` scales the rate coder's spike
    probabilities (1.0 for spike-raster data).
    """

    options: TrainOptions
    gain: float = 1.0

    def sizes(self, n_inputs: int, n_classes: int) -> List[int]:
        """``[n_inputs, hidden..., n_classes]``."""
        return [n_inputs, *self.options.hidden, n_classes]


@dataclass(frozen=True)
class SearchSpace:
    """Every dimension of a sweep (see the module docstring); build one with :meth:`parse`."""

    layers: IntRange
    width: IntRange
    steps: IntRange
    neuron: Choice
    preset: Choice
    beta: FloatRange
    threshold: FloatRange
    surrogate: Choice
    gain: FloatRange
    epochs: IntRange
    qat_epochs: IntRange

    @classmethod
    def parse(cls, texts: Mapping[str, str], lanes: int) -> "SearchSpace":
        """A space from every dimension's text; SpaceError names the flag of a bad one."""
        missing = [f.name for f in fields(cls) if f.name not in texts]
        if missing:
            raise SpaceError(f"the search space needs {', '.join(map(flag, missing))}")
        unknown = sorted(set(texts) - {f.name for f in fields(cls)})
        if unknown:
            raise SpaceError(f"unknown search space dimensions {', '.join(unknown)}")
        return cls(**{f.name: PARSERS[f.name](f.name, texts[f.name], lanes) for f in fields(cls)})

    def texts(self) -> Dict[str, str]:
        """Every dimension's text form: :meth:`parse` reads it back."""
        return {f.name: getattr(self, f.name).text() for f in fields(self)}

    def searched(self) -> List[str]:
        """The dimensions that vary."""
        return [f.name for f in fields(self) if not getattr(self, f.name).fixed]

    def check(self, output_neuron: Optional[str], rate_coded: bool) -> None:
        """Raise SpaceError for a space with nothing to search, a preset no chosen model has,
        or an input gain other than 1 on spike-raster data."""
        if not self.searched():
            raise SpaceError(
                "empty search space: every dimension is fixed; give a range LO:HI or a list A,B to at least "
                f"one of {', '.join(map(flag, self.texts()))}"
            )
        for model in set(self.neuron.options) | {output_neuron or m for m in self.neuron.options}:
            presets = NEURONS[model].presets
            if presets and not set(self.preset.options) & set(presets):
                raise SpaceError(
                    f"empty search space: --preset {self.preset.text()} names no preset of {model} "
                    f"(its presets: {', '.join(presets)})"
                )
        if not rate_coded and self.gain != FloatRange(1.0, 1.0):
            raise SpaceError("--gain applies to rate-coded data (digits); this data set is a spike raster")

    def smallest(self) -> Tuple[int, int]:
        """``(hidden layers, width)`` of the smallest network in the space."""
        return self.layers.low, self.width.low

    def suggest(self, trial: "optuna.Trial", base: TrainOptions, rate_coded: bool) -> TrialConfig:
        """Draw a trial's configuration; ``base`` holds what the space does not vary.

        Parameters a drawn network does not use are not drawn: ``preset`` without an
        Izhikevich layer (its name is ``preset_<model>``, one per model, since each model
        has its own presets), ``beta`` and ``threshold`` without a LIF layer, ``gain`` on
        spike-raster data.
        """
        layers = self.layers.suggest(trial, "layers")
        hidden = [self.width.suggest(trial, f"width_{i}") for i in range(layers)]
        neuron = self.neuron.suggest(trial, "neuron")
        models = [neuron, base.output_neuron or neuron]
        values = dict(
            hidden=hidden,
            neuron=neuron,
            steps=self.steps.suggest(trial, "steps"),
            spike_grad=self.surrogate.suggest(trial, "surrogate"),
            float_epochs=self.epochs.suggest(trial, "epochs"),
            qat_epochs=self.qat_epochs.suggest(trial, "qat_epochs"),
        )
        izhikevich = [m for m in models if NEURONS[m].presets]
        if izhikevich:
            shared = [p for p in self.preset.options if all(p in NEURONS[m].presets for m in izhikevich)]
            if not shared:
                raise SpaceError(f"--preset {self.preset.text()}: no preset shared by {' and '.join(izhikevich)}")
            values["preset"] = Choice(tuple(shared)).suggest(trial, f"preset_{izhikevich[0]}")
        if "lif" in models:
            values["beta"] = self.beta.suggest(trial, "beta")
            values["threshold"] = self.threshold.suggest(trial, "threshold")
        gain = self.gain.suggest(trial, "gain") if rate_coded else 1.0
        return TrialConfig(options=replace(base, **values).resolved(), gain=gain)
