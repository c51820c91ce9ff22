"""Public SPARQL queries run in worker processes that can be killed when they take too long.

pyoxigraph's ``Store.query`` has no timeout and no cancel, so the server never runs a public
query in its own process. A :class:`QueryPool` keeps ``settings.query_workers`` processes
(plain subprocesses), each holding ``Store.read_only(DATA/main)`` beside the server's
read-write store. A query goes to an idle worker; when no answer comes within the time limit the
worker is killed (SIGKILL: the query stops at once) and a fresh one is started, and the caller gets
:class:`QueryTimeout`. The waiting happens in a thread (``arun`` for async code), so the server
keeps answering other requests meanwhile. A query waits at most the same time limit for a free
worker before it gets :class:`PoolBusy` (503).

Fresh data: a read-only store sees a snapshot as of its opening. A worker reopens it (about
10 ms) before a query when the content of the file ``DATA/generation`` changed since it opened the
store (the writer writes a new value there after each commit, as ``Registry`` and
:func:`bump_generation` do, so writes are visible at once) or when
the store is older than ``max_age`` seconds (1 s by default: a writer that does not bump is at
most that stale).

Bounded results: a SELECT answer with more than ``settings.result_cap`` rows, or a
CONSTRUCT/DESCRIBE answer with more than that many triples, is never cut short; the query fails
with :class:`ResultTooLarge`, whose message says to add LIMIT. A query with its own LIMIT at or
under the cap therefore always succeeds, and a result that arrives is always complete.

No network for queries: when the SERVICE allow-list is empty, every worker moves itself into a
network namespace of its own (Linux ``unshare``; best effort, see :attr:`QueryPool.isolated`),
so even a SERVICE clause that slipped past :mod:`registry.service_policy` could not reach any
host.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from registry.core.errors import RegistryError
from registry.core.settings import Settings
from registry.core.workers import (
    GENERATION_FILE,
    FreshStore,
    PoolBusy,
    WorkerDied,
    WorkerPool,
    WorkerTimeout,
    bump_generation,
    serve_tasks,
    vanished,
    worker_entry,
)
from registry.query import formats as sparql_formats

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
    seconds: float


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
# The worker process.

def _isolate_network() -> bool:
    """Move this process into a network namespace with no interfaces but a down loopback."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0
    except (OSError, AttributeError):
        return False


def _term(spec: tuple):
    from pyoxigraph import Literal, NamedNode

    if spec[0] == "iri":
        return NamedNode(spec[1])
    _, lexical, datatype, language = spec
    if language:
        return Literal(lexical, language=language)
    return Literal(lexical, datatype=NamedNode(datatype) if datatype else None)


def _execute(store, task: Task, cap: int):
    from pyoxigraph import (
        NamedNode,
        QueryBoolean,
        QueryResultsFormat,
        QuerySolutions,
        Variable,
        parse_query_results,
        serialize,
    )

    kwargs: dict = {}
    if task.default_graphs is not None or task.named_graphs is not None:
        kwargs["default_graph"] = [NamedNode(g) for g in task.default_graphs or ()]
        kwargs["named_graphs"] = [NamedNode(g) for g in task.named_graphs or ()]
    elif task.union_default_graph:
        kwargs["use_default_graph_as_union"] = True
    if task.substitutions:
        kwargs["substitutions"] = {Variable(name): _term(spec) for name, spec in task.substitutions}
    if task.base_iri:
        kwargs["base_iri"] = task.base_iri
    result = store.query(task.query, **kwargs)

    if isinstance(result, QueryBoolean):
        form = sparql_formats.BOOLEAN
    elif isinstance(result, QuerySolutions):
        form = sparql_formats.SOLUTIONS
    else:
        form = sparql_formats.GRAPH
    fmt = sparql_formats.choose(form, task.accept, task.format, allow_html=task.allow_html)

    if form == sparql_formats.BOOLEAN:
        out = QueryResultsFormat.JSON if fmt.key == "html" else fmt.results_format
        return form, fmt, result.serialize(format=out), None

    rows = list(itertools.islice(result, cap + 1))
    if len(rows) > cap:
        what = "rows" if form == sparql_formats.SOLUTIONS else "triples"
        raise ResultTooLarge(
            f"the result has more than {cap} {what}, the cap of this endpoint (PASSPORTS_RESULT_CAP); "
            f"nothing was sent rather than a cut-off result. Add LIMIT {cap} (and OFFSET to page "
            "through it) or narrow the query")

    if form == sparql_formats.GRAPH:
        if fmt.key == "html":
            fmt_out = sparql_formats.BY_KEY["turtle"].rdf_format
        else:
            fmt_out = fmt.rdf_format
        prefixes = dict(task.prefixes) if fmt_out.name in ("TURTLE", "RDF_XML") else None
        body = serialize(rows, format=fmt_out, prefixes=prefixes) if prefixes else serialize(rows, format=fmt_out)
        return form, fmt, body or b"", len(rows)

    # SELECT: the rows already taken are written as TSV (terms in N-Triples syntax, exact) and
    # pyoxigraph's own serializers turn that into the format asked for.
    header = "\t".join(str(v) for v in result.variables)
    lines = [header]
    lines.extend("\t".join("" if t is None else str(t) for t in row) for row in rows)
    tsv = ("\n".join(lines) + "\n").encode()
    out = QueryResultsFormat.JSON if fmt.key == "html" else fmt.results_format
    body = parse_query_results(tsv, format=QueryResultsFormat.TSV).serialize(format=out)
    return form, fmt, body, len(rows)


