"""Reading and running a SPARQL Protocol request: the operation, the dataset, the checks (size,
SERVICE allow-list, the client's budget) and the query pool; shared by ``/sparql`` and the saved
queries."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import NamedNode

from registry.core.phrases import Wording
from registry.core.settings import Settings
from registry.core.workers import PoolBusy
from registry.model.vocab import PREFIXES
from registry.query import formats as sparql_formats
from registry.query import service_policy
from registry.query.pool import QueryError, QueryPool
from registry.web.body import BodyTooLarge, read_body
from registry.web.budget import admitted
from registry.web.errors import CORS_HEADERS, ProtocolError
from registry.web.kept_graphs import kept_answer

MAX_QUERY_BYTES = 1 << 20  # 1 MiB of query text
ALLOWED_METHODS = "GET, POST, OPTIONS"
WORDS = Wording({
    "read_only": (("this SPARQL endpoint is read-only: it answers queries (SELECT, ASK, CONSTRUCT, DESCRIBE) and "
                  "accepts no SPARQL Update. Write passports through the authenticated write API at /api/v1/ "
                  "(see /docs)"),
                  ("dit SPARQL-endpoint is alleen-lezen: het beantwoordt zoekvragen (SELECT, ASK, CONSTRUCT, "
                  "DESCRIBE) en neemt geen SPARQL Update aan. Schrijf paspoorten via de schrijf-API met token op "
                  "/api/v1/ (zie /docs)")),
    "twice": ("the request has {n} '{key}' parameters; send exactly one",
              "het verzoek heeft {n} '{key}'-parameters; stuur er precies een"),
    "no_type": (("a POST to /sparql needs a Content-Type: application/x-www-form-urlencoded (query=...) or "
                "application/sparql-query (the query as the body)"),
                ("een POST naar /sparql heeft een Content-Type nodig: application/x-www-form-urlencoded "
                "(query=...) of application/sparql-query (de zoekvraag als inhoud)")),
    "type": (("Content-Type {type} is not accepted here; send application/x-www-form-urlencoded (query=...) or "
             "application/sparql-query"),
             ("Content-Type {type} wordt hier niet aangenomen; stuur application/x-www-form-urlencoded (query=...) "
             "of application/sparql-query")),
    "charset": ("charset={charset} is not accepted: send the query in UTF-8",
                "charset={charset} wordt niet aangenomen: stuur de zoekvraag in UTF-8"),
    "utf8": ("the request body is not valid UTF-8 (byte {at}); send the query in UTF-8",
             "de inhoud van het verzoek is geen geldige UTF-8 (byte {at}); stuur de zoekvraag in UTF-8"),
    "both": (("a query sent as the body (application/sparql-query) cannot also have a 'query' parameter in the "
             "URL; send one query"),
             ("een zoekvraag als inhoud (application/sparql-query) kan niet ook een 'query'-parameter in de URL "
             "hebben; stuur één zoekvraag")),
    "form": ("the form body cannot be decoded as UTF-8 ({problem}); percent-encode the query as UTF-8",
             "het formulier is geen UTF-8 ({problem}); codeer de zoekvraag met procenttekens als UTF-8"),
    "no_query": ("the form has no 'query' field; send query=<your SPARQL query>",
                 "het formulier heeft geen veld 'query'; stuur query=<uw SPARQL-zoekvraag>"),
    "iri": ("{key}={value!r} is not an absolute IRI", "{key}={value!r} is geen absoluut IRI"),
    "long": ("the query is over {limit} bytes (1 MiB); shorten it",
             "de zoekvraag is groter dan {limit} bytes (1 MiB); maak hem korter"),
    "empty": ("the query is empty; send a SPARQL query", "de zoekvraag is leeg; stuur een SPARQL-zoekvraag"),
})
READ_ONLY_MESSAGE = WORDS.both("read_only")
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
        raise ProtocolError(400, WORDS.both("twice", n=len(found), key=key))
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
        raise ProtocolError(400, WORDS.both("no_type"))
    if content_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise ProtocolError(415, WORDS.both("type", type=content_type))
    charset = ct_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, WORDS.both("charset", charset=charset))
    body = await read_body(request, MAX_QUERY_BYTES, _TOO_LARGE)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, WORDS.both("utf8", at=exc.start)) from None
    if content_type == "application/sparql-query":
        _check_no_update(url_params)
        if values_of(url_params, "query"):
            raise ProtocolError(400, WORDS.both("both"))
        return text, url_params
    try:
        form = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(400, WORDS.both("form", problem=exc)) from None
    params = url_params + form
    _check_no_update(params)
    query = single(params, "query")
    if query is None:
        raise ProtocolError(400, WORDS.both("no_query"))
    return query, params


def _graph_iris(params: list[tuple[str, str]], key: str) -> tuple[str, ...]:
    out = []
    for value in values_of(params, key):
        try:
            NamedNode(value)
        except ValueError:
            raise ProtocolError(400, WORDS.both("iri", key=key, value=value)) from None
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
        raise ProtocolError(413, WORDS.both("long", limit=MAX_QUERY_BYTES))
    if not query.strip():
        raise ProtocolError(400, WORDS.both("empty"))
    format_name = single(params, "format")
    try:
        sparql_formats.check_format_name(format_name, allow_html=allow_html)
    except sparql_formats.FormatError as exc:
        raise ProtocolError(400, exc) from None
    kept = None if substitutions else kept_answer(request, query, params, format_name, allow_html=allow_html)
    if kept is not None:  # one passport's graph, kept: no work to charge, but the request counts
        with admitted(request):  # 429 when the client's budget is spent
            return kept
    default_graphs = _graph_iris(params, "default-graph-uri")
    named_graphs = _graph_iris(params, "named-graph-uri")
    try:
        own_dataset = service_policy.inspect(query, settings.service_allowlist,
                                             {name: spec[1] for name, spec in substitutions if spec[0] == "iri"})
    except service_policy.ServiceRefused as exc:
        raise ProtocolError(403, exc) from None
    dataset = {}
    if default_graphs or named_graphs:
        dataset = {"default_graphs": default_graphs, "named_graphs": named_graphs}
    pool: QueryPool = request.app.state.query_pool
    with admitted(request) as ticket:  # 429 when the client's budget is spent
        try:
            result = await pool.arun(
                query, accept=request.headers.get("accept"), format=format_name, allow_html=allow_html,
                union_default_graph=not own_dataset,
                base_iri=settings.base_iri + "sparql", prefixes=tuple(PREFIXES.items()),
                substitutions=substitutions, fast_lane=ticket.alone, **dataset)
        except (QueryError, PoolBusy) as exc:
            ticket.work(getattr(exc, "work_seconds", 0.0))
            raise ProtocolError(exc.status, exc) from None
        ticket.work(result.work_seconds)
        return result


def result_response(result, extra_headers: dict | None = None) -> Response:
    headers = {**CORS_HEADERS, "Vary": "Accept", "X-Query-Seconds": f"{result.seconds:.3f}"}
    if result.count is not None:
        headers["X-Result-Count"] = str(result.count)
    headers.update(extra_headers or {})
    return Response(result.body, media_type=result.media_type, headers=headers)
