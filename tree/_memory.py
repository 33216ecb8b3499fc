"""Freed memory returned to the operating system between the phases of a large fit.

glibc's allocator keeps freed memory for reuse, in one arena per thread. A histogram fit frees
large temporaries on some threads (the bin-edge sample, each deferred subtree's scratch) and
allocates on others, so the process kept their freed pages beside the next phase's: 5-10 MB of
the 50-60 MB a 1M x 20 ``splitter="hist"`` fit added, and as much variation from run to run.
``malloc_trim`` gives them back (about a third of a millisecond a call there). With another C
library (macOS, Windows, musl) nothing happens.
"""

import ctypes


def _find_malloc_trim():
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (AttributeError, OSError, TypeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_MALLOC_TRIM = _find_malloc_trim()


def release_freed_memory():
    """Return the memory the C allocator holds freed to the operating system (glibc only)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
