"""The catalog and the VoID description as documents: RDF in every format of
:mod:`registry.views.negotiation` (JSON-LD compacted with the catalog's prefixes as its inline
context; Turtle and RDF/XML with the same prefixes) and the catalog's HTML page (``catalog.html``, Dutch and English)."""

from __future__ import annotations

import json

import pyoxigraph as ox
from pyld import jsonld

from registry.core.settings import Settings
from registry.views.negotiation import DocFormat
from registry.views.opendata.catalog import FEED_PATH, VOID_PATH
from registry.views.opendata.dumpinfo import DumpFile
from registry.views.opendata.facts import Facts
from registry.views.opendata.terms import LICENCE_PAGES, LICENCES, PREFIXES, licence_code
from registry.views.pages.contexts import Page


def rdf_bytes(triples: list[ox.Triple], fmt: DocFormat) -> bytes:
    """``triples`` in the RDF format ``fmt`` (grouped by subject, so Turtle lists each once;
    JSON-LD compacted by pyld with the prefixes as an inline context: ``dcat:dataset`` keys)."""
    triples = sorted(triples, key=lambda t: str(t.subject))
    if fmt.rdf_format == ox.RdfFormat.JSON_LD:
        expanded = json.loads(ox.serialize(triples, format=fmt.rdf_format))
        compacted = jsonld.compact(expanded, {"@context": PREFIXES})
        return json.dumps(compacted, ensure_ascii=False, indent=1).encode()
    if fmt.rdf_format == ox.RdfFormat.N_TRIPLES:
        return ox.serialize(triples, format=fmt.rdf_format)
    return ox.serialize(triples, format=fmt.rdf_format, prefixes=PREFIXES)


def catalog_page(settings: Settings, base: str, facts: Facts, files: list[DumpFile]) -> Page:
    """The catalog's HTML page: the region and each municipality with its passports, dates,
    spatial identifier and downloads, and the licence, publisher and contact point."""
    code = licence_code(settings.data_licence)
    iri, en, nl = LICENCES[code]
    by_code: dict[str, list[DumpFile]] = {}
    for f in files:
        by_code.setdefault(f.municipality, []).append(f)
    return Page("catalog.html", {
        "facts": facts, "files": by_code, "licence": {"iri": iri, "en": en, "nl": nl, "page": LICENCE_PAGES[code]},
        "publisher": settings.publisher_name, "contact": settings.contact_email,
        "sparql": base + "sparql", "feed": base + FEED_PATH, "void": "/" + VOID_PATH,
        "active": "downloads"}, 200, "/catalog")
