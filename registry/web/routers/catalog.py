"""``/catalog`` (the DCAT-AP catalog: Turtle, JSON-LD, RDF/XML, N-Triples by ``Accept`` or by
suffix, ``/catalog.ttl`` and so on, and an HTML page in Dutch or English) and
``/.well-known/void`` (the VoID description, RDF only; Turtle by default). Both are made from
values kept per store generation: the dumps with their sizes and checksums
(:class:`registry.static_site.downloads.LiveDumps`, made on the first request after a write, as
for ``/dumps/``), the catalog's facts and the VoID counts (:mod:`registry.views.opendata`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from registry.views import negotiation
from registry.views.negotiation import BY_SUFFIX, HTML, TURTLE, DocFormat
from registry.views.opendata.catalog import catalog_triples
from registry.views.opendata.documents import catalog_page, rdf_bytes
from registry.views.opendata.facts import facts
from registry.views.opendata.void import counts, void_triples
from registry.web.routers.downloads import live_dumps
from registry.web.routers.pages import render_page

router = APIRouter(tags=["open data"])
CACHE = {"Cache-Control": "public, no-cache", "Vary": "Accept"}


def _format(request: Request, suffix: str, default: DocFormat) -> DocFormat | None:
    if suffix:
        return BY_SUFFIX.get("." + suffix)
    return negotiation.negotiate(request.headers.get("accept"), default)


def _not_acceptable() -> Response:
    return Response(f"406: this resource is available as {negotiation.available()}", status_code=406,
                    media_type="text/plain")


def _rdf(body: bytes, fmt: DocFormat) -> Response:
    return Response(body, media_type=fmt.content_type, headers=CACHE)


async def _catalog(request: Request, suffix: str) -> Response:
    fmt = _format(request, suffix, HTML)
    if fmt is None:
        return _not_acceptable() if not suffix else Response("not found", 404, media_type="text/plain")
    registry, settings = request.app.state.registry, request.app.state.settings
    files = await run_in_threadpool(live_dumps(request).files)
    found = await run_in_threadpool(facts, registry)
    if fmt is HTML:
        page = catalog_page(settings, registry.base, found, files)
        response = render_page(request, page.template, **page.context)
        response.headers.update({**CACHE, "Vary": "Accept, Cookie"})  # the page's language: ?lang= or cookie
        return response
    triples = catalog_triples(settings, registry.base, found, files)
    return _rdf(rdf_bytes(triples, fmt), fmt)


@router.get("/catalog", include_in_schema=False)
async def catalog(request: Request) -> Response:
    return await _catalog(request, "")


@router.get("/catalog.{suffix}", include_in_schema=False)
async def catalog_document(request: Request, suffix: str) -> Response:
    return await _catalog(request, suffix)


@router.get("/.well-known/void", include_in_schema=False)
async def void(request: Request) -> Response:
    fmt = _format(request, "", TURTLE)
    if fmt is HTML:
        fmt = TURTLE
    if fmt is None:
        return _not_acceptable()
    registry = request.app.state.registry
    files = await run_in_threadpool(live_dumps(request).files)
    found = await run_in_threadpool(counts, registry)
    dumps = {f.municipality or "region": registry.base + f.path for f in files
             if f.municipality or f.kind == "registry"}
    return _rdf(rdf_bytes(void_triples(registry.base, found, dumps), fmt), fmt)
