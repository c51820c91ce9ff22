"""The query worker process: one public SPARQL query at a time, on a read-only store handle.

Started by :class:`registry.query.pool.QueryPool` as ``python -m registry.query.worker``; it
answers each :class:`~registry.query.pool.Task` with the serialised result or the name of the
error and its message (:func:`answer`). What it guards itself against, besides the time limit the
pool enforces by killing it:

- results too big: rows are measured as they come and the query is refused as soon as it passes
  ``PASSPORTS_RESULT_CAP`` rows or ``PASSPORTS_RESULT_MAX_BYTES`` bytes, so a huge answer is never
  built first; the serialised answer is measured again before it is sent;
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
import time
from pathlib import Path

from registry.core.workers import FreshStore, limit_memory, serve_tasks, vanished, worker_entry
from registry.query import formats as sparql_formats
from registry.query.pool import QueryError, ResultTooLarge, StoreUnavailable, Task
from registry.query.saved import spec_term


def _isolate_network() -> bool:
    """Move this process into a network namespace with no interfaces but a down loopback."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0
    except (OSError, AttributeError):
        return False


def _execute(store, task: Task, cap: int, max_bytes: int):
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
        kwargs["substitutions"] = {Variable(name): spec_term(spec) for name, spec in task.substitutions}
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

    what = "rows" if form == sparql_formats.SOLUTIONS else "triples"
    # Rows are taken one at a time and measured as they come (as N-Triples terms, about what
    # every format writes of them), so a result that grows too big is refused after the row that
    # crossed the cap, never built whole first.
    rows: list = []
    size = 0
    for row in result:
        if len(rows) == cap:
            raise ResultTooLarge(
                f"the result has more than {cap} {what}, the cap of this endpoint (PASSPORTS_RESULT_CAP); "
                f"nothing was sent rather than a cut-off result. Add LIMIT {cap} (and OFFSET to page "
                "through it) or narrow the query")
        if form == sparql_formats.GRAPH:
            size += len(str(row)) + 3
            rows.append(row)
        else:
            line = "\t".join("" if t is None else str(t) for t in row)
            size += len(line) + 1
            rows.append(line)
        if size > max_bytes:
            raise _too_many_bytes(max_bytes, f"after {len(rows)} {what}")

    count = len(rows)
    if form == sparql_formats.GRAPH:
        if fmt.key == "html":
            fmt_out = sparql_formats.BY_KEY["turtle"].rdf_format
        else:
            fmt_out = fmt.rdf_format
        prefixes = dict(task.prefixes) if fmt_out.name in ("TURTLE", "RDF_XML") else None
        body = serialize(rows, format=fmt_out, prefixes=prefixes) if prefixes else serialize(rows, format=fmt_out)
    else:
        # SELECT: the rows already taken are written as TSV (terms in N-Triples syntax, exact) and
        # pyoxigraph's own serializers turn that into the format asked for.
        header = "\t".join(str(v) for v in result.variables)
        tsv = ("\n".join([header, *rows]) + "\n").encode()
        rows.clear()
        out = QueryResultsFormat.JSON if fmt.key == "html" else fmt.results_format
        body = parse_query_results(tsv, format=QueryResultsFormat.TSV).serialize(format=out)
    body = body or b""
    if len(body) > max_bytes:
        raise _too_many_bytes(max_bytes, f"written as {fmt.label}")
    return form, fmt, body, count


def _too_many_bytes(max_bytes: int, where: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result is larger than {max_bytes} bytes ({where}), the byte cap of this endpoint "
        "(PASSPORTS_RESULT_MAX_BYTES); nothing was sent rather than a cut-off result. Ask for fewer "
        "rows (LIMIT), fewer or shorter values (e.g. SUBSTR), or narrow the query")




def worker_main(conn, store_path: str, generation_path: str, cap: int, max_age: float,
                 isolate: bool, max_bytes: int = 16 * 2**20, memory_mib: int = 0, server: dict | None = None) -> None:
    isolated = _isolate_network() if isolate else False
    limit_memory(memory_mib)
    import pyoxigraph

    def open_store():
        if server is not None:  # PASSPORTS_BACKEND=sparql: the queries go to the server
            from registry.store.remote import SparqlStore

            return SparqlStore(**server, read_only=True)
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
            form, fmt, body, count = store.run(lambda opened: _execute(opened, task, cap, max_bytes))
            return ("ok", body, fmt.media_type, form, fmt.key, count, time.perf_counter() - started)
        except MemoryError:
            return ("ResultTooLarge", _out_of_memory(memory_mib))
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


def _out_of_memory(memory_mib: int) -> str:
    return (f"the query needed more than the {memory_mib} MiB of memory a query worker may use "
            "(PASSPORTS_QUERY_MEMORY) and was stopped. Ask for fewer or shorter values (LIMIT, SUBSTR) "
            "or narrow the query")


def _syntax_message(raw: str) -> str:
    import re

    m = re.match(r"error at (\d+):(\d+): (.*)", raw, re.DOTALL)
    if m:
        return (f"SPARQL syntax error at line {m[1]}, column {m[2]}: {m[3]}. Fix the query there; "
                "this endpoint accepts SPARQL 1.1 queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only")
    return f"SPARQL syntax error: {raw}"


if __name__ == "__main__":
    from registry.query.worker import worker_main

    worker_entry(sys.argv[1:], worker_main)
