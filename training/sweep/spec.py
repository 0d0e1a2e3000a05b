"""What defines a sweep: the data, the seeds, the search space, the chip's limits, the objectives.

A study stores its :class:`SweepSpec`; a later run with the same storage and study
name adds trials to it only when it asks for the same spec (the trial count and the
number of workers are not part of it). Every trial trains with the same ``seed``
(initialization, shuffling, spike-encoding draws), so a trial's accuracy is that of
one training seed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ...overlay.core_build import DEFAULT_BUILD
from ..data import DEFAULT_DATA_SEED
from ..options import DEFAULTS, TrainOptions, check_izhikevich_threshold_fits
from .data import SweepData, sweep_data
from .limits import ChipLimits
from .objectives import Objective, objectives
from .space import HELP, SearchSpace, SpaceError, TrialConfig

#: The widest hidden layer the default space draws.
DEFAULT_MAX_WIDTH = 256


def default_texts(data: str, steps: int) -> Dict[str, str]:
    """The default of every dimension for data set ``data`` whose own T is ``steps``: the
    topology is searched (1 to 3 hidden layers of 16 to 256 neurons), the rest is fixed at
    ``pynq-snn train``'s defaults (``training/options.py``)."""
    if data not in DEFAULTS:
        raise ValueError(f"unknown data set {data!r}; choose one of {', '.join(DEFAULTS)}")
    defaults = DEFAULTS[data]
    return {
        "layers": "1:3",
        "width": f"{DEFAULT_BUILD.lanes}:{DEFAULT_MAX_WIDTH}",
        "steps": str(steps),
        "neuron": TrainOptions.neuron,
        "preset": TrainOptions.preset,
        "beta": repr(defaults.beta),
        "threshold": repr(TrainOptions.threshold),
        "surrogate": TrainOptions.spike_grad,
        "gain": "1.0",
        "epochs": str(defaults.float_epochs),
        "qat_epochs": str(defaults.qat_epochs),
    }


def dimension_help(name: str) -> str:
    """The help text of a dimension's flag, its defaults included."""
    per_data = {"beta": "beta", "epochs": "float_epochs", "qat_epochs": "qat_epochs"}
    if name in per_data:
        values = ", ".join(f"{getattr(d, per_data[name])} for {data}" for data, d in DEFAULTS.items())
        default = f"train's: {values}"
    elif name == "steps":
        default = "the data set's own"
    else:
        default = default_texts(next(iter(DEFAULTS)), 1)[name]
    return f"{HELP[name]} (default {default})"


