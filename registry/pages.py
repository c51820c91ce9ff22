"""The HTML pages of the registry (Jinja2 templates in ``site/templates``), Dutch first.

Routes: ``/`` home, ``/search``, ``/municipality/``, ``/material/``, ``/concepts/`` and
``/concepts/{scheme}`` (the R-ladder is ``/concepts/rstrategy``), ``/ontology``, ``/static/...``,
and a last catch-all that answers 404 with a page that helps. The documents behind
``/doc/{kind}/{path}`` are rendered by ``render_resource``, which the linked-data router calls
for HTML. Handlers are plain ``def``: FastAPI runs them in its thread pool, so a slow store read
never blocks the event loop.
"""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from . import page_contexts as pages
from .page_contexts import Page
from .page_data import MAX_PAGE, parse_search
from .page_render import STATIC_DIR, render_page
from .terms import get_terms

router = APIRouter(tags=["pages"])

# Whole-store counts on a page: wait at most this long for the first computation, then show
# "being computed" (and serve the value from the cache once it is there).
STATS_WAIT = 2.0


def _page_number(request: Request) -> int:
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def respond(request: Request, page: Page, headers: dict | None = None) -> Response:
    return render_page(request, page.template, status_code=page.status, headers=headers,
                       **page.context)


async def render_resource(request: Request, kind: str, path: str) -> Response:
    """The HTML document of ``/doc/{kind}/{path}``: passport (current, version ``.../v/N``, 410 when
    retired), municipality, material, object kind, concept (``rstrategy``, ``phase``, ...; an empty
    path gives the scheme), ``def`` (the ontology). Unknown resources get the 404 page.

    A coroutine: the store reads and the rendering run in the thread pool, off the event loop."""
    return await run_in_threadpool(_render_resource, request, kind, path)


def _render_resource(request: Request, kind: str, path: str) -> Response:
    registry = request.app.state.registry
    page = pages.resolve(registry, get_terms(), kind, path, _page_number(request), wait=STATS_WAIT)
    headers = None
    if page.template == "passport.html" and page.context.get("version"):
        headers = {"Cache-Control": "public, max-age=86400"}
    return respond(request, page, headers)


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    return respond(request, pages.home(request.app.state.registry, get_terms(), wait=STATS_WAIT))


@router.get("/municipality/", include_in_schema=False)
def municipality_list(request: Request) -> Response:
    return respond(request, pages.municipalities(request.app.state.registry, get_terms(), wait=STATS_WAIT))


@router.get("/material/", include_in_schema=False)
def material_list(request: Request) -> Response:
    return respond(request, pages.materials(request.app.state.registry, get_terms(), wait=STATS_WAIT))


@router.get("/concepts/", include_in_schema=False)
def concept_list(request: Request) -> Response:
    return respond(request, pages.concepts(get_terms()))


@router.get("/concepts/{scheme}", include_in_schema=False)
def concept_scheme(request: Request, scheme: str) -> Response:
    found = None
    if scheme.isascii() and scheme.isalpha():
        found = pages.scheme(request.app.state.registry, get_terms(), scheme, wait=STATS_WAIT)
    return respond(request, found or pages.not_found(request.url.path))


@router.get("/ontology", include_in_schema=False)
def ontology(request: Request) -> Response:
    return respond(request, pages.ontology(get_terms()))


@router.get("/search", include_in_schema=False)
def search(request: Request, q: str | None = None, municipality: str | None = None,
           kind: str | None = None, material: str | None = None, page: str | None = None) -> Response:
    terms = get_terms()
    form = parse_search(terms, q, municipality, kind, material, page)
    result = pages.search(request.app.state.registry, terms, form)
    if form.errors:
        result.status = 400
    return respond(request, result)


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    root = STATIC_DIR.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=3600"})


@router.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
def not_found(request: Request, path: str) -> Response:
    return respond(request, pages.not_found("/" + path))
