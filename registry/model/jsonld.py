"""The registry's JSON-LD ``@context``: the prefixes every document uses, published at
``{base}context.jsonld``, and put back inline when a document naming it is read.

Documents the registry serves name their context by URL (``registry.views.serialization``). A
reader never fetches a remote context, so a downloaded JSON-LD document sent back as it is
(the edit round trip) would be refused: :func:`inline_own_context` replaces the registry's own
context URL by the context itself, without any network access. Any other URL stays, and the
parser refuses it.
"""

from __future__ import annotations

import json

from registry.model.vocab import MPV, PREFIXES

CONTEXT_PATH = "context.jsonld"

# One prefix per vocabulary scheme, so ``mpv:rstrategy/R3`` reads ``rstrategy:R3``.
SCHEMES = ("rstrategy", "rgroup", "phase", "policyangle", "theme", "material", "origin",
           "materialphase", "dataquality", "condition", "connectiontype", "accessibility",
           "intersection", "productedge", "valuationmethod", "releasequality", "municipality",
           "organisation", "region")
EXTRA_PREFIXES = {
    "org": "http://www.w3.org/ns/org#",
    "vann": "http://purl.org/vocab/vann/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
ALL_PREFIXES: dict[str, str] = {**PREFIXES, **EXTRA_PREFIXES,
                                **{s: f"{MPV}{s}/" for s in SCHEMES}}


def context() -> dict:
    """The JSON-LD ``@context`` of every document: the prefixes, nothing that changes meaning."""
    return {"@context": dict(ALL_PREFIXES)}


def _inlined(value, url: str):
    if value == url:
        return dict(ALL_PREFIXES)
    if isinstance(value, list):
        return [_inlined(item, url) for item in value]
    return value


def inline_own_context(data: bytes, base: str) -> bytes:
    """``data`` with each top-level ``@context`` that names ``{base}context.jsonld`` given inline.

    >>> doc = b'{"@context": "http://localhost:8000/context.jsonld", "@id": "mpv:x"}'
    >>> json.loads(inline_own_context(doc, "http://localhost:8000/"))["@context"]["mpv"]
    'https://w3id.org/materiaalpaspoort/id/'
    """
    url = base + CONTEXT_PATH
    if url.encode() not in data:
        return data
    try:
        document = json.loads(data)
    except ValueError:
        return data  # the parser names the syntax error with its line and column
    nodes = document if isinstance(document, list) else [document]
    for node in nodes:
        if isinstance(node, dict) and "@context" in node:
            node["@context"] = _inlined(node["@context"], url)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
