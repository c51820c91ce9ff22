"""One passport's graph asked by SPARQL, answered from the kept documents.

The commonest query a linked-data client sends ``/sparql``,
``CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <P> { ?s ?p ?o } }`` for a current passport ``P``, asks for
exactly that passport's document: the triples of its named graph. When the query is written
plainly (three distinct variables, the template the same as the pattern, an absolute IRI, no
prefixes or comments), the dataset is the endpoint's own (no ``default-graph-uri`` or
``named-graph-uri``) and the answer is asked in Turtle or N-Triples, the kept document of the
passport's current version (:mod:`registry.web.document_store`, checked against its ETag and
Last-Modified as for ``/doc``) is the answer, without the query engine: the same triples, in the
document's layout (Turtle with the passport prefixes). Anything else, or no kept document, goes to
the engine as before; the client's budget applies either way.
"""

from __future__ import annotations

import re
import time

from fastapi import Request

from registry.model.uris import UriError, parse_passport_iri
from registry.query import formats as sparql_formats
from registry.query.results import count_rows
from registry.query.tasks import QueryResult
from registry.views import negotiation
from registry.views.linked_data import passport_document
from registry.web.document_store import document_key

_VAR = r"[?$](?P<{}>[A-Za-z_][A-Za-z0-9_]*)"
_GRAPH_QUERY = re.compile(
    r"\s*(?i:CONSTRUCT)\s*\{\s*(?P<t>" + _VAR.format("s") + r"\s+" + _VAR.format("p") + r"\s+"
    + _VAR.format("o") + r")\s*\.?\s*\}\s*(?i:WHERE)\s*\{\s*(?i:GRAPH)\s*<(?P<graph>[^<>\"{}|^`\\\x00-\x20]+)>"
    r"\s*\{\s*(?P<pattern>[?$]\w+\s+[?$]\w+\s+[?$]\w+)\s*\.?\s*\}\s*\}\s*")
_KEPT = {"turtle": negotiation.TURTLE, "ntriples": negotiation.N_TRIPLES}
_DATASET = ("default-graph-uri", "named-graph-uri")


def passport_graph(query: str) -> str | None:
    """The passport graph IRI a plainly written one-graph CONSTRUCT asks for, else None."""
    if len(query) > 2048:
        return None
    found = _GRAPH_QUERY.fullmatch(query)
    if found is None or len({found["s"], found["p"], found["o"]}) != 3:
        return None
    if found["pattern"].split() != found["t"].split():
        return None
    return found["graph"]


def kept_answer(request: Request, query: str, params: list[tuple[str, str]],
                format_name: str | None, *, allow_html: bool) -> QueryResult | None:
    """The answer from the kept documents, or None for the engine to answer."""
    started = time.perf_counter()
    state = request.app.state
    kept = getattr(state, "document_store", None)
    if kept is None or any(name in _DATASET for name, _ in params):
        return None
    graph = passport_graph(query)
    if graph is None:
        return None
    try:
        fmt = sparql_formats.choose(sparql_formats.GRAPH, request.headers.get("accept"), format_name,
                                    allow_html=allow_html)
    except sparql_formats.FormatError:
        return None  # the engine's path says what is wrong
    doc_format = _KEPT.get(fmt.key)
    registry = state.registry
    if doc_format is None:
        return None
    try:
        ref = parse_passport_iri(registry.base, graph)
    except UriError:
        return None
    if ref.version is not None:
        return None
    doc = passport_document(registry, ref)
    if doc is None or doc.status != 200 or doc.source is None or doc.validator is None:
        return None
    body = kept.get(graph, doc_format.name, document_key(doc.etag(doc_format), doc.modified))
    if body is None:
        return None
    return QueryResult(body, fmt.media_type, sparql_formats.GRAPH, fmt.key, _triples(doc_format, body),
                       time.perf_counter() - started, 0.0)


def _triples(doc_format: negotiation.DocFormat, body: bytes) -> int:
    """The triples of a kept document (its ``@prefix`` lines are not triples)."""
    rows = count_rows(doc_format.rdf_format, body)
    if doc_format is negotiation.TURTLE:  # a string's line break is written escaped: these are directives
        rows -= body.count(b"\n@prefix ") + body.startswith(b"@prefix ")
    return rows


__all__ = ["kept_answer", "passport_graph"]
