"""Quantization-aware training (Brevitas, 4-bit weights, fixed-point state) and export."""
