"""What ``pynq-snn train --ann qcfs`` takes, and its defaults. Imports no torch.

The data set, its split (``data_seed``), the training seed and the hidden sizes follow
SNN training's rules and defaults (:mod:`.options`): the same network shape, and
by default the data set's ``ann_epochs`` (:class:`~.options.DataDefaults`), else as many
epochs as SNN training's float warm-up and QAT together.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import List, Optional

from .data import DEFAULT_DATA_SEED
from .options import TrainOptions, check_int_at_least, check_learning_rate, defaults_for

#: The QCFS activation's levels unless told otherwise: the converted network is exact for
#: constant inputs at T = L (``quant/convert.py``).
DEFAULT_LEVELS = 8
#: The ANN kinds ``--ann`` takes.
ANN_KINDS = ("qcfs",)


@dataclass
class QcfsOptions:
    """Training options of a QCFS ANN. ``None`` takes the data set's default
    (``hidden``; ``epochs``: its ``ann_epochs``, else float warm-up plus QAT epochs of SNN training; ``lr``: its ``ann_lr``)."""

    data: str = TrainOptions.data
    data_dir: Optional[str] = None
    seed: int = TrainOptions.seed
    data_seed: int = DEFAULT_DATA_SEED
    hidden: Optional[List[int]] = None
    levels: int = DEFAULT_LEVELS
    epochs: Optional[int] = None
    lr: Optional[float] = None
    batch_size: int = TrainOptions.batch_size

    def __post_init__(self) -> None:
        check_learning_rate(self.lr, "--lr")
        check_int_at_least(self.batch_size, 1, "--batch-size")

    def resolved(self) -> "QcfsOptions":
        """A copy with every ``None`` replaced by the data set's default."""
        defaults = defaults_for(self.data)
        values = asdict(self)
        values["hidden"] = list(self.hidden if self.hidden is not None else defaults.hidden)
        values["epochs"] = defaults.qcfs_epochs() if self.epochs is None else self.epochs
        values["lr"] = defaults.ann_lr if self.lr is None else self.lr
        return QcfsOptions(**values)
