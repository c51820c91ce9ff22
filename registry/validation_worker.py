"""SHACL validation in a second process, so a large ``add`` validates one batch while it writes
the previous one (the store's writes and the validator both hold the GIL: threads don't overlap).

The main process sends each batch as N-Quads or N-Triples bytes per passport (serialised by
pyoxigraph, blank node labels kept, so issues name the same nodes); the worker parses them back into
``PassportDoc``s, computes their content hashes and runs the same ``Validator``. Only hashes and
verdicts come back. The worker is started with ``spawn`` (never ``fork``: the parent holds an open
RocksDB store and server threads), once per ``add``, and only for inputs of more than one batch.
If the worker dies, the batch is validated in the main process instead.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pyoxigraph as ox

from .documents import PassportDoc
from .uris import owning_passport
from .validation import Validator, Verdict

Result = tuple[list[str], list[Verdict]]  # content hashes, verdicts; in the order sent

_validator: Validator | None = None


def _start(engine: str) -> None:
    global _validator
    parent = os.getppid()

    def exit_with_parent() -> None:  # a killed `passports add` must not leave its worker behind
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=exit_with_parent, daemon=True).start()
    _validator = Validator(engine=engine)


def _validate(base: str, payload: list[tuple[str, str, bytes]], municipality: str | None) -> Result:
    docs = [PassportDoc.from_bytes(owning_passport(base, iri), ox.RdfFormat.from_media_type(media_type), body)
            for iri, media_type, body in payload]
    return [doc.content_hash() for doc in docs], _validator.validate(docs, municipality)


def encode(docs: list[PassportDoc]) -> list[tuple[str, str, bytes]]:
    """(IRI, media type, body) per document: RdfFormat objects do not pickle."""
    return [(doc.iri, fmt.media_type, body) for doc in docs for fmt, body in [doc.to_bytes()]]


class ValidationWorker:
    """One validating process; ``submit`` returns a future of (hashes, verdicts) for a batch."""

    def __init__(self, engine: str, local: Callable[[], Validator]):
        self._local = local  # the main process's validator, used only if the worker breaks
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start, initargs=(engine,))

    def submit(self, docs: list[PassportDoc], municipality: str | None) -> Future | Result:
        if not docs:
            return [], []
        try:
            return self._pool.submit(_validate, docs[0].ref.base, encode(docs), municipality)
        except (BrokenProcessPool, RuntimeError):
            return self.local(docs, municipality)

    def result(self, pending: Future | Result, docs: list[PassportDoc],
               municipality: str | None) -> Result:
        if not isinstance(pending, Future):
            return pending
        try:
            return pending.result()
        except BrokenProcessPool:
            return self.local(docs, municipality)

    def local(self, docs: list[PassportDoc], municipality: str | None) -> Result:
        return [doc.content_hash() for doc in docs], self._local().validate(docs, municipality)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
