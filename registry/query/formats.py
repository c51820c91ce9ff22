"""The result formats of the SPARQL endpoint and how one request picks its format.

A request says what it wants with the ``Accept`` header (q-values honoured, parsed with
python-mimeparse) or with a ``format`` parameter, which wins over ``Accept``. Which formats apply
depends on the query form, known only once the query runs: SELECT and ASK answer SPARQL results
(JSON, XML, CSV, TSV), CONSTRUCT and DESCRIBE answer an RDF graph (Turtle, JSON-LD, N-Triples,
RDF/XML). A ``format`` value that does not fit the query form is an error that says what fits;
an ``Accept`` header that matches nothing gets the default (JSON results, Turtle graphs) rather
than 406, which is what SPARQL clients that send one Accept header for every query form expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mimeparse
from pyoxigraph import QueryResultsFormat, RdfFormat

from registry.core.errors import RegistryError

# Query forms as the worker sees them.
SOLUTIONS = "solutions"  # SELECT
BOOLEAN = "boolean"  # ASK
GRAPH = "graph"  # CONSTRUCT, DESCRIBE


class FormatError(RegistryError, ValueError):
    """A ``format`` parameter that names no format, or one that does not fit the query form."""


@dataclass(frozen=True)
class ResultFormat:
    key: str
    label: str
    media_type: str  # what the response's Content-Type says
    accepts: tuple[str, ...]  # media types in Accept that select this format
    names: tuple[str, ...]  # values of the ``format`` parameter that select it
    sd_iri: str | None  # the W3C format IRI (http://www.w3.org/ns/formats/) for the service description

    @property
    def results_format(self) -> QueryResultsFormat:
        return _RESULTS_FORMATS[self.key]

    @property
    def rdf_format(self) -> RdfFormat:
        return _RDF_FORMATS[self.key]


_W3F = "http://www.w3.org/ns/formats/"

# Listed in increasing order of preference: with "Accept: */*" the last one wins.
RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("tsv", "TSV", "text/tab-separated-values; charset=utf-8",
                 ("text/tab-separated-values",), ("tsv", "text/tab-separated-values"), _W3F + "SPARQL_Results_TSV"),
    ResultFormat("csv", "CSV", "text/csv; charset=utf-8", ("text/csv",), ("csv", "text/csv"),
                 _W3F + "SPARQL_Results_CSV"),
    ResultFormat("xml", "XML", "application/sparql-results+xml",
                 ("text/xml", "application/xml", "application/sparql-results+xml"),
                 ("xml", "srx", "application/sparql-results+xml", "application/xml", "text/xml"),
                 _W3F + "SPARQL_Results_XML"),
    ResultFormat("json", "JSON", "application/sparql-results+json",
                 ("application/json", "application/sparql-results+json"),
                 ("json", "srj", "application/sparql-results+json", "application/json"),
                 _W3F + "SPARQL_Results_JSON"),
)
GRAPH_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("rdfxml", "RDF/XML", "application/rdf+xml",
                 ("text/xml", "application/xml", "application/rdf+xml"),
                 ("rdfxml", "rdf", "xml", "rdf/xml", "application/rdf+xml", "application/xml", "text/xml"),
                 _W3F + "RDF_XML"),
    ResultFormat("ntriples", "N-Triples", "application/n-triples",
                 ("text/plain", "application/n-triples"),
                 ("nt", "ntriples", "n-triples", "application/n-triples", "text/plain"), _W3F + "N-Triples"),
    ResultFormat("jsonld", "JSON-LD", "application/ld+json", ("application/json", "application/ld+json"),
                 ("jsonld", "json-ld", "json", "application/ld+json", "application/json"), _W3F + "JSON-LD"),
    ResultFormat("turtle", "Turtle", "text/turtle; charset=utf-8",
                 ("application/x-turtle", "text/turtle"), ("turtle", "ttl", "text/turtle"), _W3F + "Turtle"),
)
HTML = ResultFormat("html", "HTML", "text/html; charset=utf-8", ("application/xhtml+xml", "text/html"),
                    ("html", "text/html"), None)

_RESULTS_FORMATS = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML,
                    "csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV}
_RDF_FORMATS = {"turtle": RdfFormat.TURTLE, "jsonld": RdfFormat.JSON_LD, "ntriples": RdfFormat.N_TRIPLES,
                "rdfxml": RdfFormat.RDF_XML}

BY_KEY = {f.key: f for f in (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)}


def formats_for(form: str) -> tuple[ResultFormat, ...]:
    return GRAPH_FORMATS if form == GRAPH else RESULT_FORMATS


def _form_name(form: str, lang: str = "en") -> str:
    if lang == "nl":
        return {SOLUTIONS: "een SELECT-zoekvraag", BOOLEAN: "een ASK-zoekvraag",
                GRAPH: "een CONSTRUCT- of DESCRIBE-zoekvraag"}[form]
    return {SOLUTIONS: "a SELECT query", BOOLEAN: "an ASK query", GRAPH: "a CONSTRUCT or DESCRIBE query"}[form]


def _by_name(candidates: tuple[ResultFormat, ...], name: str) -> ResultFormat | None:
    name = name.strip().lower().split(";")[0].strip()
    for fmt in candidates:
        if name in fmt.names:
            return fmt
    return None


def check_format_name(name: str | None, *, allow_html: bool = False) -> None:
    """Refuse a ``format`` value that names no format at all (before running the query)."""
    if not name:
        return
    pool = (*RESULT_FORMATS, *GRAPH_FORMATS, *((HTML,) if allow_html else ()))
    if _by_name(pool, name) is None:
        raise FormatError(
            f"format={name!r} is not a format this endpoint writes; use json, xml, csv or tsv for "
            "SELECT/ASK and turtle, jsonld, nt or rdfxml for CONSTRUCT/DESCRIBE (or leave it out and "
            "send an Accept header)",
            message_nl=f"format={name!r} is geen formaat dat dit endpoint schrijft; gebruik json, xml, csv of tsv "
                       "voor SELECT/ASK en turtle, jsonld, nt of rdfxml voor CONSTRUCT/DESCRIBE (of laat het weg "
                       "en stuur een Accept-header)")


@lru_cache(maxsize=512)  # clients send the same few Accept headers again and again
def choose(form: str, accept: str | None, format_name: str | None = None, *,
           allow_html: bool = False) -> ResultFormat:
    """The format to answer a query of ``form`` in, from the ``format`` parameter or ``Accept``."""
    candidates = formats_for(form) + ((HTML,) if allow_html else ())
    if format_name:
        fmt = _by_name(candidates, format_name)
        if fmt is None:
            fits = ", ".join(f.names[0] for f in formats_for(form))
            raise FormatError(f"format={format_name!r} does not fit {_form_name(form)}; use one of {fits}",
                              message_nl=f"format={format_name!r} past niet bij {_form_name(form, 'nl')}; gebruik een "
                                         f"van {fits}")
        return fmt
    default = formats_for(form)[-1]
    if not accept or not accept.strip():
        return default
    # HTML first, so that it wins only when asked for explicitly (browsers do), never on */*.
    ordered = ((HTML,) if allow_html else ()) + formats_for(form)
    supported = [media for fmt in ordered for media in fmt.accepts]
    try:
        best = mimeparse.best_match(supported, accept)
    except (ValueError, IndexError):  # a malformed Accept header is treated as no preference
        return default
    if not best:
        return default
    for fmt in reversed(ordered):
        if best in fmt.accepts:
            return fmt
    return default
