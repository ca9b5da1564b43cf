"""Keep freed block-sized temporaries mapped, so that numpy does not fault them in again.

Each numpy operation on a block (see ``_reduction.py``) allocates a 256 KB temporary and frees it.
glibc's malloc, by default, hands such blocks back to the kernel as soon as a few are free (its
"trim" and "mmap" thresholds start at 128 KB), so the next operation gets fresh pages and the
kernel has to map and zero every one of them again. On the machines this course is benchmarked
on, that page-fault work cost ten times the arithmetic: ``np.abs(p - t)`` on 32768 elements took
270 us instead of 21 us (``make bench`` measures the losses with it).

:func:`keep_freed_memory` sets the two thresholds (glibc's ``mallopt``) where glibc's own
heuristic ends up after it has seen a large array freed: allocations below 32 MB come from the heap
(and are reused), and up to 64 MB of freed heap stays mapped. glibc raises the thresholds by itself
to the size of the largest mapped array freed so far; until an array well above the block size has
come and gone, the block temporaries are mapped afresh again and again. It is called once,
when lossutils is imported, and affects the whole process (torch's allocations too, which gain from
it the same way), like starting Python with ``MALLOC_MMAP_THRESHOLD_=33554432
MALLOC_TRIM_THRESHOLD_=67108864``. Set the environment variable ``LOSSUTILS_MALLOC_TUNING=0``
before importing lossutils to leave malloc alone. On systems without glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

MMAP_THRESHOLD = 32 << 20  # bytes: allocations below this come from the heap (glibc's largest dynamic value)
TRIM_THRESHOLD = 64 << 20  # bytes: freed heap kept before malloc returns it (glibc: twice the above)
_M_TRIM_THRESHOLD = -1     # mallopt parameter numbers, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> bool:
    """Set glibc's malloc thresholds as the module docstring says; True if they were set."""
    if os.environ.get("LOSSUTILS_MALLOC_TUNING", "1").strip() == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # glibc only: musl's mallopt does nothing  # noqa: B018
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


MALLOC_TUNED = keep_freed_memory()
