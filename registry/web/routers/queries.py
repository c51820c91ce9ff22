"""The HTML side of the SPARQL endpoint: the query editor and the pages of the saved queries.

- ``GET /sparql`` from a browser (no query): the query editor (YASGUI, shipped under
  ``site/static/vendor/yasgui``, no CDN) with every saved query of ``sparql/`` as a tab, and a
  plain HTML form that works without JavaScript.
- ``GET /sparql?query=...`` from a browser: the same page with the query and its result as a table.
- ``GET /query/``: the list of saved queries; ``GET /query/{name}``: one saved query (title,
  description, SPARQL text, a form for its parameters), run, with its result as a table and links
  to the same result as JSON, CSV, TSV and XML (``?format=json`` etc. answers the raw result).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from registry.core.i18n import request_language
from registry.query import saved as saved_queries
from registry.store import monitor_lists
from registry.views.headers import editor_policy
from registry.views.pages.links import web_iri
from registry.web import figure_answers, object_lists
from registry.web.errors import CORS_HEADERS, ProtocolError
from registry.web.routers.pages import render_page, request_links
from registry.web.sparql_requests import endpoint_iri, result_response, run_query

router = APIRouter()

UI = {
    "nl": {
        "editor_title": "SPARQL-query's",
        "editor_intro": "Stel vragen aan alle paspoorten van het register met SPARQL 1.1. Het endpoint is "
                        "openbaar en alleen-lezen; de standaardgraaf is de vereniging van alle paspoorten.",
        "endpoint": "Endpoint",
        "limits": "Grenzen: een query stopt na {timeout} s; een resultaat van meer dan {cap} rijen wordt "
                  "geweigerd (voeg LIMIT toe); maximaal {rate} query's per minuut.",
        "saved": "Opgeslagen query's",
        "saved_intro": "Vaste vragen die iedereen kan uitvoeren; elke query heeft een eigen adres.",
        "query": "Query",
        "format": "Formaat",
        "html_table": "HTML-tabel",
        "run": "Uitvoeren",
        "result": "Resultaat",
        "rows": "{n} rijen in {seconds} s",
        "triples": "{n} triples in {seconds} s",
        "boolean": "Antwoord: {value}",
        "error": "Fout",
        "download": "Hetzelfde resultaat als",
        "parameters": "Parameters",
        "parameter_optional": "optioneel",
        "parameters_missing": "Vul {names} in om deze query uit te voeren.",
        "sparql_text": "SPARQL",
        "open_editor": "Openen in de query-editor",
        "name": "Naam",
        "title": "Titel",
        "description": "Beschrijving",
        "no_rows": "Geen rijen.",
        "not_found": "Er is geen opgeslagen query met de naam '{name}'. Kies er een uit de lijst.",
        "service_description": "Servicebeschrijving (Turtle)",
        "noscript": "Zonder JavaScript: typ een query in het formulier hieronder.",
        "page_rows": "{n} rijen op deze pagina",
        "next_page": "Volgende {n} rijen",
        "first_page": "Eerste pagina",
    },
    "en": {
        "editor_title": "SPARQL queries",
        "editor_intro": "Ask questions of every passport in the registry with SPARQL 1.1. The endpoint is "
                        "public and read-only; the default graph is the union of all passports.",
        "endpoint": "Endpoint",
        "limits": "Limits: a query stops after {timeout} s; a result of more than {cap} rows is refused "
                  "(add LIMIT); at most {rate} queries a minute.",
        "saved": "Saved queries",
        "saved_intro": "Fixed questions anyone can run; each query has its own address.",
        "query": "Query",
        "format": "Format",
        "html_table": "HTML table",
        "run": "Run",
        "result": "Result",
        "rows": "{n} rows in {seconds} s",
        "triples": "{n} triples in {seconds} s",
        "boolean": "Answer: {value}",
        "error": "Error",
        "download": "The same result as",
        "parameters": "Parameters",
        "parameter_optional": "optional",
        "parameters_missing": "Fill in {names} to run this query.",
        "sparql_text": "SPARQL",
        "open_editor": "Open in the query editor",
        "name": "Name",
        "title": "Title",
        "description": "Description",
        "no_rows": "No rows.",
        "not_found": "There is no saved query named '{name}'. Pick one from the list.",
        "service_description": "Service description (Turtle)",
        "noscript": "Without JavaScript: type a query in the form below.",
        "page_rows": "{n} rows on this page",
        "next_page": "Next {n} rows",
        "first_page": "First page",
    },
}

RAW_FORMATS = ("json", "csv", "tsv", "xml")


def _render(request: Request, template: str, *, status_code: int = 200, headers: dict | None = None,
            **context) -> Response:

    lang, _ = request_language(request)
    settings = request.app.state.settings
    limits = UI[lang]["limits"].format(timeout=f"{settings.query_timeout:g}", cap=settings.result_cap,
                                       rate=settings.rate_limit_per_minute)
    for key in ("notice", "error", "result", "query_text", "pager"):
        context.setdefault(key, None)
    context.setdefault("format_links", [])
    response = render_page(request, template, status_code=status_code,
                           headers={**CORS_HEADERS, **(headers or {})}, active="sparql", ui=UI[lang],
                           limits=limits, **context)
    return response


def _cell(term: dict | None, base: str, links) -> dict:
    cell = {"text": "", "href": None, "note": None, "lang": None}
    if term is None:
        return cell
    kind = term.get("type")
    value = term.get("value", "")
    if kind == "uri":  # a link only to an http(s) IRI: javascript:, data: and the like stay text
        href = value if web_iri(value) else None
        if links is not None and value.startswith((base, "https://w3id.org/materiaalpaspoort/")):
            href = links.doc(value) or None
        return {**cell, "text": value, "href": href}
    if kind == "bnode":
        return {**cell, "text": "_:" + value}
    if kind == "triple":
        inner = term.get("value", {})
        return {**cell, "text": "<< " + " ".join(_cell(inner.get(k), base, None)["text"]
                                                 for k in ("subject", "predicate", "object")) + " >>"}
    note = term.get("xml:lang") or ""
    datatype = term.get("datatype", "")
    if datatype and not note:
        note = datatype.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return {**cell, "text": value, "note": note or None, "lang": term.get("xml:lang")}


def result_view(request: Request, result) -> dict:
    """What the templates show of a :class:`registry.query_pool.QueryResult`."""

    lang, _ = request_language(request)
    ui = UI[lang]
    seconds = f"{result.seconds:.2f}"
    if result.form == "graph":
        return {"kind": "graph", "text": result.body.decode("utf-8"),
                "summary": ui["triples"].format(n=result.count, seconds=seconds)}
    data = json.loads(result.body)
    if "boolean" in data:
        return {"kind": "boolean", "value": data["boolean"],
                "summary": ui["boolean"].format(value="ja / true" if data["boolean"] else "nee / false")}
    links = request_links(request, lang)
    base = request.app.state.settings.base_iri
    variables = data["head"]["vars"]
    rows = [[_cell(binding.get(v), base, links) for v in variables] for binding in data["results"]["bindings"]]
    return {"kind": "table", "variables": variables, "rows": rows,
            "summary": ui["rows"].format(n=len(rows), seconds=seconds)}


def _page_view(request: Request, page: object_lists.Page) -> dict:
    """What the templates show of a page of a per-object list (as :func:`result_view`)."""
    lang, _ = request_language(request)
    links = request_links(request, lang)
    base = request.app.state.settings.base_iri
    rows = [[_cell(row.get(v), base, links) for v in page.columns] for row in page.rows]
    summary = (UI[lang]["page_rows"].format(n=len(rows)) if page.seconds is None
               else UI[lang]["rows"].format(n=len(rows), seconds=f"{page.seconds:.2f}"))
    return {"kind": "table", "variables": page.columns, "rows": rows, "summary": summary}


def _tab_queries() -> list[dict]:
    out = []
    for query in saved_queries.all_queries().values():
        out.append({"name": query.name, "title_nl": query.title("nl"), "title_en": query.title("en"),
                    "query": query.body,
                    "tab": not query.name.startswith("page-") and all(p.optional for p in query.parameters)})
    return out


def editor_page(request: Request, *, query: str | None = None, result=None, error: str | None = None,
                status_code: int = 200, headers: dict | None = None) -> Response:
    """The query editor page, with a query's result (or error) when there is one; its policy
    allows the style sheets YASGUI's column resizer adds (``editor_policy``)."""
    policy = editor_policy(request.app.state.settings.tile_url)
    headers = {**(headers or {}), "Content-Security-Policy": policy}
    return _render(request, "sparql.html", status_code=status_code, headers=headers,
                   endpoint=endpoint_iri(request), query_text=query or "",
                   result=result_view(request, result) if result is not None else None,
                   error=error, saved=saved_queries.public_queries(),
                   tabs=_tab_queries(), format_links=_format_links(request) if result is not None else [])


