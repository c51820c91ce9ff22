"""The buffers of a long add go back to the operating system when freed (``registry.core.heap``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from registry.core import heap

# A child process frees a 16 MB buffer (glibc then raises its mmap threshold to 16 MB), then makes
# a 12 MB one, a few small objects after it, frees the 12 MB and prints how much stayed resident.
CHILD = """
import sys
from pathlib import Path
from registry.core import heap

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

if sys.argv[1] == "fixed":
    assert heap.keep_heap_small()
size = 16 * 2**20  # below the 32 MiB up to which glibc raises its threshold
first = b"\\x01" * size
del first
before = rss_mb()
second = b"\\x01" * (size // 4 * 3)  # under the raised threshold: cut from the heap
small = [bytes(100) for _ in range(1000)]  # allocations after it, as a load's own are
del second
heap.give_back() if sys.argv[1] == "fixed" else None
print(rss_mb() - before)
"""


def retained_mb(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


@pytest.mark.skipif(not heap.keep_heap_small(), reason="glibc only")
def test_a_freed_load_buffer_does_not_stay_resident():
    assert retained_mb("glibc default") > 8  # what the add's memory grew by, load after load
    assert retained_mb("fixed") < 4
