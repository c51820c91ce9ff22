"""The public SPARQL 1.1 Protocol endpoint at ``/sparql`` (read-only), plus its service description.

What a client can send (https://www.w3.org/TR/sparql11-protocol/):

- ``GET /sparql?query=...``; ``POST`` with ``application/x-www-form-urlencoded`` (``query=``) or
  with ``application/sparql-query`` (the query is the body, UTF-8). ``default-graph-uri`` and
  ``named-graph-uri`` (repeatable) set the dataset; without them the default graph is the union
  of every named graph of the store (each passport is a named graph) and ``GRAPH`` reaches every
  graph, unless the query has FROM / FROM NAMED of its own.
- ``format=`` (json, xml, csv, tsv; turtle, jsonld, nt, rdfxml; or a media type) overrides
  ``Accept``; see :mod:`registry.sparql_formats`.
- ``GET /sparql`` without a query answers the service description (SPARQL Service Description
  vocabulary) in an RDF format, or the query page to a browser.

What it answers besides results: 400 with the parser's message (line and column) for a malformed
query, two ``query`` values or an unknown ``format``; 403 for a SERVICE endpoint off the
allow-list (:mod:`registry.service_policy`); 405 for any SPARQL Update (``update=`` or
``application/sparql-update``: this endpoint is read-only, writes go through ``/api/v1/``);
413 for a query over 1 MiB; 415 for another request media type; 429 with ``Retry-After`` when the
client's budget is spent (:mod:`registry.web.budget`); 400 for a result over the cap in rows or
bytes (never a cut-off result, see :mod:`registry.query.pool`); 503 when the time limit stopped the query. Every answer carries
``Access-Control-Allow-Origin: *`` (reads are public) and errors are plain text that says what to
do.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from registry.core.errors import RegistryError
from registry.core.resources import SITE_DIR
from registry.core.settings import Settings
from registry.model.vocab import DCTERMS, RDF
from registry.query import formats as sparql_formats
from registry.query.pool import QueryPool
from registry.web.budget import ByteMeter
from registry.web.errors import (
    CORS_HEADERS,
    ProtocolError,
    error_response,
    install_error_handler,
    storage_error,
)
from registry.web.routers import queries as query_pages
from registry.web.security import install_security
from registry.web.sparql_requests import (
    ALLOWED_METHODS,
    endpoint_iri,
    read_operation,
    result_response,
    run_query,
    single,
    values_of,
    wants_html,
)

router = APIRouter()


async def _answer(request: Request, query: str, params: list[tuple[str, str]]) -> Response:
    try:
        result = await run_query(request, query, params)
    except ProtocolError as exc:
        formats = values_of(params, "format")
        if wants_html(request, formats[0] if len(formats) == 1 else None):
            return query_pages.editor_page(request, query=query, error=str(exc), status_code=exc.status,
                                           headers=exc.headers)
        raise
    if result.format == "html":
        return query_pages.editor_page(request, query=query, result=result)
    return result_response(result)


# ---------------------------------------------------------------------------------------------
# The service description.

SD = "http://www.w3.org/ns/sparql-service-description#"


def service_description(endpoint: str, settings: Settings) -> list[Triple]:
    def n(iri):
        return NamedNode(iri)

    service = n(endpoint)
    a = n(RDF + "type")
    triples = [
        Triple(service, a, n(SD + "Service")),
        Triple(service, n(SD + "endpoint"), service),
        Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        Triple(service, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
        Triple(service, n(SD + "defaultEntailmentRegime"), n("http://www.w3.org/ns/entailment/Simple")),
        Triple(service, n(DCTERMS + "title"), Literal("SPARQL-endpoint van het materialenpaspoorten-register",
                                                      language="nl")),
        Triple(service, n(DCTERMS + "title"), Literal("SPARQL endpoint of the material passport registry",
                                                      language="en")),
        Triple(service, n(DCTERMS + "description"), Literal(
            f"Alleen lezen. Elke query stopt na {settings.query_timeout:g} s; resultaten met meer dan "
            f"{settings.result_cap} rijen worden geweigerd (gebruik LIMIT); maximaal "
            f"{settings.rate_limit_per_minute} queries per minuut per client.", language="nl")),
        Triple(service, n(DCTERMS + "description"), Literal(
            f"Read-only. Every query stops after {settings.query_timeout:g} s; results over "
            f"{settings.result_cap} rows are refused (use LIMIT); at most {settings.rate_limit_per_minute} "
            "queries a minute per client.", language="en")),
    ]
    if settings.service_allowlist:
        triples.append(Triple(service, n(SD + "feature"), n(SD + "BasicFederatedQuery")))
    for fmt in (*sparql_formats.RESULT_FORMATS, *sparql_formats.GRAPH_FORMATS):
        triples.append(Triple(service, n(SD + "resultFormat"), n(fmt.sd_iri)))
    dataset, graph = BlankNode(), BlankNode()
    triples += [
        Triple(service, n(SD + "defaultDataset"), dataset),
        Triple(dataset, a, n(SD + "Dataset")),
        Triple(dataset, n(SD + "defaultGraph"), graph),
        Triple(graph, a, n(SD + "Graph")),
        Triple(graph, n(DCTERMS + "description"), Literal(
            "The union of all named graphs: every current passport (one named graph each, named by the "
            "passport IRI) and the provenance graph.", language="en")),
    ]
    return triples


async def _describe_service(request: Request, params: list[tuple[str, str]]) -> Response:
    format_name = single(params, "format")
    try:
        fmt = sparql_formats.choose(sparql_formats.GRAPH, request.headers.get("accept"), format_name,
                                    allow_html=True)
    except sparql_formats.FormatError as exc:
        raise ProtocolError(400, exc) from None
    if fmt.key == "html":
        return query_pages.editor_page(request)
    triples = service_description(endpoint_iri(request), request.app.state.settings)
    sd_prefixes = {"sd": SD, "dcterms": DCTERMS, "formats": "http://www.w3.org/ns/formats/"}
    if fmt.key in ("turtle", "rdfxml"):
        body = serialize(triples, format=fmt.rdf_format, prefixes=sd_prefixes)
    else:
        body = serialize(triples, format=fmt.rdf_format)
    return Response(body, media_type=fmt.media_type, headers={**CORS_HEADERS, "Vary": "Accept"})


# ---------------------------------------------------------------------------------------------
# Routes.

@router.get("/sparql", include_in_schema=True, summary="SPARQL 1.1 query (GET), service description")
async def sparql_get(request: Request) -> Response:
    query, params = await read_operation(request)
    if query is None:
        return await _describe_service(request, params)
    return await _answer(request, query, params)


@router.post("/sparql", summary="SPARQL 1.1 query (POST, form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    query, params = await read_operation(request)
    return await _answer(request, query, params)


@router.options("/sparql", include_in_schema=False)
async def sparql_options() -> Response:
    return Response(status_code=204, headers={
        **CORS_HEADERS, "Allow": ALLOWED_METHODS, "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "86400"})


router.include_router(query_pages.router)


class SparqlShortcut:
    """ASGI middleware: ``GET`` and ``POST /sparql`` answered by :func:`sparql_get` and
    :func:`sparql_post` directly, without Starlette's routing (some sixty routes to match),
    FastAPI's dependency solving and response wrapping: about 0.08 ms of CPU per request, a sixth
    of what one passport's graph costs the engine.
    Installed inside :class:`~registry.web.budget.ByteMeter` and the security middleware, so the
    path checks, security headers and byte budget apply as before; errors are answered by the
    app's own handlers (:func:`~registry.web.errors.error_response`). Every other request goes on
    to the app."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != "/sparql" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await (sparql_get(request) if scope["method"] == "GET" else sparql_post(request))
        except RegistryError as exc:
            response = error_response(request, exc)
        except OSError as exc:
            response = await storage_error(request, exc)
        await response(scope, receive, send)


def create_endpoint_app(settings: Settings | None = None, *, mount_static: bool = True) -> FastAPI:
    """An app with only the SPARQL endpoint and the query pages (tests, read-only mirrors)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.query_pool = QueryPool(settings)
        try:
            yield
        finally:
            app.state.query_pool.close()

    app = FastAPI(title="SPARQL endpoint", lifespan=lifespan)
    app.state.settings = settings
    install_error_handler(app)
    app.add_middleware(SparqlShortcut)
    app.add_middleware(ByteMeter)
    install_security(app, settings)
    app.include_router(router)
    if mount_static:
        app.mount("/static", StaticFiles(directory=SITE_DIR / "static"), name="static")
    return app
