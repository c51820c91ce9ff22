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
413 for a query over 1 MiB; 415 for another request media type; 429 with ``Retry-After`` past the
per-client rate limit; 400 for a result over the cap (never a cut-off result, see
:mod:`registry.query_pool`); 503 when the time limit stopped the query. Every answer carries
``Access-Control-Allow-Origin: *`` (reads are public) and errors are plain text that says what to
do.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from registry.query import service_policy, formats as sparql_formats
from registry.core.settings import Settings
from registry.query.pool import QueryError, QueryPool
from registry.web.rate_limit import RateLimiter
from registry.model.vocab import DCTERMS, PREFIXES, RDF

MAX_QUERY_BYTES = 1 << 20  # 1 MiB of query text
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type, Retry-After, X-Result-Count, X-Query-Seconds",
}
READ_ONLY_MESSAGE = (
    "this SPARQL endpoint is read-only: it answers queries (SELECT, ASK, CONSTRUCT, DESCRIBE) and "
    "accepts no SPARQL Update. Write passports through the authenticated write API at /api/v1/ "
    "(see /docs)")
_ALLOW = "GET, POST, OPTIONS"

router = APIRouter()


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status,
                             headers={**CORS_HEADERS, **(headers or {})})


# ---------------------------------------------------------------------------------------------
# Reading the request.

def _values(params: list[tuple[str, str]], key: str) -> list[str]:
    return [v for k, v in params if k == key]


def _single(params: list[tuple[str, str]], key: str) -> str | None:
    found = _values(params, key)
    if len(found) > 1:
        raise ProtocolError(400, f"the request has {len(found)} '{key}' parameters; send exactly one")
    return found[0] if found else None


def _media_type(header: str | None) -> tuple[str, dict[str, str]]:
    if not header:
        return "", {}
    main, *rest = header.split(";")
    params = {}
    for part in rest:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), params


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_QUERY_BYTES:
        raise ProtocolError(413, f"the request body has {declared} bytes; a query may have at most "
                                 f"{MAX_QUERY_BYTES} bytes (1 MiB). Shorten the query")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_QUERY_BYTES:
            raise ProtocolError(413, f"the request body is over {MAX_QUERY_BYTES} bytes (1 MiB), the "
                                     "largest query accepted. Shorten the query")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_no_update(params: list[tuple[str, str]]) -> None:
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise ProtocolError(405, READ_ONLY_MESSAGE, {"Allow": _ALLOW})


async def read_operation(request: Request) -> tuple[str | None, list[tuple[str, str]]]:
    """The query text (None if there is none) and all parameters of a GET or POST request."""
    url_params = list(request.query_params.multi_items())
    if request.method == "GET":
        _check_no_update(url_params)
        return _single(url_params, "query"), url_params

    content_type, ct_params = _media_type(request.headers.get("content-type"))
    if content_type == "application/sparql-update":
        raise ProtocolError(405, READ_ONLY_MESSAGE, {"Allow": _ALLOW})
    if not content_type:
        raise ProtocolError(400, "a POST to /sparql needs a Content-Type: application/x-www-form-urlencoded "
                                 "(query=...) or application/sparql-query (the query as the body)")
    if content_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise ProtocolError(415, f"Content-Type {content_type} is not accepted here; send "
                                 "application/x-www-form-urlencoded (query=...) or application/sparql-query")
    charset = ct_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset={charset} is not accepted: send the query in UTF-8")
    body = await _read_body(request)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the request body is not valid UTF-8 (byte {exc.start}); send the "
                                 "query in UTF-8") from None
    if content_type == "application/sparql-query":
        _check_no_update(url_params)
        if _values(url_params, "query"):
            raise ProtocolError(400, "a query sent as the body (application/sparql-query) cannot also "
                                     "have a 'query' parameter in the URL; send one query")
        return text, url_params
    try:
        form = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(400, f"the form body cannot be decoded as UTF-8 ({exc}); percent-encode "
                                 "the query as UTF-8") from None
    params = url_params + form
    _check_no_update(params)
    query = _single(params, "query")
    if query is None:
        raise ProtocolError(400, "the form has no 'query' field; send query=<your SPARQL query>")
    return query, params


def _graph_iris(params: list[tuple[str, str]], key: str) -> tuple[str, ...]:
    out = []
    for value in _values(params, key):
        try:
            NamedNode(value)
        except ValueError:
            raise ProtocolError(400, f"{key}={value!r} is not an absolute IRI") from None
        out.append(value)
    return tuple(out)


