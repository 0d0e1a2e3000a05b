"""The SNN core IP: its arithmetic contract, capacity, artifact format and bit-exact emulator."""
