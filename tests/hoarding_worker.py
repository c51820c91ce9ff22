"""A worker process for the pool tests: each task is a number of MiB it keeps for good
(``registry.core.workers.serve_tasks`` with ``recycle_mib``, the pool's ``Retiring``)."""

from __future__ import annotations

import os
import sys

from registry.core.workers import serve_tasks, worker_entry


def main(conn, recycle_mib: int) -> None:
    kept: list[bytes] = []

    def handle(mib: int) -> tuple[int, int]:
        kept.append(b"x" * (mib * 2**20))  # written, so resident
        return os.getpid(), len(kept)

    conn.send(("ready", os.getpid(), None))
    serve_tasks(conn, handle, recycle_mib=recycle_mib)


if __name__ == "__main__":
    worker_entry(sys.argv[1:], main)
