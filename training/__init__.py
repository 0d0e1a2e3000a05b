"""Training: neuron models, surrogate gradients, data sets, the trainer.

The data sets (:mod:`.data`) import numpy only; the models and the trainer import
torch. The spike encoders are the runtime's (:mod:`pynq_snn.overlay.encoding`).
"""
