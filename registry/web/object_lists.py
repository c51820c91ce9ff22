"""``/query/NAME`` of the monitor's per-object lists (``monitor_lists.PAGED``), answered from the
monitor aggregates rather than by the saved query in a worker (a million objects would pass the
endpoint's time and row caps).

- ``?limit=N`` (1..10,000) and/or ``?after=POSITION``: one page of rows, in the list's order, in
  the format asked (JSON, XML, CSV, TSV); the position of the next page is in the ``Link`` header
  (``rel="next"``) and, in JSON, in a ``next`` member. The HTML page always shows one page
  (``limit`` default 100) with a link to the next.
- Neither, in a raw format: the whole list streamed row by row from one SQLite read transaction
  (the header is sent at once, memory stays flat); the same document as the pages together.

A bad limit or position is a 400 in the client's language (``monitor_lists.PositionError``). When
the aggregates are not up to date (a write under way), a page is a 503 with ``Retry-After`` and a
whole list falls back to the saved query in a worker (:func:`answer` returns None).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from registry.core.phrases import Wording
from registry.query import formats as sparql_formats
from registry.query.row_results import Columns, chunks, document, indicator_columns
from registry.query.saved import SavedQuery
from registry.store import monitor_answers, monitor_lists
from registry.web.budget import admitted, admitted_and_timed
from registry.web.errors import CORS_HEADERS, ProtocolError

WORDS = Wording({
    "busy": ("the figures are being brought up to date after a write; try again in a moment",
             "de cijfers worden na een wijziging bijgewerkt; probeer het zo opnieuw"),
})


@dataclass
class Page:
    """One page for the HTML view: its rows (as SPARQL JSON terms), and the links around it."""

    columns: list[str]
    rows: list[dict[str, dict]]
    next_href: str | None
    first_href: str | None
    limit: int
    seconds: float | None = None  # a whole result (an indicator), read in this time


def columns_of(name: str) -> Columns:
    return indicator_columns(name)


def open_clean(request: Request) -> sqlite3.Connection | None:
    """A connection in a read transaction on aggregates that match the store (None: they do not)."""
    settings = request.app.state.settings
    # in a read transaction begun before the aggregates were found clean (``sidecar.open_fresh``):
    # every statement of the answer reads that state
    return monitor_answers.readable(settings.data_dir, settings.base_iri)


def close_reader(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def _scope(saved: SavedQuery, substitutions: tuple) -> tuple[str | None, int, bool]:
    given = {name: spec[1] for name, spec in substitutions}
    year = given.get("year")
    municipality = given.get("municipality") if "municipality" in {p.name for p in saved.parameters} else None
    return municipality, int(year) if year is not None else monitor_answers.today().year, year is not None


def _href(request: Request, **changes: str | None) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    return f"{request.url.path}?{urlencode(params)}" if params else request.url.path


async def answer(request: Request, saved: SavedQuery, substitutions: tuple, format_name: str | None
                 ) -> Response | Page | None:
    """The answer to ``/query/NAME`` of a per-object list: a response (raw formats), a
    :class:`Page` for the HTML view, or None (ask the saved query instead)."""
    name = saved.name
    limit_text, after_text = request.query_params.get("limit"), request.query_params.get("after")
    paged = limit_text is not None or after_text is not None
    limit = monitor_lists.parse_limit(limit_text)
    after = monitor_lists.decode_position(name, after_text) if after_text else None
    try:
        chosen = sparql_formats.choose(sparql_formats.SOLUTIONS, request.headers.get("accept"), format_name,
                                       allow_html=True)
    except sparql_formats.FormatError as exc:
        raise ProtocolError(400, exc) from None
    municipality, year, echo_year = _scope(saved, substitutions)
    if chosen.key != "html" and not paged:
        return await _stream(request, name, chosen, municipality, year, echo_year)
    with admitted_and_timed(request):
        conn = await run_in_threadpool(open_clean, request)
        if conn is None:
            if chosen.key == "html" and not paged:
                return None
            raise ProtocolError(503, WORDS.both("busy"), headers={"Retry-After": "1"})
        try:
            found, position = await run_in_threadpool(
                monitor_lists.page, conn, name, municipality, year=year, limit=limit, after=after,
                echo_year=echo_year)
        finally:
            close_reader(conn)
    next_href = _href(request, after=position, limit=str(limit)) if position else None
    columns = columns_of(name)
    if chosen.key == "html":
        return Page(list(columns.names), [{c: columns.term(c, row[c], row) for c in row} for row in found], next_href,
                    _href(request, after=None) if after is not None else None, limit)
    body = document(chosen.key, columns, found)
    if chosen.key == "json" and next_href:
        body = body[:-1] + b',"next":' + json.dumps(str(request.base_url).rstrip("/") + next_href).encode() + b"}"
    headers = {**CORS_HEADERS, "Vary": "Accept", "X-Result-Count": str(len(found))}
    if next_href:  # readable by a script of another origin too
        headers["Link"] = f'<{next_href}>; rel="next"'
        headers["Access-Control-Expose-Headers"] = CORS_HEADERS["Access-Control-Expose-Headers"] + ", Link"
    return Response(body, media_type=chosen.media_type, headers=headers)


async def _stream(request: Request, name: str, chosen, municipality: str | None, year: int,
                  echo_year: bool) -> Response | None:
    with admitted(request):  # 429 when the client's budget is spent
        conn = await run_in_threadpool(open_clean, request)
    if conn is None:
        return None

    def body() -> Iterator[bytes]:  # iterated on the thread pool; the connection allows that
        try:
            yield from chunks(chosen.key, columns_of(name),
                              monitor_lists.rows(conn, name, municipality, year=year, echo_year=echo_year))
        finally:
            close_reader(conn)

    return StreamingResponse(body(), media_type=chosen.media_type, headers={**CORS_HEADERS, "Vary": "Accept"})


__all__ = ["Page", "answer", "close_reader", "columns_of", "open_clean"]
