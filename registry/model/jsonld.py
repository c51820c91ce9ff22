"""The registry's JSON-LD ``@context``: a short term per class and property of the ontology, at a
stable URL, and put back inline when a document naming it is read.

The context is made from the ontology files (``registry.model.jsonld_context``) and shipped as
``ontology/context.jsonld``. Every document the registry writes names it by its stable URL
:data:`CONTEXT_URL` (under the ontology's namespace); every instance also serves it at
``{base}context.jsonld`` (:data:`CONTEXT_PATH`). A reader never fetches a remote context, so a
downloaded JSON-LD document sent back as it is (the edit round trip) would be refused:
:func:`inline_own_context` replaces the registry's own context URL (the stable one or the
instance's) by the context itself, without any network access. Any other URL stays, and the
parser refuses it.
"""

from __future__ import annotations

import copy
import functools
import json

from registry.core.resources import ONTOLOGY_DIR
from registry.model.jsonld_context import CONTEXT_FILE_NAME, EXTRA_PREFIXES
from registry.model.vocab import MPV, PREFIXES

CONTEXT_PATH = "context.jsonld"
CONTEXT_URL = "https://w3id.org/materiaalpaspoort/" + CONTEXT_PATH  # beside the ontology's def# and id/
CONTEXT_FILE = ONTOLOGY_DIR / CONTEXT_FILE_NAME

# The prefixes of the Turtle and RDF/XML documents (the JSON-LD context has terms instead): one per
# vocabulary scheme as well, so ``mpv:rstrategy/R3`` reads ``rstrategy:R3``.
SCHEMES = ("rstrategy", "rgroup", "phase", "policyangle", "theme", "material", "origin",
           "materialphase", "dataquality", "condition", "connectiontype", "accessibility",
           "intersection", "productedge", "valuationmethod", "releasequality", "municipality",
           "organisation", "region")
ALL_PREFIXES: dict[str, str] = {**PREFIXES, **EXTRA_PREFIXES,
                                **{s: f"{MPV}{s}/" for s in SCHEMES}}


@functools.lru_cache(maxsize=1)
def context_bytes() -> bytes:
    """The shipped ``ontology/context.jsonld`` as it is served."""
    return CONTEXT_FILE.read_bytes()


@functools.lru_cache(maxsize=1)
def _context() -> dict:
    return json.loads(context_bytes())


def context() -> dict:
    """The JSON-LD document ``{"@context": {...}}`` (a copy: callers may change it)."""
    return copy.deepcopy(_context())


def context_urls(base: str) -> tuple[str, ...]:
    """The URLs that name the registry's own context: the stable one and the instance's."""
    return (CONTEXT_URL, base + CONTEXT_PATH)


def _inlined(value, urls: tuple[str, ...]):
    if isinstance(value, str) and value in urls:
        return context()["@context"]
    if isinstance(value, list):
        return [_inlined(item, urls) for item in value]
    return value


def inline_own_context(data: bytes, base: str) -> bytes:
    """``data`` with each top-level ``@context`` that names the registry's context given inline.

    >>> doc = b'{"@context": "https://w3id.org/materiaalpaspoort/context.jsonld", "@id": "mpv:x"}'
    >>> json.loads(inline_own_context(doc, "http://localhost:8000/"))["@context"]["mpv"]
    'https://w3id.org/materiaalpaspoort/id/'
    >>> doc = b'{"@context": "http://localhost:8000/context.jsonld", "@id": "mpv:x"}'
    >>> json.loads(inline_own_context(doc, "http://localhost:8000/"))["@context"]["hasComponent"]["@id"]
    'mp:hasComponent'
    """
    urls = context_urls(base)
    if not any(url.encode() in data for url in urls):
        return data
    try:
        document = json.loads(data)
    except ValueError:
        return data  # the parser names the syntax error with its line and column
    nodes = document if isinstance(document, list) else [document]
    for node in nodes:
        if isinstance(node, dict) and "@context" in node:
            node["@context"] = _inlined(node["@context"], urls)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
