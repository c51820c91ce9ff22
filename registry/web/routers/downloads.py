"""``/downloads``, ``/dumps/{name}``, ``/sitemap.xml`` and ``/sitemaps/sitemap-N.xml``: on the live
server the same downloads page, dumps and sitemap as the static site
(:mod:`registry.static_site.downloads`, :mod:`registry.static_site.sitemap`). The dumps are made in
the background after a write and kept in ``DATA/cache/downloads`` (:class:`LiveDumps`: a request
waits at most ``PASSPORTS_DUMPS_WAIT`` seconds for the new ones, else gets the last ones); the sitemap
is kept in memory for the store generation it was made for. ``/table/{name}.csv``: the full data of a
table of the pages (:mod:`registry.views.pages.tables`), in the request's language."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from registry.core.i18n import request_language
from registry.model.terms import get_terms
from registry.static_site.downloads import LiveDumps, downloads_page
from registry.static_site.sitemap import live_page_paths, sitemap_files
from registry.store.versions import iter_passport_iris
from registry.views.pages.tables import TABLES, table_csv
from registry.web.budget import admitted_and_timed
from registry.web.routers.pages import render_page

router = APIRouter(tags=["downloads"])
_lock = threading.Lock()


def live_dumps(request: Request) -> LiveDumps:
    """The app's :class:`LiveDumps` (made on first use, in ``DATA/cache/downloads``)."""
    state = request.app.state
    with _lock:
        found = getattr(state, "live_dumps", None)
        if found is None or found.registry is not state.registry:
            found = state.live_dumps = LiveDumps(state.registry, state.settings.data_dir / "cache" / "downloads",
                                                 wait=state.settings.dumps_wait)
    return found


@router.get("/downloads", include_in_schema=False)
async def downloads(request: Request) -> Response:
    dumps = live_dumps(request)
    await run_in_threadpool(dumps.files)  # made once per store generation: sizes and checksums
    page = downloads_page(dumps.folder, dumps.built())
    return render_page(request, page.template, **page.context)


@router.get("/dumps/{name}", include_in_schema=False)
async def dump(request: Request, name: str) -> Response:
    with admitted_and_timed(request):  # 429 when the client's budget is spent; the bytes count too
        path = await run_in_threadpool(live_dumps(request).path, name)
    if path is None or not path.exists():
        return Response("not found", status_code=404, media_type="text/plain")
    media_type = "application/json" if name.endswith(".json") else "application/gzip"
    return FileResponse(path, media_type=media_type, filename=name,
                        headers={"Cache-Control": "no-cache"})


def _sitemaps(request: Request) -> dict[str, bytes]:
    dumps = live_dumps(request)
    site_url = str(request.base_url)
    key = (dumps.generation(), site_url)
    cached = getattr(request.app.state, "sitemaps", None)
    if cached is None or cached[0] != key:
        registry = request.app.state.registry
        paths = live_page_paths(registry.base, get_terms(), sorted(iter_passport_iris(registry)))
        cached = request.app.state.sitemaps = (key, dict(sitemap_files(paths, site_url)))
    return cached[1]


@router.get("/sitemap.xml", include_in_schema=False)
async def sitemap_index(request: Request) -> Response:
    files = await run_in_threadpool(_sitemaps, request)
    return Response(files["sitemap.xml"], media_type="application/xml")


@router.get("/sitemaps/{name}", include_in_schema=False)
async def sitemap_part(request: Request, name: str) -> Response:
    files = await run_in_threadpool(_sitemaps, request)
    body = files.get("sitemaps/" + name)
    if body is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(body, media_type="application/xml")


@router.get("/table/{name}.csv", include_in_schema=False)
async def table(request: Request, name: str) -> Response:
    if name not in TABLES:
        return Response("not found", status_code=404, media_type="text/plain")
    lang, _ = request_language(request)
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    with admitted_and_timed(request):  # 429 when the client's budget is spent
        body = await run_in_threadpool(table_csv, request.app.state.registry, get_terms(), name, params, lang)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                             "Content-Language": lang})
