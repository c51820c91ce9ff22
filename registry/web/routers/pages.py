"""The HTML pages of the registry (Jinja2 templates in ``site/templates``), Dutch first.

Routes: ``/`` home, ``/search``, ``/monitor`` and ``/monitor/{GMxxxx}`` (the dashboards), ``/municipality/``, ``/material/``, ``/concepts/`` and
``/concepts/{scheme}`` (the R-ladder is ``/concepts/rstrategy``), ``/ontology``, ``/static/...``,
and a last catch-all that answers 404 with a page that helps. The documents behind
``/doc/{kind}/{path}`` are rendered by ``render_resource``, which the linked-data router calls
for HTML. Every page is made by a renderer of :data:`RENDERERS`, a plain function of the request:
in a page worker process (:mod:`registry.page_pool`) when the server has them, else in the
server's thread pool, so a slow store read never blocks the event loop.
"""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from registry.core.i18n import COOKIE, request_language, translator
from registry.model.terms import get_terms
from registry.views.pages import contexts as pages
from registry.views.pages.cache import settled
from registry.views.pages.contexts import Page
from registry.views.pages.links import Links
from registry.views.pages.paging import MAX_PAGE
from registry.views.pages.render import STATIC_DIR
from registry.views.pages.render import render as render_template
from registry.views.pages.search import csv_lines, parse_search
from registry.web.budget import admitted_and_timed

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


def request_links(request: Request, lang: str) -> Links:
    """The links of a page as the request's URL places it (root path, current path)."""
    terms = get_terms()
    settings = request.app.state.settings
    return Links(settings.base_iri, lang, root=request.scope.get("root_path", ""), tile_url=settings.tile_url,
                 current_path=request.url.path, object_kinds=frozenset(terms.object_kinds))


def render_page(request: Request, template: str, *, status_code: int = 200, headers: dict | None = None,
                **context) -> HTMLResponse:
    """An HTMLResponse of a template in the request's language (sets the language cookie)."""
    lang, set_cookie = request_language(request)
    links = request_links(request, lang)
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    body = render_template(template, lang, links, switch_url=links.switch(translator(lang).other, query),
                  **context)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers["Content-Language"] = lang
    response.headers.setdefault("Vary", "Cookie")
    if set_cookie:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def respond(request: Request, page: Page, headers: dict | None = None) -> Response:
    return render_page(request, page.template, status_code=page.status, headers=headers,
                       **page.context)


# --- renderers: plain functions of the request, run in a page worker or in the server ---------

def _resource(request: Request, kind: str, path: str) -> Response:
    registry = request.app.state.registry
    page = pages.resolve(registry, get_terms(), kind, path, _page_number(request), wait=STATS_WAIT)
    headers = None
    if page.template == "passport.html" and page.context.get("version"):
        headers = {"Cache-Control": "public, max-age=86400"}
    return respond(request, page, headers)


def _home(request: Request) -> Response:
    return respond(request, pages.home(request.app.state.registry, get_terms(), wait=STATS_WAIT))


def _municipality_list(request: Request) -> Response:
    return respond(request, pages.municipalities(request.app.state.registry, get_terms(), wait=STATS_WAIT))


def _material_list(request: Request) -> Response:
    return respond(request, pages.materials(request.app.state.registry, get_terms(), wait=STATS_WAIT))


def _concept_list(request: Request) -> Response:
    return respond(request, pages.concepts(get_terms()))


def _concept_scheme(request: Request, scheme: str) -> Response:
    found = None
    if scheme.isascii() and scheme.isalpha():
        found = pages.scheme(request.app.state.registry, get_terms(), scheme, wait=STATS_WAIT)
    return respond(request, found or pages.not_found(request.url.path))


def _ontology(request: Request) -> Response:
    return respond(request, pages.ontology(get_terms()))


def _search_form(request: Request):
    return parse_search(get_terms(), request.query_params, request_language(request)[0])


