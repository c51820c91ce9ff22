"""Public SPARQL queries run in worker processes that can be killed when they take too long.

pyoxigraph's ``Store.query`` has no timeout and no cancel, so the server never runs a public
query in its own process. A :class:`QueryPool` keeps ``settings.query_workers`` processes
(plain subprocesses running :mod:`registry.query.worker`), each holding
``Store.read_only(DATA/main)`` beside the server's read-write store. A query goes to an idle
worker; when no answer comes within the time limit the worker is killed (SIGKILL: the query stops
at once) and a fresh one is started, and the caller gets :class:`QueryTimeout`. The waiting
happens in a thread (``arun`` for async code), so the server keeps answering other requests
meanwhile. A query waits at most the same time limit for a free worker before it gets
:class:`PoolBusy` (503).

The fast lane: long queries must not starve cheap ones. One more worker (``PASSPORTS_QUERY_FAST_LANE``
seconds, 1 by default; 0 turns it off) takes a query only when every regular worker is busy, and
only for that long: a query it cannot finish in time is stopped and waits for a regular worker
with what is left of its time limit. The web app lets a query into the fast lane only when its
client has nothing else in flight, so clients holding the regular workers with long queries cannot
also hold the fast lane, and a cheap query of anyone else is answered at once.

Fresh data: a read-only store sees a snapshot as of its opening. A worker reopens it (about
10 ms) before a query when the content of the file ``DATA/generation`` changed since it opened the
store (the writer writes a new value there after each commit, as ``Registry`` and
:func:`bump_generation` do, so writes are visible at once) or when
the store is older than ``max_age`` seconds (1 s by default: a writer that does not bump is at
most that stale).

Bounded results: a SELECT answer with more than ``settings.result_cap`` rows, or a
CONSTRUCT/DESCRIBE answer with more than that many triples, or an answer of more than
``settings.result_max_bytes`` bytes, is never cut short; the query fails with
:class:`ResultTooLarge`, whose message names the cap and says to add LIMIT. A result that arrives
is always complete. The worker measures rows as they come (:mod:`registry.query.worker`), so a
result too big is refused before it is built whole.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from registry.core.errors import RegistryError
from registry.core.settings import Settings
from registry.core.workers import (
    GENERATION_FILE,
    PoolBusy,
    WorkerDied,
    WorkerPool,
    WorkerTimeout,
    bump_generation,
)

__all__ = ["GENERATION_FILE", "QueryPool", "QueryResult", "Task", "bump_generation"]


# ---------------------------------------------------------------------------------------------
# Errors a query can end in. ``status`` is the HTTP status the endpoint answers with.

class QueryError(RegistryError):
    status = 500


class QuerySyntaxError(QueryError):
    status = 400


class ResultFormatError(QueryError):
    status = 400


class ResultTooLarge(QueryError):
    status = 400


class QueryTimeout(QueryError):
    status = 503


class StoreUnavailable(QueryError):
    status = 503


class QueryFailed(QueryError):
    status = 500


_ERRORS = {cls.__name__: cls for cls in (QuerySyntaxError, ResultFormatError, ResultTooLarge,
                                           StoreUnavailable, QueryFailed)}


@dataclass(frozen=True)
class QueryResult:
    body: bytes
    media_type: str
    form: str  # sparql_formats.SOLUTIONS, BOOLEAN or GRAPH
    format: str  # key of the sparql_formats.ResultFormat written; "html" means JSON/Turtle to render
    count: int | None  # rows or triples; None for ASK
    seconds: float  # from the call to the answer, waiting for a worker included
    work_seconds: float = 0.0  # what workers spent on it (charged to the client's budget)


@dataclass(frozen=True)
class Task:
    query: str
    accept: str | None = None
    format: str | None = None
    allow_html: bool = False
    # The protocol's dataset (default-graph-uri / named-graph-uri). Both None: the public default
    # graph, the union of all named graphs (or the query's own FROM / FROM NAMED).
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    # Values for variables (pyoxigraph substitutions): name -> ("iri", value) or
    # ("literal", lexical, datatype IRI or None, language or None).
    substitutions: tuple[tuple[str, tuple], ...] = ()
    base_iri: str | None = None
    prefixes: tuple[tuple[str, str], ...] = field(default=())


# ---------------------------------------------------------------------------------------------
# The pool, in the server process.

WORKER_MODULE = "registry.query.worker"


class FastLane(WorkerPool):
    """The one worker kept for queries that arrive while every regular worker is busy."""

    name = "SPARQL fast-lane worker"


class QueryPool(WorkerPool):
    """Worker processes that run public SPARQL queries with a hard time limit, and a fast lane."""

    name = "SPARQL query worker"

    def __init__(self, settings: Settings, *, size: int | None = None, max_age: float = 1.0) -> None:
        self.settings = settings
        self.timeout = float(settings.query_timeout)
        self.cap = int(settings.result_cap)
        self.fast_seconds = float(settings.query_fast_lane)
        from registry.store.remote import server_config, uses_server  # not in the workers' imports

        args = (str(settings.main_store_path), str(Path(settings.data_dir) / GENERATION_FILE),
                self.cap, max_age, not settings.service_allowlist and not uses_server(settings),
                int(settings.result_max_bytes), int(settings.query_memory_mib), server_config(settings))
        self._freed = threading.Condition()
        super().__init__(WORKER_MODULE, args, size if size is not None else settings.query_workers)
        self.fast: FastLane | None = FastLane(WORKER_MODULE, args, 1) if self.fast_seconds > 0 else None

    @property
    def isolated(self) -> bool:
        """Whether every started worker (the fast lane's too) runs without network access."""
        workers = self.workers() + (self.fast.workers() if self.fast is not None else [])
        return bool(workers) and all(bool(w.extra) for w in workers)

    def wait_ready(self, timeout: float = 60.0) -> bool:
        return super().wait_ready(timeout) and (self.fast is None or self.fast.wait_ready(timeout))

    def close(self) -> None:
        if self.fast is not None:
            self.fast.close()
        super().close()

    # -- queries ---------------------------------------------------------------------------------
    def run(self, query: str, *, accept: str | None = None, format: str | None = None,
            timeout: float | None = None, fast_lane: bool = True, **task_fields) -> QueryResult:
        """Run ``query`` in a worker; return the serialized answer or raise a :class:`QueryError`.

        ``fast_lane``: the query may use the fast lane when every regular worker is busy (the web
        app allows it to a client with no other request in flight). ``task_fields`` are the other
        fields of :class:`Task` (dataset, substitutions, ...). The seconds a worker spent on the
        query are in the result's ``work_seconds``, or in the error's.
        """
        if self._closed:
            raise StoreUnavailable("the query service is shutting down")
        limit = self.timeout if timeout is None else float(timeout)
        task = Task(query=query, accept=accept, format=format, **task_fields)
        started = time.perf_counter()
        reply, worked = self._dispatch(task, limit, fast_lane and self.fast is not None)
        if reply[0] == "ok":
            _, body, media_type, form, key, count, _seconds = reply
            return QueryResult(body, media_type, form, key, count, time.perf_counter() - started, worked)
        raise _charged(_ERRORS.get(reply[0], QueryFailed)(reply[1]), worked)

    def _dispatch(self, task: Task, limit: float, fast: bool) -> tuple[tuple, float]:
        """The reply to ``task`` and the seconds of work it took.

        A regular worker that is idle gets the query with its whole time limit. When all are busy
        and ``fast`` allows it, the idle fast lane gets it for at most ``fast_seconds``; a query
        the fast lane cannot finish in that time is stopped there (the lane's worker is replaced)
        and waits for a regular worker, which gets what is left of the time limit. A query waits
        at most ``limit`` seconds in all for a worker (then :class:`PoolBusy`)."""
        deadline = time.monotonic() + limit
        worked = 0.0
        while True:
            lanes: list[tuple[WorkerPool, float]] = [(self, limit - worked)]
            if fast:
                lanes.append((self.fast, min(self.fast_seconds, limit - worked)))
            for lane, lane_limit in lanes:
                begun = time.perf_counter()
                try:
                    reply = lane.call(task, wait=0, limit=lane_limit)
                except PoolBusy:
                    continue  # nothing was sent: try the next lane
                except WorkerTimeout:
                    worked += time.perf_counter() - begun
                    self._notify()
                    if lane is self or worked >= limit - 0.01:
                        raise _charged(QueryTimeout(
                            f"query timeout after {limit:g} s: the query was stopped. Narrow the query or "
                            "add LIMIT (the limit is PASSPORTS_QUERY_TIMEOUT)"), worked) from None
                    fast = False  # too long for the fast lane: wait for a regular worker
                    break
                except WorkerDied as exc:
                    self._notify()
                    raise _charged(QueryFailed(
                        f"the query worker ended while running the query ({exc}); the query may need "
                        f"more than the {self.settings.query_memory_mib} MiB a worker may use "
                        "(PASSPORTS_QUERY_MEMORY): narrow it"), worked + time.perf_counter() - begun) from None
                self._notify()
                return reply, worked + time.perf_counter() - begun
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _charged(PoolBusy(f"all {self.size} query workers stayed busy for {limit:g} s; "
                                            "try again in a moment"), worked)
                with self._freed:
                    # Woken when a query ends; a replaced worker becomes idle unannounced, hence the poll.
                    self._freed.wait(min(0.05, remaining))

    def _notify(self) -> None:
        with self._freed:
            self._freed.notify_all()

    async def arun(self, query: str, **kwargs) -> QueryResult:
        """:meth:`run` for async code: waits in a worker thread, the event loop stays free."""
        from functools import partial

        from anyio import to_thread

        return await to_thread.run_sync(partial(self.run, query, **kwargs))


def _charged(exc: RegistryError, seconds: float) -> RegistryError:
    """``exc`` with the seconds of work it cost (``work_seconds``), for the client's budget."""
    exc.work_seconds = seconds
    return exc