def client_id(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_rate(request: Request) -> None:
    limiter = rate_limiter(request.app)
    wait = limiter.take(client_id(request))
    if wait:
        raise ProtocolError(
            429, f"too many queries from {client_id(request)}: the limit is {limiter.per_minute} a minute "
                 f"(PASSPORTS_RATE_LIMIT). Try again in {limiter.retry_after(wait)} s",
            {"Retry-After": limiter.retry_after(wait)})


def rate_limiter(app) -> RateLimiter:
    limiter = getattr(app.state, "sparql_rate_limiter", None)
    if limiter is None:
        limiter = app.state.sparql_rate_limiter = RateLimiter(app.state.settings.rate_limit_per_minute)
    return limiter


def endpoint_iri(request: Request) -> str:
    return str(request.url.replace(query="", fragment=""))


def wants_html(request: Request, format_name: str | None = None) -> bool:
    try:
        return sparql_formats.choose(sparql_formats.SOLUTIONS, request.headers.get("accept"), format_name,
                                     allow_html=True).key == "html"
    except sparql_formats.FormatError:
        return False


# ---------------------------------------------------------------------------------------------
# Running a query.

async def run_query(request: Request, query: str, params: list[tuple[str, str]], *,
                    allow_html: bool = True, substitutions: tuple = ()):
    """Check and run ``query`` for a request; return the pool's :class:`QueryResult`."""
    settings: Settings = request.app.state.settings
    if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
        raise ProtocolError(413, f"the query is over {MAX_QUERY_BYTES} bytes (1 MiB); shorten it")
    if not query.strip():
        raise ProtocolError(400, "the query is empty; send a SPARQL query")
    format_name = _single(params, "format")
    try:
        sparql_formats.check_format_name(format_name, allow_html=allow_html)
    except sparql_formats.FormatError as exc:
        raise ProtocolError(400, str(exc)) from None
    default_graphs = _graph_iris(params, "default-graph-uri")
    named_graphs = _graph_iris(params, "named-graph-uri")
    try:
        service_policy.check_services(query, settings.service_allowlist)
    except service_policy.ServiceRefused as exc:
        raise ProtocolError(403, str(exc)) from None
    check_rate(request)
    dataset = {}
    if default_graphs or named_graphs:
        dataset = {"default_graphs": default_graphs, "named_graphs": named_graphs}
    pool: QueryPool = request.app.state.query_pool
    try:
        return await pool.arun(
            query, accept=request.headers.get("accept"), format=format_name, allow_html=allow_html,
            union_default_graph=not service_policy.has_dataset_clause(query),
            base_iri=settings.base_iri + "sparql", prefixes=tuple(PREFIXES.items()),
            substitutions=substitutions, **dataset)
    except QueryError as exc:
        raise ProtocolError(exc.status, str(exc)) from None


def result_response(result, extra_headers: dict | None = None) -> Response:
    headers = {**CORS_HEADERS, "Vary": "Accept", "X-Query-Seconds": f"{result.seconds:.3f}"}
    if result.count is not None:
        headers["X-Result-Count"] = str(result.count)
    headers.update(extra_headers or {})
    return Response(result.body, media_type=result.media_type, headers=headers)


async def _answer(request: Request, query: str, params: list[tuple[str, str]]) -> Response:
    from registry.web.routers import queries as query_pages

    try:
        result = await run_query(request, query, params)
    except ProtocolError as exc:
        if wants_html(request, _values(params, "format")[0] if len(_values(params, "format")) == 1 else None):
            return query_pages.editor_page(request, query=query, error=exc.message, status_code=exc.status,
                                           headers=exc.headers)
        return error_response(exc.status, exc.message, exc.headers)
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
    from registry.web.routers import queries as query_pages

    format_name = _single(params, "format")
    try:
        fmt = sparql_formats.choose(sparql_formats.GRAPH, request.headers.get("accept"), format_name,
                                    allow_html=True)
    except sparql_formats.FormatError as exc:
        raise ProtocolError(400, str(exc)) from None
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
    try:
        query, params = await read_operation(request)
        if query is None:
            return await _describe_service(request, params)
        return await _answer(request, query, params)
    except ProtocolError as exc:
        return error_response(exc.status, exc.message, exc.headers)


@router.post("/sparql", summary="SPARQL 1.1 query (POST, form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    try:
        query, params = await read_operation(request)
        return await _answer(request, query, params)
    except ProtocolError as exc:
        return error_response(exc.status, exc.message, exc.headers)


@router.options("/sparql", include_in_schema=False)
async def sparql_options() -> Response:
    return Response(status_code=204, headers={
        **CORS_HEADERS, "Allow": _ALLOW, "Access-Control-Allow-Methods": _ALLOW,
        "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "86400"})


def _include_pages() -> None:
    from registry.web.routers import queries as query_pages

    router.include_router(query_pages.router)


_include_pages()


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
    app.include_router(router)
    if mount_static:
        from fastapi.staticfiles import StaticFiles

        from registry.core.resources import SITE_DIR

        app.mount("/static", StaticFiles(directory=SITE_DIR / "static"), name="static")
    return app
