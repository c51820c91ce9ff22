"""SHACL validation in a second process, so a large ``add`` validates one batch while it writes
the previous one (the store's writes and the validator both hold the GIL: threads don't overlap).

The main process sends each batch as N-Quads per passport (serialised by pyoxigraph, blank node
labels kept, so issues name the same nodes; the same bytes are bulk-loaded when the batch is
written); the worker parses them back into
``PassportDoc``s, computes their content hashes and runs the same ``Validator``. Only hashes and
verdicts come back (and what the ``task`` derives besides, below). The worker is a new Python
process (``python -m registry.validation.worker``, ``registry.core.workers``; never a ``fork``: the
parent holds an open RocksDB store and server threads), one per ``add``, and only for inputs of
more than one batch. If the worker dies, the batch is validated in the main process instead (and
the next batch goes to a fresh worker).

The function a worker runs on each batch is its ``task`` (by default ``_validate``); a task of a
higher layer (``registry.store.prepared``) parses with ``parse_payload``, validates with
``check`` and returns more per passport as the third part of its ``Result``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyoxigraph as ox

from registry.core.workers import STARTUP_TIMEOUT, PoolBusy, WorkerDied, WorkerPool, serve_tasks, worker_entry
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.validation.validator import Validator, Verdict

# content hashes, verdicts (in the order sent) and what the task derived besides (None: nothing)
Result = tuple[list[str], list[Verdict], Any]

_validator: Validator | None = None
log = logging.getLogger(__name__)


def _worker_main(conn, engine: str, parent: int) -> None:
    """The worker process (``python -m registry.validation.worker``): answers ``(task, *args)``
    with ``("ok", task(*args))``, or ``("failed", traceback)`` (the batch is then validated in the
    main process, which raises the error there). ``parent``: the pid of the process that started
    this one, taken before the start, so a parent killed while this one was starting is noticed."""
    global _validator

    def exit_with_parent() -> None:  # a killed `passports add` must not leave its worker behind
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=exit_with_parent, daemon=True).start()
    _validator = Validator(engine=engine)

    def answer(call: tuple) -> tuple:
        task, *args = call
        try:
            return "ok", task(*args)
        except Exception:  # noqa: BLE001 - reported to the main process, which validates the batch itself
            return "failed", traceback.format_exc()

    conn.send(("ready", os.getpid(), None))
    serve_tasks(conn, answer)


def parse_payload(base: str, payload: list[tuple[str, bytes]]) -> list[PassportDoc]:
    """The documents of a batch sent as ``encode(docs)``."""
    return [PassportDoc(owning_passport(base, iri), quads=list(ox.parse(body, ox.RdfFormat.N_QUADS)))
            for iri, body in payload]


def check(docs: list[PassportDoc], municipality: str | None) -> tuple[list[str], list[Verdict]]:
    """Content hashes and verdicts of a batch, in the worker process."""
    return [doc.content_hash() for doc in docs], _validator.validate(docs, municipality)


def _validate(base: str, payload: list[tuple[str, bytes]], municipality: str | None) -> Result:
    return *check(parse_payload(base, payload), municipality), None


def encode(docs: list[PassportDoc]) -> list[tuple[str, bytes]]:
    """(IRI, N-Quads of the passport's graph) per document, the form the worker reads and the
    form a bulk load writes."""
    return [(doc.iri, ox.serialize(doc.quads(), format=ox.RdfFormat.N_QUADS)) for doc in docs]


class _Validating(WorkerPool):
    name = "validation worker"


class ValidationWorker:
    """One validating process for one ``add``: a plain subprocess (``registry.core.workers``), not
    multiprocessing's spawn, which would run the caller's main script again in the child (a
    script without a ``__main__`` guard would do its work twice)."""

    def __init__(self, base: str, engine: str, local: Callable[[], Validator], task: Callable = _validate):
        self.base = base
        self._local = local  # the main process's validator, used only if the worker breaks
        self._task = task  # a module-level function (sent by name, like pickle does)
        self._pool = _Validating(__name__, (engine, os.getpid()), 1)
        self._calls = ThreadPoolExecutor(1, thread_name_prefix="passports-validation")
        self._gone = False  # the worker did not start: every batch is validated here

    def submit(self, payload: list[tuple[str, bytes]], municipality: str | None) -> Future | None:
        """Start validating a batch given as ``encode(docs)``; None when the worker is gone."""
        if not payload or self._gone:
            return None
        return self._calls.submit(self._call, (self._task, self.base, payload, municipality))

    def _call(self, call: tuple) -> Result | None:
        try:
            status, value = self._pool.call(call, wait=STARTUP_TIMEOUT, limit=None)
        except PoolBusy:  # no worker came up
            self._gone = True
            return None
        except WorkerDied:  # the pool starts another one for the next batch
            return None
        if status != "ok":
            log.warning("the validation worker failed on a batch; it is validated here:\n%s", value)
            return None
        return value

    def result(self, job: Future | None, docs: list[PassportDoc], municipality: str | None) -> Result:
        """The (hashes, verdicts, derived) of a submitted batch; validated here if the worker died
        or failed (nothing derived then)."""
        if not docs:
            return [], [], None
        done = job.result() if job is not None else None
        if done is not None:
            return done
        return [doc.content_hash() for doc in docs], self._local().validate(docs, municipality), None

    def close(self) -> None:
        self._calls.shutdown(wait=True, cancel_futures=True)
        self._pool.close()


class OrderedWriter:
    """The store's writes of one ``add``, run one after another on a thread of their own.

    A bulk load of bytes releases the GIL, so the caller reads and prepares the next batch
    meanwhile. A failed write is raised at the next ``submit`` or at ``close``.
    """

    def __init__(self, max_pending: int = 2):
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="passports-writer")
        self._futures: list[Future] = []
        self.max_pending = max_pending  # bounds memory when writing is slower than reading

    def submit(self, fn: Callable, *args) -> None:
        self._raise_failures(wait=False)
        while len(self._futures) >= self.max_pending:
            self._futures.pop(0).result()
        self._futures.append(self._pool.submit(fn, *args))

    def _raise_failures(self, wait: bool) -> None:
        for future in list(self._futures):
            if wait or future.done():
                self._futures.remove(future)
                future.result()

    def close(self) -> None:
        try:
            self._raise_failures(wait=True)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


if __name__ == "__main__":  # the worker process; its globals are those of the module imported by name
    from registry.validation.worker import _worker_main

    worker_entry(sys.argv[1:], _worker_main)
