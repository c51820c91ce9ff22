"""Public SPARQL queries run in worker processes that can be killed when they take too long.

pyoxigraph's ``Store.query`` has no timeout and no cancel, so the server never runs a public
query in its own process. A :class:`QueryPool` keeps ``settings.query_workers`` processes
(plain subprocesses running :mod:`registry.query.worker`), each holding
``Store.read_only(DATA/main)`` beside the server's read-write store. A query goes to an idle
worker; when no answer comes within the time limit the worker is killed (SIGKILL: the query stops
at once) and a fresh one is started, and the caller gets :class:`QueryTimeout`. The server's
event loop hands the worker the query and waits for the answer on the worker's socket (``arun``;
no thread in between), so it keeps answering other requests meanwhile. A query waits at most the same time limit for a free worker before it gets
:class:`PoolBusy` (503).

The fast lane: long queries must not starve cheap ones. One more worker (``PASSPORTS_QUERY_FAST_LANE``
seconds, 1 by default; 0 turns it off) takes a query only when every regular worker is busy, and
only for that long: a query it cannot finish in time is stopped and waits for a regular worker
with what is left of its time limit. The web app lets a query into the fast lane only when its
client has nothing else in flight, so clients holding the regular workers with long queries cannot
also hold the fast lane, and a cheap query of anyone else is answered at once.

Fresh data: a read-only store sees a snapshot as of its opening. A worker reopens it (10-40 ms
at 20,000 passports, then a cold cache) before a query when the content of the file
``DATA/generation`` changed since it opened the store (every writer writes a new value there after
each commit, as ``Registry`` and :func:`bump_generation` do, so writes are visible at once), and
only then: while nothing is written a worker keeps its handle and its warm cache.

Bounded results: a SELECT answer with more than ``settings.result_cap`` rows, or a
CONSTRUCT/DESCRIBE answer with more than that many triples, or an answer of more than
``settings.result_max_bytes`` bytes, is never cut short; the query fails with
:class:`ResultTooLarge`, whose message names the cap and says to add LIMIT. A result that arrives
is always complete. The worker measures the answer while pyoxigraph writes it
(:mod:`registry.query.results`), so a result too big is refused before it is built whole.
"""

from __future__ import annotations

import time
from pathlib import Path

from registry.core.allocator import preload_library
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
from registry.query.tasks import (
    _ERRORS,
    QueryError,
    QueryFailed,
    QueryOutOfMemory,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    ResultFormatError,
    ResultTooLarge,
    StoreUnavailable,
    Task,
)

__all__ = ["GENERATION_FILE", "QueryError", "QueryFailed", "QueryOutOfMemory", "QueryPool", "QueryResult", "QuerySyntaxError",
           "QueryTimeout", "ResultFormatError", "ResultTooLarge", "StoreUnavailable", "Task", "bump_generation"]


# ---------------------------------------------------------------------------------------------
# The pool, in the server process.

WORKER_MODULE = "registry.query.worker"
# How a worker at its memory limit ends: an allocation fails and the process aborts (Rust and
# RocksDB), or the kernel kills it when the whole machine runs short.
_OUT_OF_MEMORY = frozenset({"SIGABRT", "SIGKILL"})


class FastLane(WorkerPool):
    """The one worker kept for queries that arrive while every regular worker is busy."""

    name = "SPARQL fast-lane worker"


