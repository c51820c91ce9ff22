"""Compaction after a large import: when, and how (``Compaction``, a part of ``Registry``)."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox

from registry.core.settings import Settings

# Compaction after a large import (see ``Compaction.needs_compaction``): at least this many bulk
# loads, together at least this share of the store's size on disk.
COMPACT_MIN_LOADS = 8
COMPACT_MIN_SHARE = 0.25


def folder_bytes(folder: Path) -> int:
    """The size of the files directly in ``folder`` (a RocksDB store keeps no sub-folders)."""
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        return 0
    return total


class Compaction:
    """Counts the bulk loads of a session (the batch writer adds to them) and compacts when due."""

    settings: Settings
    read_only: bool
    store: ox.Store
    _bulk_loads: int  # bulk loads since the last compaction, and their N-Quads bytes
    _bulk_bytes: int

    def needs_compaction(self) -> bool:
        """Whether this session bulk-loaded so much that reads have become slow.

        Each bulk load adds files that overlap the store's other files, and every read consults
        all of them until RocksDB merges them, which it does in the background only while the
        store stays open for writing. An import of 100,000 passports leaves a passport's graph
        2.2x slower to read (1.85 vs 0.86 ms, ``bench/bench_compaction.py``); ``compact`` takes
        28 s there. It is due after ``COMPACT_MIN_LOADS`` bulk loads that make up
        ``COMPACT_MIN_SHARE`` of the store or more, so a small import into a large registry does
        not rewrite the whole store.
        """
        if self.read_only or self._bulk_loads < COMPACT_MIN_LOADS:
            return False
        return self._bulk_bytes >= COMPACT_MIN_SHARE * folder_bytes(self.settings.main_store_path)

    def compact(self) -> None:
        """Rewrite the store's files for fast reading (RocksDB compaction; the content is the same)."""
        self.store.optimize()
        self._bulk_loads = self._bulk_bytes = 0
