"""``/feed/passports`` and ``/feed/passports/{page}``: the change feed (``registry.views.feed``,
docs/feed.md) in Turtle, TriG, N-Triples, N-Quads or JSON-LD by ``Accept``.

A full page never changes: ``Cache-Control: public, max-age=31536000, immutable`` and an ETag; the
open last page and the root may change, for ``PASSPORTS_FEED_OPEN_MAX_AGE`` seconds. Every request
counts against the client's budgets of the anonymous endpoints (``registry.web.budget``).
"""

from __future__ import annotations

import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from registry.views.feed import FORMATS, Feed, FeedDocument, negotiate, root_document
from registry.web.budget import admitted
from registry.web.errors import CORS_HEADERS

router = APIRouter(tags=["feed"])
_lock = threading.Lock()
IMMUTABLE = "public, max-age=31536000, immutable"


def _feed(request: Request) -> Feed:
    state = request.app.state
    with _lock:
        found = getattr(state, "feed", None)
        if found is None or found.registry is not state.registry:
            found = state.feed = Feed(state.registry, state.settings.feed_page_size)
    return found


def _plain(status: int, en: str, nl: str, request: Request) -> Response:
    dutch = request.query_params.get("lang") == "nl" or request.headers.get("accept-language", "").startswith("nl")
    return Response((nl if dutch else en) + "\n", status_code=status, media_type="text/plain; charset=utf-8",
                    headers={"Vary": "Accept", **CORS_HEADERS})


def _answer(request: Request, document: FeedDocument) -> Response:
    max_age = request.app.state.settings.feed_open_max_age
    headers = {"Vary": "Accept", "ETag": document.etag,
               "Cache-Control": IMMUTABLE if document.immutable else f"public, max-age={max_age}",
               **CORS_HEADERS}
    if request.headers.get("if-none-match") in (document.etag, "*"):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type=f"{document.media_type}; charset=utf-8", headers=headers)


def _media_type(request: Request) -> str | None:
    return negotiate(request.headers.get("accept"))


def _not_acceptable(request: Request) -> Response:
    offered = ", ".join(sorted(set(FORMATS)))
    return _plain(406, f"the feed is available as {offered}", f"de feed is beschikbaar als {offered}", request)


@router.get("/feed/passports", include_in_schema=False)
async def stream(request: Request) -> Response:
    media_type = _media_type(request)
    if media_type is None:
        return _not_acceptable(request)
    with admitted(request):
        epoch = await run_in_threadpool(_feed(request).reader.epoch)
        return _answer(request, root_document(request.app.state.registry.base, media_type, epoch))


@router.get("/feed/passports/{page}", include_in_schema=False)
async def page(request: Request, page: str) -> Response:
    media_type = _media_type(request)
    if media_type is None:
        return _not_acceptable(request)
    number = int(page) if page.isdigit() and len(page) < 10 else 0
    with admitted(request) as ticket:
        started = time.perf_counter()
        document = await run_in_threadpool(_feed(request).page, number, media_type) if number >= 1 else None
        ticket.work(time.perf_counter() - started)
    if document is None:
        return _plain(404, f"no page {page} in the feed (yet)", f"geen pagina {page} in de feed (nog niet)",
                      request)
    return _answer(request, document)
