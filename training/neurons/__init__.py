"""Float spiking neuron models, snnTorch's call shape: ``spk, mem = neuron(cur, mem)``."""
from .lif import LIF

__all__ = ["LIF"]