def _worker_main(conn, store_path: str, generation_path: str, cap: int, max_age: float,
                 isolate: bool) -> None:
    isolated = _isolate_network() if isolate else False
    import pyoxigraph

    def open_store():
        try:
            return pyoxigraph.Store.read_only(store_path)
        except OSError as exc:
            if vanished(exc):  # tried again by FreshStore
                raise
            raise StoreUnavailable(f"the store at {store_path} cannot be opened: {exc}") from None

    store = FreshStore(open_store, Path(generation_path), max_age)

    def answer(task: Task) -> tuple:
        started = time.perf_counter()
        try:
            form, fmt, body, count = store.run(lambda opened: _execute(opened, task, cap))
            return ("ok", body, fmt.media_type, form, fmt.key, count, time.perf_counter() - started)
        except SyntaxError as exc:
            return ("QuerySyntaxError", _syntax_message(str(exc)))
        except sparql_formats.FormatError as exc:
            return ("ResultFormatError", str(exc))
        except QueryError as exc:
            return (type(exc).__name__, str(exc))
        except Exception as exc:  # noqa: BLE001 - evaluation errors (SERVICE failures, I/O) go back
            return ("QueryFailed", f"the query failed: {type(exc).__name__}: {exc}")

    conn.send(("ready", os.getpid(), isolated))
    serve_tasks(conn, answer)


def _syntax_message(raw: str) -> str:
    import re

    m = re.match(r"error at (\d+):(\d+): (.*)", raw, re.DOTALL)
    if m:
        return (f"SPARQL syntax error at line {m[1]}, column {m[2]}: {m[3]}. Fix the query there; "
                "this endpoint accepts SPARQL 1.1 queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only")
    return f"SPARQL syntax error: {raw}"


# ---------------------------------------------------------------------------------------------
# The pool, in the server process.

class QueryPool(WorkerPool):
    """Worker processes that run public SPARQL queries with a hard time limit."""

    name = "SPARQL query worker"

    def __init__(self, settings: Settings, *, size: int | None = None, max_age: float = 1.0) -> None:
        self.settings = settings
        self.timeout = float(settings.query_timeout)
        self.cap = int(settings.result_cap)
        args = (str(settings.main_store_path), str(Path(settings.data_dir) / GENERATION_FILE),
                self.cap, max_age, not settings.service_allowlist)
        super().__init__("registry.query.pool", args,
                         size if size is not None else settings.query_workers)

    @property
    def isolated(self) -> bool:
        """Whether every started worker runs without network access."""
        workers = self.workers()
        return bool(workers) and all(bool(w.extra) for w in workers)

    # -- queries ---------------------------------------------------------------------------------
    def run(self, query: str, *, accept: str | None = None, format: str | None = None,
            timeout: float | None = None, **task_fields) -> QueryResult:
        """Run ``query`` in a worker; return the serialized answer or raise a :class:`QueryError`.

        ``task_fields`` are the other fields of :class:`Task` (dataset, substitutions, ...).
        """
        if self._closed:
            raise StoreUnavailable("the query service is shutting down")
        limit = self.timeout if timeout is None else float(timeout)
        task = Task(query=query, accept=accept, format=format, **task_fields)
        started = time.perf_counter()
        try:
            reply = self.call(task, wait=limit, limit=limit)
        except PoolBusy:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {limit:g} s; try again "
                           "in a moment") from None
        except WorkerTimeout:
            raise QueryTimeout(
                f"query timeout after {limit:g} s: the query was stopped. Narrow the query or "
                "add LIMIT (the limit is PASSPORTS_QUERY_TIMEOUT)") from None
        except WorkerDied as exc:
            raise QueryFailed(f"the query worker died while running the query ({exc}); the query "
                              "may use too much memory, narrow it") from None
        if reply[0] == "ok":
            _, body, media_type, form, key, count, _seconds = reply
            return QueryResult(body, media_type, form, key, count, time.perf_counter() - started)
        raise _ERRORS.get(reply[0], QueryFailed)(reply[1])

    async def arun(self, query: str, **kwargs) -> QueryResult:
        """:meth:`run` for async code: waits in a worker thread, the event loop stays free."""
        from functools import partial

        from anyio import to_thread

        return await to_thread.run_sync(partial(self.run, query, **kwargs))


if __name__ == "__main__":
    from registry.query.pool import _worker_main

    worker_entry(sys.argv[1:], _worker_main)
