"""Training: neuron models, surrogate gradients, encoders, data sets, the trainer.

The data sets and encoders (:mod:`.data`, :mod:`.encoding`) import numpy only; the
models and the trainer import torch.
"""

#: Neuron models by CLI name: LIF, normalized Izhikevich, standard Izhikevich (mV).
NEURONS = ("lif", "izh-norm", "izh")