@dataclass(frozen=True)
class SweepSpec:
    """A sweep's definition.

    Attributes:
        data: the data set (``randman`` or ``digits``); ``data_seed`` fixes it and its split.
        space: the search space.
        seed: every trial's training seed.
        limits: the chip's neuron and synapse limits.
        energy_preset: the energy model of the energy objective (``host/energy.py``).
        output_neuron: the output layer's neuron model (``None``: the hidden layers').
        validation_fraction: the share of the training split held out for the objectives.
        train_samples: at most this many samples to fit on (``None``: all).
        batch_size, lr, qat_lr, weight_decay, scale_percentile, izhikevich_gain_shift,
        izhikevich_threshold: as ``pynq-snn train``'s, the same in every trial.
    """

    data: str
    space: SearchSpace
    data_seed: int = DEFAULT_DATA_SEED
    seed: int = 0
    limits: ChipLimits = field(default_factory=ChipLimits)
    energy_preset: str = "neuromorphic"
    output_neuron: Optional[str] = None
    validation_fraction: float = 0.2
    train_samples: Optional[int] = None
    batch_size: int = TrainOptions.batch_size
    lr: Optional[float] = None
    qat_lr: Optional[float] = None
    weight_decay: Optional[float] = None
    scale_percentile: Optional[float] = None
    izhikevich_gain_shift: int = TrainOptions.izhikevich_gain_shift
    izhikevich_threshold: Optional[float] = None

    def __post_init__(self) -> None:
        self.base_options()  # TrainOptions checks the training settings, naming their flags

    def objectives(self) -> Tuple[Objective, Objective, Objective]:
        """The study's objectives (:func:`~.objectives.objectives` of the energy preset)."""
        return objectives(self.energy_preset)

    def base_options(self) -> TrainOptions:
        """The training options the search space does not vary."""
        return TrainOptions(
            data=self.data, output_neuron=self.output_neuron, seed=self.seed, data_seed=self.data_seed,
            batch_size=self.batch_size, lr=self.lr, qat_lr=self.qat_lr, weight_decay=self.weight_decay,
            scale_percentile=self.scale_percentile, izhikevich_gain_shift=self.izhikevich_gain_shift,
            izhikevich_threshold=self.izhikevich_threshold,
        )

    def data_for(self, config: Optional[TrialConfig] = None) -> SweepData:
        """The fit and validation parts a trial trains and is measured on (``None``: the data set's own T)."""
        steps, gain = (None, 1.0) if config is None else (config.options.steps, config.gain)
        return sweep_data(self.data, self.data_seed, steps, gain, self.validation_fraction, self.train_samples)

    def rate_coded(self) -> bool:
        """Whether the data is rate coded (so the input gain applies)."""
        return self.data_for().encoding.kind == "rate"

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-able form: the space as its texts."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["space"] = self.space.texts()
        values["limits"] = asdict(self.limits)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "SweepSpec":
        """Read :meth:`to_dict`'s output back."""
        values = dict(values)
        values["limits"] = ChipLimits(**values["limits"])
        values["space"] = SearchSpace.parse(values["space"], values["limits"].build().lanes)
        return cls(**values)

    def differences(self, other: "SweepSpec") -> List[str]:
        """``"name: mine vs other's"`` for each setting that differs (space dimensions by flag)."""
        mine, theirs = _flat(self.to_dict()), _flat(other.to_dict())
        return [f"{key} {mine[key]} vs {theirs[key]}" for key in mine if mine[key] != theirs[key]]


def _flat(values: Mapping[str, Any]) -> Dict[str, Any]:
    flat = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            flat.update({f"--{sub.replace('_', '-')}": v for sub, v in value.items()})
        else:
            flat[key.replace("_", "-")] = value
    return flat


def build_spec(data: str, texts: Mapping[str, Optional[str]], **settings: Any) -> SweepSpec:
    """A checked spec: ``texts`` gives a dimension's text, or ``None`` for its default.

    ``settings`` are :class:`SweepSpec`'s other fields. Raises ValueError (SpaceError for
    the space) naming the flag at fault, and "empty search space" when nothing varies or
    when the smallest network of the space does not fit the chip.
    """
    limits: ChipLimits = settings.get("limits", ChipLimits())
    build = limits.build()
    probe = SweepSpec(data=data, space=None, **settings)  # type: ignore[arg-type]
    facts = probe.data_for()
    chosen = {name: text for name, text in texts.items() if text is not None}
    space = SearchSpace.parse({**default_texts(data, facts.encoding.steps), **chosen}, build.lanes)
    space.check(probe.output_neuron, facts.encoding.kind == "rate")
    models = [*space.neuron.options, *([probe.output_neuron] if probe.output_neuron else [])]
    check_izhikevich_threshold_fits(probe.izhikevich_threshold, models, space.preset.options)
    layers, width = space.smallest()
    sizes = [facts.n_inputs, *[width] * layers, facts.n_classes]
    violations = limits.violations(sizes, space.steps.low)
    if violations:
        raise SpaceError(
            f"empty search space: its smallest network, {'-'.join(map(str, sizes))} with {space.steps.low} steps, "
            f"does not fit the chip: {'; '.join(violations)}"
        )
    return SweepSpec(data=data, space=space, **settings)
