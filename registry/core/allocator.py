"""Which memory allocator the worker processes run with (``PASSPORTS_WORKER_ALLOCATOR``).

SPARQL evaluation in pyoxigraph makes and frees many small Rust allocations per solution; with
glibc's ``malloc`` an aggregate spends about a sixth of its time there. The
query workers are processes of their own (``registry.core.workers``), so they can start with
jemalloc preloaded (``LD_PRELOAD``) without touching the server process, its threads or anything
else it starts: 15-20 % off the aggregates (docs/benchmarks.md, "Fifth round: the aggregates and the query workers' allocator").

``auto`` (the default) takes Debian's ``libjemalloc2`` (or any ``libjemalloc.so.2`` in the usual
library folders) when it is installed and glibc's allocator otherwise; ``jemalloc`` the same, but
says so when it is missing; ``system`` (or ``glibc``) always glibc's; a path, that library. A path
that is not there is reported once and the workers run on glibc.
"""

from __future__ import annotations

import logging
import os
import sys
import sysconfig
from functools import cache

log = logging.getLogger(__name__)

AUTO, SYSTEM = "auto", "system"
JEMALLOC = "libjemalloc.so.2"


def _library_dirs() -> list[str]:
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = [os.path.join(base, multiarch) for base in ("/usr/lib", "/lib", "/usr/local/lib") if multiarch]
    return dirs + ["/usr/lib64", "/usr/lib", "/usr/local/lib64", "/usr/local/lib"]


@cache
def preload_library(choice: str) -> str | None:
    """The shared library the workers preload for ``choice`` (a setting's value), or None."""
    choice = choice.strip()
    if not sys.platform.startswith("linux") or choice.lower() in ("", SYSTEM, "glibc"):
        return None
    if choice.lower() in (AUTO, "jemalloc"):
        found = (os.path.join(d, JEMALLOC) for d in _library_dirs())
        path = next((path for path in found if os.path.isfile(path)), None)
        if path is None and choice.lower() == "jemalloc":  # asked for by name: say it is missing
            log.warning("PASSPORTS_WORKER_ALLOCATOR=jemalloc: %s is not installed (Debian: apt-get install "
                        "libjemalloc2); the workers use the system's allocator", JEMALLOC)
        return path
    if os.path.isfile(choice):
        return os.path.abspath(choice)
    log.warning("PASSPORTS_WORKER_ALLOCATOR: %s is not a file (use auto, jemalloc, system or the path of a "
                "shared library); the workers use the system's allocator", choice)
    return None


def preloaded(env: dict[str, str], library: str | None) -> dict[str, str]:
    """``env`` with ``library`` first in its ``LD_PRELOAD`` (unchanged for None)."""
    if library is None:
        return env
    others = [entry for entry in env.get("LD_PRELOAD", "").replace(":", " ").split() if entry != library]
    return {**env, "LD_PRELOAD": " ".join([library, *others])}


__all__ = ["AUTO", "SYSTEM", "preload_library", "preloaded"]
