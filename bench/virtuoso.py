"""Virtuoso (Debian ``virtuoso-opensource``) for the benchmarks: the server of the backend tests
(``tests/external_servers.py``: free loopback ports, a folder of its own, stopped at the end) with
a bench machine's settings, loaded with its bulk loader.

    with Virtuoso(folder) as server:
        seconds = server.load(Path("dump.nq"))
        httpx.post(server.sparql_url, data={"query": "ASK {}"})

The settings: about 1 GiB of buffers (two thirds of ``MEMORY_MB`` as 8 KiB pages), 2 GiB of query
memory, no query time limit and no automatic checkpoint (one after the load).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Self

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.external_servers import bulk_load, missing, virtuoso

MEMORY_MB = 1400


def available() -> bool:
    return missing("virtuoso") is None


class Virtuoso:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()
        self.sparql_url = ""
        self._running = None
        self.endpoint = None

    def __enter__(self) -> Self:
        self._running = virtuoso(self.folder, memory_mb=MEMORY_MB, checkpoint_minutes=0, query_seconds=0,
                                 query_memory="2G")
        self.endpoint = self._running.__enter__()
        self.sparql_url = self.endpoint.query_url
        return self

    def load(self, nquads: Path) -> float:
        """Bulk-load an N-Quads file (its graphs as they are); the seconds it took."""
        return bulk_load(self.endpoint, nquads)

    def __exit__(self, *exc) -> None:
        if self._running is not None:
            self._running.__exit__(None, None, None)
            self._running = None
