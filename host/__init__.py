"""The runtime API: open a device (board or emulator), load an artifact, run, read results and energy."""
