"""The runtime API: run artifacts on the emulator (and the board), read results, energy."""
