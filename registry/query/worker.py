"""The query worker process: one public SPARQL query at a time, on a read-only store handle.

Started by :class:`registry.query.pool.QueryPool` as ``python -m registry.query.worker``; it
answers each :class:`~registry.query.pool.Task` with the serialised result or the name of the
error and its message (:func:`answer`). What it guards itself against, besides the time limit the
pool enforces by killing it:

- results too big: pyoxigraph's serialisers write the answer in the format asked for straight into
  a buffer that refuses it as soon as it passes ``PASSPORTS_RESULT_MAX_BYTES`` bytes, and counts
  its rows as it grows (:mod:`registry.query.results`), so an answer over ``PASSPORTS_RESULT_CAP``
  rows is refused before it is built whole;
- memory: the process's data segment is capped (``PASSPORTS_QUERY_MEMORY``), so values built
  inside a query (``CONCAT`` of ``CONCAT``...) end this worker, not the machine;
- network: when the SERVICE allow-list is empty, the worker moves itself into a network namespace
  of its own (Linux ``unshare``; best effort), so even a SERVICE clause that slipped past
  :mod:`registry.query.service_policy` could not reach any host.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

from registry.core.heap import give_back, keep_heap_small
from registry.core.workers import FreshStore, limit_memory, serve_tasks, worker_entry
from registry.query.execute import answer, read_only_opener
from registry.query.tasks import Task


def _isolate_network() -> bool:
    """Move this process into a network namespace with no interfaces but a down loopback."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0
    except (OSError, AttributeError):
        return False


def worker_main(conn, store_path: str, generation_path: str, cap: int, isolate: bool,
                max_bytes: int = 16 * 2**20, memory_mib: int = 0, server: dict | None = None,
                recycle_mib: int = 0) -> None:
    isolated = _isolate_network() if isolate else False
    limit_memory(memory_mib)
    if server is not None:  # PASSPORTS_BACKEND=sparql: the queries go to the server
        from registry.store.remote import SparqlStore

        def open_store():
            return SparqlStore(**server, read_only=True)
    else:
        open_store = read_only_opener(store_path)
    # every opening replays the store's unflushed log into memory that is freed at the next one:
    # given back to the operating system, or glibc keeps it (``registry.core.heap``)
    keep_heap_small()
    store = FreshStore(open_store, Path(generation_path), on_open=give_back)

    def reply(task: Task) -> tuple:
        return answer(store, task, cap, max_bytes, memory_mib)

    conn.send(("ready", os.getpid(), isolated))
    serve_tasks(conn, reply, recycle_mib=recycle_mib)


if __name__ == "__main__":
    from registry.query.worker import worker_main

    worker_entry(sys.argv[1:], worker_main)
