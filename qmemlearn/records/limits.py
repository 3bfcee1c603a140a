"""Memory guards: refuse an allocation that cannot fit before making it.

Used by the record loaders (a file header may declare any shape) and by ``qmemlearn sample``
(``--copies`` fixes the size of the bits array). Sizes are in bytes.
"""

from __future__ import annotations

import math
import os
from typing import BinaryIO

import numpy as np

#: Fraction of the available memory one array may take.
BUDGET_FRACTION = 0.5


def available_memory_bytes() -> int:
    """Memory available to this process now, in bytes (``MemAvailable`` of /proc/meminfo, else
    the physical memory from ``sysconf``, else 8 GiB)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def format_bytes(nbytes: float) -> str:
    """``1536`` -> ``'1.5 KiB'`` (binary units).

    Example:
        >>> format_bytes(3 * 2**40)
        '3.0 TiB'
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")


def check_allocation(nbytes: int, what: str) -> None:
    """Raises if ``nbytes`` exceeds :data:`BUDGET_FRACTION` of the available memory.

    Args:
        nbytes: Bytes the allocation would need.
        what: Names the parameter or field, e.g. ``"--copies=10**12"``; starts the message.

    Raises:
        ValueError: ``"<what> needs <size> (<n> bytes), more than the <budget> this machine can
            spare ..."``.
    """
    budget = int(BUDGET_FRACTION * available_memory_bytes())
    if nbytes > budget:
        raise ValueError(
            f"{what} needs {format_bytes(nbytes)} ({nbytes} bytes) of memory, more than the "
            f"{format_bytes(budget)} this machine can spare ({BUDGET_FRACTION:.0%} of the available memory)"
        )


def read_npy_header(stream: BinaryIO) -> tuple[tuple[int, ...], np.dtype]:
    """Reads the header of a ``.npy`` stream (positioned at its start) without reading the data.

    Returns:
        ``(shape, dtype)`` as declared.

    Raises:
        ValueError: If the stream does not start with a valid ``.npy`` header.
    """
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f".npy format version {version} is not supported")
    return tuple(int(k) for k in shape), dtype


def declared_bytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    """Bytes of an array of ``shape`` and ``dtype`` (exact, no overflow).

    Example:
        >>> declared_bytes((10**12, 4), np.dtype(np.uint8))
        4000000000000
    """
    return math.prod(shape) * dtype.itemsize
