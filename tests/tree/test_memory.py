"""tree._memory: freed memory handed back to the operating system (glibc's malloc_trim)."""

import platform

import pytest

from tree import _memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_freed_heap_memory_is_returned():
    assert _memory._MALLOC_TRIM is not None
    blocks = [bytearray(4000) for _ in range(20_000)]  # 80 MB of the heap, below mmap's threshold
    last = blocks[-1]  # keeps the heap's top, so free() alone cannot shrink it
    del blocks
    before = _resident_mb()
    _memory.release_freed_memory()
    assert before - _resident_mb() > 40
    assert len(last) == 4000


def test_without_malloc_trim_nothing_happens(monkeypatch):
    monkeypatch.setattr(_memory, "_MALLOC_TRIM", None)
    assert _memory.release_freed_memory() is None