class QueryPool(WorkerPool):
    """Worker processes that run public SPARQL queries with a hard time limit, and a fast lane."""

    name = "SPARQL query worker"

    def __init__(self, settings: Settings, *, size: int | None = None) -> None:
        self.settings = settings
        self.timeout = float(settings.query_timeout)
        self.cap = int(settings.result_cap)
        self.fast_seconds = float(settings.query_fast_lane)
        from registry.store.remote import server_config, uses_server  # not in the workers' imports

        args = (str(settings.main_store_path), str(Path(settings.data_dir) / GENERATION_FILE),
                self.cap, not settings.service_allowlist and not uses_server(settings),
                int(settings.result_max_bytes), int(settings.query_memory_mib), server_config(settings),
                int(settings.worker_recycle_mib))
        self._waiting: list = []  # (event loop, future) of queries waiting for a free worker
        preload = preload_library(settings.worker_allocator)
        super().__init__(WORKER_MODULE, args, size if size is not None else settings.query_workers,
                         preload=preload)
        self.fast: FastLane | None = FastLane(WORKER_MODULE, args, 1, preload=preload) \
            if self.fast_seconds > 0 else None
        self.inline = None  # one quad pattern in one graph: on a thread here (registry.query.inline)
        if settings.query_inline > 0 and not uses_server(settings):
            from registry.query.inline import InlineRunner

            self.inline = InlineRunner(args[0], Path(args[1]), self.cap, int(settings.result_max_bytes),
                                       int(settings.query_inline))

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
        if self.inline is not None:
            self.inline.close()
        super().close()

    # -- queries ---------------------------------------------------------------------------------
    def run(self, query: str, **kwargs) -> QueryResult:
        """:meth:`arun` for code that is not async (tests, scripts): its own event loop."""
        import asyncio

        return asyncio.run(self.arun(query, **kwargs))

    async def arun(self, query: str, *, accept: str | None = None, format: str | None = None,
                   timeout: float | None = None, fast_lane: bool = True, **task_fields) -> QueryResult:
        """Run ``query`` in a worker; return the serialized answer or raise a :class:`QueryError`.

        The event loop hands the worker the query and waits for its answer on the worker's socket
        (no thread in between), so it stays free meanwhile. ``fast_lane``: the query may use the
        fast lane when every regular worker is busy (the web app allows it to a client with no
        other request in flight). ``task_fields`` are the other fields of :class:`Task` (dataset,
        substitutions, ...). The seconds a worker spent on the query are in the result's
        ``work_seconds``, or in the error's.
        """
        if self._closed:
            raise StoreUnavailable("the query service is shutting down")
        limit = self.timeout if timeout is None else float(timeout)
        task = Task(query=query, accept=accept, format=format, **task_fields)
        started = time.perf_counter()
        reply = None
        if self.inline is not None and self.inline.eligible(task):
            reply = await self.inline.arun(task)  # None: the threads and their queues full
            worked = time.perf_counter() - started
        if reply is None:
            reply, worked = await self._dispatch(task, limit, fast_lane and self.fast is not None)
        if reply[0] == "ok":
            _, body, media_type, form, key, count, _seconds = reply
            return QueryResult(body, media_type, form, key, count, time.perf_counter() - started, worked)
        raise _charged(_ERRORS.get(reply[0], QueryFailed)(reply[1]), worked)

    def _failed(self, exc: WorkerTimeout | WorkerDied, limit: float, worked: float) -> RegistryError:
        if isinstance(exc, WorkerTimeout):
            return _charged(QueryTimeout(
                f"query timeout after {limit:g} s: the query was stopped. Narrow the query or "
                "add LIMIT (the limit is PASSPORTS_QUERY_TIMEOUT)",
                message_nl=f"tijdslimiet van {limit:g} s bereikt: de zoekvraag is gestopt. Beperk de "
                           "zoekvraag of voeg LIMIT toe (de grens is PASSPORTS_QUERY_TIMEOUT)"), worked)
        mib = self.settings.query_memory_mib
        if exc.signal in _OUT_OF_MEMORY and mib:
            return _charged(QueryOutOfMemory(
                f"the query needed more than the {mib} MiB of memory a query may use "
                f"(PASSPORTS_QUERY_MEMORY) and was stopped ({exc.signal}): narrow it (a LIMIT, a filter "
                "on one municipality) or ask the operator to raise the limit",
                message_nl=f"de zoekvraag had meer nodig dan de {mib} MiB geheugen die een zoekvraag "
                           f"mag gebruiken (PASSPORTS_QUERY_MEMORY) en is gestopt ({exc.signal}): beperk haar "
                           "(een LIMIT, een filter op één gemeente) of vraag de beheerder de grens te "
                           "verhogen"), worked)
        return _charged(QueryFailed(
            f"the query worker ended while running the query ({exc}); it was replaced. If this "
            f"happens again the query may need more than the {mib} MiB a worker may use "
            "(PASSPORTS_QUERY_MEMORY): narrow it",
            message_nl=f"het proces van de zoekvraag stopte tijdens het uitvoeren ({exc}) en is "
                       "vervangen. Gebeurt dit opnieuw, dan heeft de zoekvraag misschien meer nodig dan "
                       f"de {mib} MiB die een proces mag gebruiken (PASSPORTS_QUERY_MEMORY): beperk haar"),
            worked)

    async def _dispatch(self, task: Task, limit: float, fast: bool) -> tuple[tuple, float]:
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
                    reply = await lane.acall(task, limit=lane_limit)
                except PoolBusy:
                    continue  # nothing was sent: try the next lane
                except WorkerTimeout as exc:
                    worked += time.perf_counter() - begun
                    self._notify()
                    if lane is self or worked >= limit - 0.01:
                        raise self._failed(exc, limit, worked) from None
                    fast = False  # too long for the fast lane: wait for a regular worker
                    break
                except WorkerDied as exc:
                    self._notify()
                    raise self._failed(exc, limit, worked + time.perf_counter() - begun) from None
                self._notify()
                return reply, worked + time.perf_counter() - begun
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _charged(PoolBusy(f"all {self.size} query workers stayed busy for {limit:g} s; "
                                            "try again in a moment"), worked)
                # Woken when a query ends; a replaced worker becomes idle unannounced, hence the poll.
                await self._freed_or(min(0.05, remaining))

    async def _freed_or(self, seconds: float) -> None:
        """Wait until a query ends (in any event loop or thread) or ``seconds`` pass."""
        import asyncio

        loop = asyncio.get_running_loop()
        freed = loop.create_future()
        entry = (loop, freed)
        with self._lock:
            self._waiting.append(entry)
        try:
            await asyncio.wait_for(freed, seconds)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                if entry in self._waiting:
                    self._waiting.remove(entry)

    def _notify(self) -> None:
        import asyncio

        with self._lock:
            waiting, self._waiting = self._waiting, []
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        for loop, freed in waiting:
            if loop is here:  # this event loop: at once, without a wake-up through its pipe
                if not freed.done():
                    freed.set_result(None)
                continue
            try:
                loop.call_soon_threadsafe(lambda f=freed: f.done() or f.set_result(None))
            except RuntimeError:  # that loop has closed
                pass


def _charged(exc: RegistryError, seconds: float) -> RegistryError:
    """``exc`` with the seconds of work it cost (``work_seconds``), for the client's budget."""
    exc.work_seconds = seconds
    return exc
