"""Reading and running a SPARQL Protocol request: the operation, the dataset, the checks (size,
SERVICE allow-list, the client's budget) and the query pool; shared by ``/sparql`` and the saved
queries."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import NamedNode

from registry.core.settings import Settings
from registry.core.workers import PoolBusy
from registry.model.vocab import PREFIXES
from registry.query import formats as sparql_formats
from registry.query import service_policy
from registry.query.pool import QueryError, QueryPool
from registry.web.body import BodyTooLarge, read_body
from registry.web.budget import admitted
from registry.web.errors import CORS_HEADERS, ProtocolError

MAX_QUERY_BYTES = 1 << 20  # 1 MiB of query text
ALLOWED_METHODS = "GET, POST, OPTIONS"
READ_ONLY_MESSAGE = (
    "this SPARQL endpoint is read-only: it answers queries (SELECT, ASK, CONSTRUCT, DESCRIBE) and "
    "accepts no SPARQL Update. Write passports through the authenticated write API at /api/v1/ "
    "(see /docs)")
_TOO_LARGE = BodyTooLarge(
    f"the request body is over {MAX_QUERY_BYTES} bytes (1 MiB), the largest query accepted. Shorten the query",
    message_nl=f"de request body is groter dan {MAX_QUERY_BYTES} bytes (1 MiB), de grootste query die wordt "
               "aangenomen. Maak de query korter", headers=CORS_HEADERS)


# ---------------------------------------------------------------------------------------------
# Reading the request.

def values_of(params: list[tuple[str, str]], key: str) -> list[str]:
    return [v for k, v in params if k == key]


def single(params: list[tuple[str, str]], key: str) -> str | None:
    found = values_of(params, key)
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


def _check_no_update(params: list[tuple[str, str]]) -> None:
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise ProtocolError(405, READ_ONLY_MESSAGE, {"Allow": ALLOWED_METHODS})


async def read_operation(request: Request) -> tuple[str | None, list[tuple[str, str]]]:
    """The query text (None if there is none) and all parameters of a GET or POST request."""
    url_params = list(request.query_params.multi_items())
    if request.method == "GET":
        _check_no_update(url_params)
        return single(url_params, "query"), url_params

    content_type, ct_params = _media_type(request.headers.get("content-type"))
    if content_type == "application/sparql-update":
        raise ProtocolError(405, READ_ONLY_MESSAGE, {"Allow": ALLOWED_METHODS})
    if not content_type:
        raise ProtocolError(400, "a POST to /sparql needs a Content-Type: application/x-www-form-urlencoded "
                                 "(query=...) or application/sparql-query (the query as the body)")
    if content_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise ProtocolError(415, f"Content-Type {content_type} is not accepted here; send "
                                 "application/x-www-form-urlencoded (query=...) or application/sparql-query")
    charset = ct_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset={charset} is not accepted: send the query in UTF-8")
    body = await read_body(request, MAX_QUERY_BYTES, _TOO_LARGE)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the request body is not valid UTF-8 (byte {exc.start}); send the "
                                 "query in UTF-8") from None
    if content_type == "application/sparql-query":
        _check_no_update(url_params)
        if values_of(url_params, "query"):
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
    query = single(params, "query")
    if query is None:
        raise ProtocolError(400, "the form has no 'query' field; send query=<your SPARQL query>")
    return query, params


def _graph_iris(params: list[tuple[str, str]], key: str) -> tuple[str, ...]:
    out = []
    for value in values_of(params, key):
        try:
            NamedNode(value)
        except ValueError:
            raise ProtocolError(400, f"{key}={value!r} is not an absolute IRI") from None
        out.append(value)
    return tuple(out)


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
    format_name = single(params, "format")
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
    dataset = {}
    if default_graphs or named_graphs:
        dataset = {"default_graphs": default_graphs, "named_graphs": named_graphs}
    pool: QueryPool = request.app.state.query_pool
    with admitted(request) as ticket:  # 429 when the client's budget is spent
        try:
            result = await pool.arun(
                query, accept=request.headers.get("accept"), format=format_name, allow_html=allow_html,
                union_default_graph=not service_policy.has_dataset_clause(query),
                base_iri=settings.base_iri + "sparql", prefixes=tuple(PREFIXES.items()),
                substitutions=substitutions, fast_lane=ticket.alone, **dataset)
        except (QueryError, PoolBusy) as exc:
            ticket.work(getattr(exc, "work_seconds", 0.0))
            raise ProtocolError(exc.status, str(exc)) from None
        ticket.work(result.work_seconds)
        return result


def result_response(result, extra_headers: dict | None = None) -> Response:
    headers = {**CORS_HEADERS, "Vary": "Accept", "X-Query-Seconds": f"{result.seconds:.3f}"}
    if result.count is not None:
        headers["X-Result-Count"] = str(result.count)
    headers.update(extra_headers or {})
    return Response(result.body, media_type=result.media_type, headers=headers)
