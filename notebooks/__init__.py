"""Jupyter notebooks of pynq-snn and the files they run (``*.ipynb``, ``*.snn``, ``*.npz``).

A package so that PYNQ's ``pynq get-notebooks pynq-snn`` finds them through the
``pynq.notebooks`` entry point, and so that ``board.ipynb`` finds its network and test
set in an installed pynq-snn when they are not beside it.
"""