def _format_links(request: Request, drop: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The same result in each raw format (without the parameters ``drop``: a page's position and size)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("format", "lang", *drop)]
    from urllib.parse import urlencode

    return [(fmt.upper(), f"{request.url.path}?{urlencode(params + [('format', fmt)])}") for fmt in RAW_FORMATS]


@router.get("/query/", summary="The saved SPARQL queries")
async def query_list(request: Request) -> Response:
    return _render(request, "query_list.html", saved=saved_queries.public_queries())


@router.get("/query/{name}", summary="One saved SPARQL query, run")
async def query_page(request: Request, name: str) -> Response:
    try:
        saved = saved_queries.get(name)
    except saved_queries.UnknownSavedQuery:

        lang, _ = request_language(request)
        return _render(request, "query_list.html", status_code=404, saved=saved_queries.public_queries(),
                       error=UI[lang]["not_found"].format(name=name[:100]))
    values = {p.name: request.query_params.get(p.name, "") for p in saved.parameters}
    format_name = request.query_params.get("format")
    raw = format_name is not None and format_name != "html"
    missing = [p.name for p in saved.parameters if not p.optional and not values[p.name].strip()]
    context = {"saved": saved, "values": values, "format_links": _format_links(request)}

    lang, _ = request_language(request)
    if missing:
        message = UI[lang]["parameters_missing"].format(names=", ".join("?" + m for m in missing))
        if raw:
            raise ProtocolError(400, message)
        return _render(request, "query_page.html", notice=message, **context)
    try:
        try:
            substitutions = saved.substitutions(values)
        except saved_queries.ParameterError as exc:
            raise ProtocolError(400, exc) from None
        listed = None
        if name in monitor_lists.PAGED:  # from the monitor aggregates, in pages or streamed
            try:
                listed = await object_lists.answer(request, saved, substitutions, format_name)
            except monitor_lists.PositionError as exc:
                raise ProtocolError(400, exc) from None
        elif name in figure_answers.ANSWERED:  # from the monitor aggregates, whole
            listed = await figure_answers.answer(request, saved, substitutions, format_name)
        if listed is not None:
            if isinstance(listed, object_lists.Page):
                return _render(request, "query_page.html", result=_page_view(request, listed), pager=listed,
                               **{**context, "format_links": _format_links(request, ("after", "limit"))})
            return listed
        params = [("format", format_name)] if raw else []
        result = await run_query(request, saved.body, params, allow_html=not raw, substitutions=substitutions)
    except ProtocolError as exc:
        if raw:
            raise
        return _render(request, "query_page.html", status_code=exc.status, headers=exc.headers,
                       error=str(exc), **context)
    if raw:
        return result_response(result)
    if result.format != "html":  # a client that asked for JSON etc. through Accept
        return result_response(result)
    return _render(request, "query_page.html", result=result_view(request, result), **context)
