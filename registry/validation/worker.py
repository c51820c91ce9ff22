"""SHACL validation in a second process, so a large ``add`` validates one batch while it writes
the previous one (the store's writes and the validator both hold the GIL: threads don't overlap).

The main process sends each batch as N-Quads per passport (serialised by pyoxigraph, blank node
labels kept, so issues name the same nodes; the same bytes are bulk-loaded when the batch is
written); the worker parses them back into
``PassportDoc``s, computes their content hashes and runs the same ``Validator``. Only hashes and
verdicts come back (and what the ``task`` derives besides, below). The worker is started with
``spawn`` (never ``fork``: the parent holds an open RocksDB store and server threads), once per
``add``, and only for inputs of more than one batch.
If the worker dies, the batch is validated in the main process instead.

The function a worker runs on each batch is its ``task`` (by default ``_validate``); a task of a
higher layer (``registry.store.prepared``) parses with ``parse_payload``, validates with
``check`` and returns more per passport as the third part of its ``Result``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pyoxigraph as ox

from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.validation.validator import Validator, Verdict

# content hashes, verdicts (in the order sent) and what the task derived besides (None: nothing)
Result = tuple[list[str], list[Verdict], Any]

_validator: Validator | None = None


def _start(engine: str, parent: int) -> None:
    """``parent``: the pid of the process that started this one, taken before the start, so a
    parent killed while this process was still starting is noticed too."""
    global _validator

    def exit_with_parent() -> None:  # a killed `passports add` must not leave its worker behind
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)

    threading.Thread(target=exit_with_parent, daemon=True).start()
    _validator = Validator(engine=engine)


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


class ValidationWorker:
    """One validating process for one ``add``."""

    def __init__(self, base: str, engine: str, local: Callable[[], Validator], task: Callable = _validate):
        self.base = base
        self._local = local  # the main process's validator, used only if the worker breaks
        self._task = task  # a module-level function (``spawn`` pickles it by name)
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start, initargs=(engine, os.getpid()))

    def submit(self, payload: list[tuple[str, bytes]], municipality: str | None) -> Future | None:
        """Start validating a batch given as ``encode(docs)``; None when the worker is gone."""
        if not payload:
            return None
        try:
            return self._pool.submit(self._task, self.base, payload, municipality)
        except (BrokenProcessPool, RuntimeError):
            return None

    def result(self, job: Future | None, docs: list[PassportDoc], municipality: str | None) -> Result:
        """The (hashes, verdicts, derived) of a submitted batch; validated here if the worker died
        (nothing derived then)."""
        if not docs:
            return [], [], None
        try:
            if job is not None:
                return job.result()
        except BrokenProcessPool:
            pass
        return [doc.content_hash() for doc in docs], self._local().validate(docs, municipality), None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


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
