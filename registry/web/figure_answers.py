"""``/query/NAME`` of the monitor's indicators (``monitor_answers.FIGURES`` and ``LISTS``, but for
the per-object lists in pages, ``object_lists``), answered from the monitor aggregates rather than
by the saved query in a query worker: the same SPARQL results document (variables in the query's
order, the same rows in its order, the same terms and datatypes: ``row_results.indicator_columns``)
in milliseconds instead of seconds, on every backend (the aggregates are kept on the server one too).

The query's parameters are read as for the saved query (same defaults, same 400 for a bad value:
``SavedQuery.substitutions`` is checked before this is asked). The rows come from one SQLite read
transaction on aggregates that match the store and are clean; when they are not (a write under
way), or a value the aggregates cannot echo exactly was given (``monitor_answers.answer`` returns
None), :func:`answer` returns None and the saved query runs in a worker as before.
"""

from __future__ import annotations

import time

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from registry.query import formats as sparql_formats
from registry.query.row_results import document, indicator_columns
from registry.query.saved import SavedQuery
from registry.store import monitor_answers, monitor_lists
from registry.web.budget import admitted_and_timed
from registry.web.errors import CORS_HEADERS, ProtocolError
from registry.web.object_lists import Page, close_reader, open_clean

ANSWERED = frozenset(monitor_answers.FIGURES + monitor_answers.LISTS) - frozenset(monitor_lists.PAGED)


def _rows(request: Request, name: str, given: dict[str, str]) -> list[dict[str, str]] | None:
    conn = open_clean(request)
    if conn is None:
        return None
    try:
        return monitor_answers.answer(conn, name, given)
    finally:
        close_reader(conn)


async def answer(request: Request, saved: SavedQuery, substitutions: tuple, format_name: str | None
                 ) -> Response | Page | None:
    """The answer to ``/query/NAME`` of an indicator: a response (raw formats), a :class:`Page`
    (all rows, no further page) for the HTML view, or None (ask the saved query instead)."""
    try:
        chosen = sparql_formats.choose(sparql_formats.SOLUTIONS, request.headers.get("accept"), format_name,
                                       allow_html=True)
    except sparql_formats.FormatError as exc:
        raise ProtocolError(400, exc) from None
    given = {key: spec[1] for key, spec in substitutions}
    started = time.perf_counter()
    with admitted_and_timed(request):
        found = await run_in_threadpool(_rows, request, saved.name, given)
    if found is None:
        return None
    seconds = time.perf_counter() - started
    columns = indicator_columns(saved.name)
    if chosen.key == "html":
        return Page(list(columns.names), [{c: columns.term(c, row[c], row) for c in row} for row in found], None, None,
                    len(found), seconds=seconds)
    headers = {**CORS_HEADERS, "Vary": "Accept", "X-Query-Seconds": f"{seconds:.3f}",
               "X-Result-Count": str(len(found))}
    return Response(document(chosen.key, columns, found), media_type=chosen.media_type, headers=headers)


__all__ = ["ANSWERED", "answer"]
