"""How glibc's malloc hands memory back to the system, set once for gradient workloads.

A gradient frees its whole tape when it returns: every intermediate array of the forward pass,
tens of megabytes for chapter 13's CNN. glibc's malloc starts with a 128 KiB threshold above
which it maps each allocation separately and unmaps it on free, and gives the top of its heap
back to the system whenever more than twice that lies free there; it raises both thresholds by
itself only as it sees large blocks freed. In a training loop that meant the next step faulted
the same pages in again: about 3,000 page faults and a third of the CNN step's time, and slower
torch steps in the same process too.

:func:`tune` sets the two thresholds to where glibc's own adaptation ends (32 MiB, its maximum
mapping threshold on 64-bit systems, and twice that for trimming). Memory freed by one step is
then reused by the next; the process keeps at most 64 MiB of free memory at the top of its heap
instead of returning it. It changes nothing where the C library is not glibc, and nothing when
the user has set malloc's parameters (``MALLOC_*_`` or ``GLIBC_TUNABLES``) or set
``DERIVLAB_MALLOC=default``.
"""

from __future__ import annotations

import ctypes
import os

MMAP_THRESHOLD = 32 << 20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc's dynamic rule sets beside it
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # <malloc.h>
_USER_SETTINGS = (
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
    "GLIBC_TUNABLES",
)


def tune() -> bool:
    """Set glibc's mapping and trimming thresholds (see the module docstring); True if set."""
    if os.environ.get("DERIVLAB_MALLOC", "") == "default":
        return False
    if any(name in os.environ for name in _USER_SETTINGS):
        return False  # the user's own malloc settings win
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return False
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, ValueError):  # not glibc, or no confstr on this platform
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


TUNED = tune()
