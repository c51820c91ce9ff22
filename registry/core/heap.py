"""The freed buffers of a long ``add`` go back to the operating system (glibc's allocator).

glibc serves an allocation above its mmap threshold (128 KiB at first) with a mapping of its own,
unmapped when freed; but after the first such block is freed it raises the threshold to that block's
size (up to 32 MiB on 64-bit), so from then on the buffers of every bulk load (the N-Quads of a load,
tens of MB, and the loader's sort runs, in its own threads) are cut from the threads' heaps instead,
where the space they leave is split up by smaller allocations and rarely returned: the resident
memory of an ``add`` grew with every load while less than half of its heap was in use
(``bench/bench_add.py``, docs/benchmarks.md "Load and flat memory"). ``keep_heap_small`` fixes the
threshold (which also stops its adjustment), and ``give_back`` returns the free pages of every heap
after a load. Elsewhere (another C library) both do nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 1 << 20  # blocks from 1 MiB on are mappings of their own, unmapped when freed
JEMALLOC_ALL_ARENAS = 4096  # jemalloc's MALLCTL_ARENAS_ALL

_libc: ctypes.CDLL | None = None
_fixed = False


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None)
            if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") and hasattr(libc, "gnu_get_libc_version"):
                _libc = libc
        except OSError:
            pass
    return _libc


def keep_heap_small() -> bool:
    """Fix glibc's mmap threshold for this process (once); False when not on glibc."""
    global _fixed
    libc = _glibc()
    if libc is None:
        return False
    if not _fixed:
        _fixed = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    return _fixed


def give_back() -> None:
    """Return the free pages of every heap of this process to the operating system (also of
    jemalloc's arenas when a worker runs with it, ``registry.core.allocator``)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
        if hasattr(libc, "mallctl"):  # jemalloc preloaded: purge all its arenas' unused pages
            libc.mallctl(b"arena.%d.purge" % JEMALLOC_ALL_ARENAS, None, None, None, ctypes.c_size_t(0))


def resident_mib() -> float:
    """This process's resident memory in MiB (0.0 where ``/proc`` is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


__all__ = ["give_back", "keep_heap_small", "resident_mib"]
