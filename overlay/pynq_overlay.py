"""PYNQ classes of the SNN overlay: the board side of the driver (imports pynq).

``SnnOverlay("snn.bit")`` downloads the bitstream built by ``bitstreams/build.tcl``
(looked up by name in this package's ``bitstreams`` folder when it is not a path);
PYNQ binds the IP to :class:`SnnCoreIP` through its VLNV, and :class:`PynqPort`
gives the driver (``overlay/driver.py``) the IP's registers and the AXI DMA.
Desktop code never imports this module.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from pynq import DefaultIP, Overlay, allocate

from .driver import SnnCore

#: The IP as the block design instantiates it: an RTL module reference of snn_core.
VLNV = "xilinx.com:module_ref:snn_core:1.0"
#: AXI DMA control registers (PG021): MM2S_DMACR and S2MM_DMACR; bit 2 resets the DMA.
_MM2S_DMACR, _S2MM_DMACR, _DMACR_RESET = 0x00, 0x30, 1 << 2


def bitstream_path(name: str = "snn.bit") -> Path:
    """``name`` itself when it is a file, else the file of that name beside this package's
    bitstreams; raise FileNotFoundError naming both places and how to build it."""
    path = Path(name)
    if path.is_file():
        return path
    packaged = Path(__file__).resolve().parent.parent / "bitstreams" / path.name
    if packaged.is_file():
        return packaged
    raise FileNotFoundError(
        f"no bitstream {name!r}: not a file, and not in {packaged.parent}; build snn.bit and snn.hwh "
        "with bitstreams/build.tcl (Vivado 2022.1) and put them side by side"
    )


class SnnCoreIP(DefaultIP):
    """The SNN core IP's registers (``REGISTERS.md``); PYNQ binds it by VLNV."""

    bindto = [VLNV]


class PynqPort:
    """The driver's port on the board: the IP's MMIO and one AXI DMA (``pynq.lib.DMA``)."""

    def __init__(self, ip: DefaultIP, dma) -> None:
        self.ip = ip
        self.dma = dma

    def read(self, offset: int) -> int:
        return int(self.ip.read(offset))

    def write(self, offset: int, value: int) -> None:
        self.ip.write(offset, int(value))

    def stream(self, words: np.ndarray, n_receive: int, timeout_s: float) -> np.ndarray:
        """Receive first, then send, so the IP never waits on a full output stream."""
        send = allocate(shape=(len(words),), dtype=np.uint32)
        receive = allocate(shape=(max(n_receive, 1),), dtype=np.uint32)
        try:
            send[:] = words
            if n_receive:
                self.dma.recvchannel.transfer(receive, nbytes=4 * n_receive)
            self.dma.sendchannel.transfer(send)
            deadline = time.monotonic() + timeout_s
            channels = [self.dma.sendchannel] + ([self.dma.recvchannel] if n_receive else [])
            while not all(channel.idle for channel in channels):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"DMA transfer not finished within {timeout_s:g} s")
                time.sleep(0)
            return np.array(receive[:n_receive], dtype=np.uint32)
        finally:
            send.freebuffer()
            receive.freebuffer()

    def reset_streams(self) -> None:
        self.dma.write(_MM2S_DMACR, _DMACR_RESET)
        self.dma.write(_S2MM_DMACR, _DMACR_RESET)
        self.dma.sendchannel.start()
        self.dma.recvchannel.start()


class SnnOverlay(Overlay):
    """The SNN overlay for the Ultra96-V2: PS, AXI DMA and the SNN core IP."""

    def __init__(self, bitfile: str = "snn.bit", **kwargs) -> None:
        super().__init__(str(bitstream_path(bitfile)), **kwargs)

    def core(self, timeout_s: float = 10.0) -> SnnCore:
        """The driver of this overlay's IP."""
        return SnnCore(PynqPort(self.snn_core_0, self.axi_dma_0), timeout_s=timeout_s)
