"""Which document format a request gets: the ``Accept`` header (with q-values) or a file suffix.

The one place that maps a format's name, suffix, media type and pyoxigraph ``RdfFormat``. Accept
headers are parsed by python-mimeparse (RFC 7231 media ranges, q-values, specificity); the
results are cached per header string, since clients send few distinct headers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import mimeparse
import pyoxigraph as ox


@dataclass(frozen=True)
class DocFormat:
    """One representation of a resource."""

    name: str
    suffix: str
    media_type: str
    rdf_format: ox.RdfFormat | None  # None for HTML

    profile: str | None = None  # a JSON-LD form other than the default (framed passports)

    @property
    def content_type(self) -> str:
        if self.media_type == "application/rdf+xml":
            return self.media_type
        if self.profile:
            return f'{self.media_type}; profile="{self.profile}"; charset=utf-8'
        return f"{self.media_type}; charset=utf-8"

    @property
    def is_rdf(self) -> bool:
        return self.rdf_format is not None


HTML = DocFormat("html", ".html", "text/html", None)
TURTLE = DocFormat("turtle", ".ttl", "text/turtle", ox.RdfFormat.TURTLE)
JSON_LD = DocFormat("jsonld", ".jsonld", "application/ld+json", ox.RdfFormat.JSON_LD)
# A passport's JSON-LD is framed (object -> components -> quantities nested); the flat form (one node
# per subject in "@graph") is asked for with the JSON-LD media type's profile parameter.
FLATTENED = "http://www.w3.org/ns/json-ld#flattened"
JSON_LD_FLAT = DocFormat("jsonld-flat", ".jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, FLATTENED)
N_TRIPLES = DocFormat("ntriples", ".nt", "application/n-triples", ox.RdfFormat.N_TRIPLES)
RDF_XML = DocFormat("rdfxml", ".rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML)

FORMATS: tuple[DocFormat, ...] = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
BY_SUFFIX = {f.suffix: f for f in FORMATS}
BY_NAME = {f.name: f for f in FORMATS}

# Media types a client may ask for, in increasing order of preference when q-values tie (what
# mimeparse expects): a browser's "*/*" or "text/*" gets HTML, then Turtle.
_ACCEPTED: dict[str, DocFormat] = {
    "application/xml": RDF_XML,
    "text/xml": RDF_XML,
    "application/xhtml+xml": HTML,
    "application/json": JSON_LD,
    "application/x-turtle": TURTLE,
    "application/rdf+xml": RDF_XML,
    "application/n-triples": N_TRIPLES,
    "application/ld+json": JSON_LD,
    "text/turtle": TURTLE,
    "text/html": HTML,
}
_SUPPORTED = list(_ACCEPTED)


@functools.lru_cache(maxsize=512)
def negotiate(accept: str | None, default: DocFormat = HTML) -> DocFormat | None:
    """The best format for an ``Accept`` header; None when the client accepts none of ours (406).

    A missing, empty or malformed header gets ``default``.
    """
    if not accept or not accept.strip():
        return default
    try:
        best = mimeparse.best_match(_SUPPORTED, accept)
    except (mimeparse.MimeTypeParseException, ValueError):
        return default
    return _ACCEPTED.get(best) if best else None


@functools.lru_cache(maxsize=512)
def with_profile(fmt: DocFormat | None, accept: str | None) -> DocFormat | None:
    """``JSON_LD_FLAT`` for JSON-LD when ``accept`` asks for the flattened profile
    (``application/ld+json;profile="http://www.w3.org/ns/json-ld#flattened"``), ``fmt`` otherwise."""
    if fmt != JSON_LD or not accept or FLATTENED not in accept:
        return fmt
    for media_range in accept.split(","):
        try:
            kind, subtype, params = mimeparse.parse_media_range(media_range)
            wanted = float(params.get("q", "1")) > 0
        except (mimeparse.MimeTypeParseException, ValueError):
            continue
        if f"{kind}/{subtype}" == JSON_LD.media_type and wanted and FLATTENED in params.get("profile", "").split():
            return JSON_LD_FLAT
    return fmt


def split_suffix(path: str) -> tuple[str, DocFormat | None]:
    """``("GM0153/brug-0042", TURTLE)`` for ``"GM0153/brug-0042.ttl"``; the path as is otherwise."""
    dot = path.rfind(".")
    if dot > 0 and "/" not in path[dot:]:
        fmt = BY_SUFFIX.get(path[dot:].lower())
        if fmt is not None:
            return path[:dot], fmt
    return path, None


def for_media_type(media_type: str) -> DocFormat | None:
    """The format of a media type such as ``text/turtle; charset=utf-8``."""
    return _ACCEPTED.get(media_type.split(";")[0].strip().lower())


def available() -> str:
    """The media types we serve, for a 406 body."""
    return ", ".join(f.media_type for f in FORMATS)
