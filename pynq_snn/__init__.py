"""pynq-snn: train 4-bit spiking neural networks and run them bit-exact on an SNN core IP.

Importing the package imports nothing heavy: the board runtime path
(:mod:`pynq_snn.host`, :mod:`pynq_snn.overlay`) needs numpy alone (and threadpoolctl
for ``--threads``), and torch is imported only by :mod:`pynq_snn.training` models and
:mod:`pynq_snn.quant`.
"""
__version__ = "0.1.0"