def _search(request: Request) -> Response:
    form = _search_form(request)
    result = pages.search(request.app.state.registry, get_terms(), form)
    if form.errors:
        result.status = 400
    return respond(request, result)


def _monitor(request: Request, code: str = "") -> Response:
    code = code or request.query_params.get("municipality", "")  # the form picking a municipality
    return respond(request, pages.monitor(request.app.state.registry, get_terms(), code[:16], wait=STATS_WAIT))


def _not_found(request: Request) -> Response:
    return respond(request, pages.not_found(request.url.path))


RENDERERS = {"resource": _resource, "home": _home, "municipality_list": _municipality_list,
             "material_list": _material_list, "concept_list": _concept_list,
             "concept_scheme": _concept_scheme, "ontology": _ontology, "search": _search,
             "monitor": _monitor, "not_found": _not_found}


async def render(request: Request, name: str, *args) -> Response:
    """The page of renderer ``name``: kept from an earlier request of this generation of the store
    (:mod:`registry.web.page_cache`), else from the page workers when there are, else rendered
    here (in the thread pool, off the event loop)."""
    cache = getattr(request.app.state, "page_cache", None)
    key = cache.key(request, name, args) if cache is not None else None
    if key is not None:
        return await cache.page(request, key, lambda: _rendered(request, name, args))
    return (await _rendered(request, name, args))[0]


async def _rendered(request: Request, name: str, args: tuple) -> tuple[Response, bool]:
    pool = getattr(request.app.state, "page_pool", None)
    if pool is not None:
        rendered = await run_in_threadpool(pool.render, request, name, args)
        if rendered is not None:
            return rendered
    return await run_in_threadpool(settled, lambda: RENDERERS[name](request, *args))


async def render_resource(request: Request, kind: str, path: str) -> Response:
    """The HTML document of ``/doc/{kind}/{path}``: passport (current, version ``.../v/N``, 410 when
    retired), municipality, material, object kind, concept (``rstrategy``, ``phase``, ...; an empty
    path gives the scheme), ``def`` (the ontology). Unknown resources get the 404 page."""
    return await render(request, "resource", kind, path)


# --- routes ---------------------------------------------------------------------------------

def _route(name: str):
    """A route that answers with the page of renderer ``name`` (path parameters passed on)."""
    async def route(request: Request) -> Response:
        return await render(request, name, *request.path_params.values())
    route.__name__ = name
    return route


# path -> renderer; the search page reads its parameters itself (``views.pages.search``)
ROUTES = (("/", "home"), ("/municipality/", "municipality_list"), ("/material/", "material_list"),
          ("/concepts/", "concept_list"), ("/concepts/{scheme}", "concept_scheme"),
          ("/ontology", "ontology"), ("/search", "search"), ("/monitor", "monitor"),
          ("/monitor/{code}", "monitor"))
for _path, _name in ROUTES:
    router.add_api_route(_path, _route(_name), methods=["GET"], include_in_schema=False)


@router.get("/search.csv", include_in_schema=False)
def search_csv(request: Request) -> Response:
    """Every result of a search (the parameters of ``/search``) as CSV, not only one page."""
    form = _search_form(request)
    if form.errors:
        message = "; ".join(translator(form.lang)(e) for e in form.errors)
        return Response(message + "\n", status_code=400, media_type="text/plain; charset=utf-8")
    with admitted_and_timed(request):  # 429 when the client's budget is spent; the bytes count too
        lines = csv_lines(request.app.state.registry, get_terms(), form)
    return StreamingResponse(lines, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="search.csv"'})


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    root = STATIC_DIR.resolve()
    try:  # a name the file system refuses (too long, a NUL) is not found either
        target = (root / path).resolve()
        found = target.is_relative_to(root) and target.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        return Response("not found", status_code=404, media_type="text/plain")
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=3600"})


@router.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def not_found(request: Request) -> Response:
    return await render(request, "not_found")
