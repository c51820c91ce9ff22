"""Running one public query on a store handle and writing its answer: the part a query worker
(:mod:`registry.query.worker`) and the server's inline runner (:mod:`registry.query.inline`) share.

:func:`answer` returns what goes back to :class:`~registry.query.pool.QueryPool`: ``("ok", body,
media type, form, format key, count, seconds)`` or the name of the error and its message. The
answer is written by pyoxigraph's serialisers into a capped buffer (:mod:`registry.query.results`).
"""

from __future__ import annotations

import time

from registry.core.workers import FreshStore, vanished
from registry.query import formats as sparql_formats
from registry.query import results
from registry.query.saved import spec_term
from registry.query.tasks import QueryError, ResultTooLarge, StoreUnavailable, Task


def read_only_opener(store_path: str):
    """A function that opens the store at ``store_path`` read-only (for :class:`FreshStore`), on a
    snapshot of its files (``registry.store.snapshots``)."""
    from registry.store.snapshots import open_read_only

    def open_store():
        try:
            return open_read_only(store_path)
        except OSError as exc:
            if vanished(exc):  # tried again by FreshStore
                raise
            raise StoreUnavailable(f"the store at {store_path} cannot be opened: {exc}") from None

    return open_store


def answer(store: FreshStore, task: Task, cap: int, max_bytes: int, memory_mib: int = 0) -> tuple:
    """The reply to ``task``, run on ``store`` (reopened first when the store has changed)."""
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


def _execute(store, task: Task, cap: int, max_bytes: int):
    from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Variable

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

    # pyoxigraph's serialisers write the answer straight into a capped buffer: the rows are
    # counted in what they wrote, and the answer is refused at the first cap it passes.
    if form == sparql_formats.GRAPH:
        out = RdfFormat.TURTLE if fmt.key == "html" else fmt.rdf_format
    else:
        out = QueryResultsFormat.JSON if fmt.key == "html" else fmt.results_format
    what = "rows" if form == sparql_formats.SOLUTIONS else "triples"
    # Raised outside the except clause, and with the result dropped first: a refusal must not keep
    # the frame (and the result in it) in a reference cycle, which the server's inline runner would
    # then free on another thread than the one that made the result (pyoxigraph forbids that).
    refused = None
    try:
        body, count = results.write(result, out, cap, max_bytes)
    except results.TooLarge as exc:
        refused = (exc.what, exc.rows)
    del result
    if refused is not None:
        if refused[0] == "bytes":
            raise _too_many_bytes(max_bytes, f"after {refused[1]} {what} written as {fmt.label}")
        raise ResultTooLarge(
            f"the result has more than {cap} {what}, the cap of this endpoint (PASSPORTS_RESULT_CAP); "
            f"nothing was sent rather than a cut-off result. Add LIMIT {cap} (and OFFSET to page "
            "through it) or narrow the query")
    if form == sparql_formats.GRAPH and fmt.key == "html":  # shown to a person: with prefixes
        from pyoxigraph import parse, serialize

        body = serialize(parse(body, format=out), format=out, prefixes=dict(task.prefixes))
    return form, fmt, body, count


def _too_many_bytes(max_bytes: int, where: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result is larger than {max_bytes} bytes ({where}), the byte cap of this endpoint "
        "(PASSPORTS_RESULT_MAX_BYTES); nothing was sent rather than a cut-off result. Ask for fewer "
        "rows (LIMIT), fewer or shorter values (e.g. SUBSTR), or narrow the query")


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
