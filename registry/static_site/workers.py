"""The site build's worker processes (``passports site --workers N``): each opens the store
read-only and renders the tasks it is sent with a ``Writer`` of its own.

They are plain subprocesses (``python -m registry.static_site.workers``, ``registry.core.workers``),
not multiprocessing's spawn, which would run the caller's main script again in every worker: a
script without a ``__main__`` guard that builds a site would build it again in each one (and, a
pool inside a starting worker being refused, hang). What every worker needs to start (the
settings and the files of the last build, which can be millions of paths) goes through a file.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Self

from registry.core.errors import RegistryError
from registry.core.workers import STARTUP_TIMEOUT, WorkerDied, WorkerPool, serve_tasks, worker_entry
from registry.static_site.report import TaskResult


class SiteWorkerFailed(RegistryError):
    """A task failed in a worker (its traceback in the message) or the worker ended."""


class SiteWorkers(WorkerPool):
    """``size`` processes running the build's tasks; ``imap_unordered`` as multiprocessing's."""

    name = "site worker"

    def __init__(self, size: int, *start: object) -> None:
        """``start``: what each worker's ``Writer`` is made of (the settings, the output folder,
        site URL, languages, list pages, the last build's files)."""
        handle, path = tempfile.mkstemp(prefix="passports-site-", suffix=".pickle")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(start, out, protocol=pickle.HIGHEST_PROTOCOL)
        self._start_file = Path(path)
        super().__init__(__name__, (path,), size)

    def imap_unordered(self, tasks: Iterable[tuple]) -> Iterator[TaskResult]:
        """The results of ``tasks`` as they come, with at most two tasks per worker in flight."""
        with ThreadPoolExecutor(self.size, thread_name_prefix="passports-site") as calls:
            pending: set[Future] = set()
            for task in tasks:
                pending.add(calls.submit(self._run, task))
                while len(pending) >= 2 * self.size:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (future.result() for future in done)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)

    def _run(self, task: tuple) -> TaskResult:
        try:
            status, value = self.call(task, wait=STARTUP_TIMEOUT, limit=None)
        except WorkerDied as exc:
            raise SiteWorkerFailed(f"a site worker ended on the task {task[0]!r} ({exc})") from None
        if status != "ok":
            raise SiteWorkerFailed(f"the site task {task[0]!r} failed in a worker:\n{value}")
        return value

    def close(self) -> None:
        super().close()
        self._start_file.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _worker_main(conn, start_file: str) -> None:
    from registry.static_site.writer import Writer
    from registry.store.registry import Registry

    with open(start_file, "rb") as start:
        settings, out, site_url, languages, list_pages, old_files = pickle.load(start)
    writer = Writer(Registry.open(settings, read_only=True), Path(out), site_url, languages, list_pages, old_files)

    def answer(task: tuple) -> tuple:
        try:
            return "ok", writer.run(task)
        except Exception:  # noqa: BLE001 - raised in the building process, with this traceback
            return "failed", traceback.format_exc()

    conn.send(("ready", os.getpid(), None))
    serve_tasks(conn, answer)


if __name__ == "__main__":  # the worker process; its globals are those of the module imported by name
    from registry.static_site.workers import _worker_main

    worker_entry(sys.argv[1:], _worker_main)
