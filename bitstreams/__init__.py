"""Bitstreams of the SNN overlay (``.bit``/``.hwh`` pairs or ``.link`` files)."""
