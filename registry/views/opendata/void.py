"""The VoID description of a registry at ``/.well-known/void``: a ``void:Dataset`` for the region
(``{base}.well-known/void#region``) with a subset per municipality that has passports
(``...#GM0153``), each with its triples, entities, distinct subjects and objects, an example
resource, class and property partitions, the SPARQL endpoint, its dump and its URI space.

The counts are over the graphs of the current passports (not the provenance, history or
reference graphs) and come from the aggregate queries ``sparql/void-*.rq`` (the partitions one municipality at a
time): whole-store scans,
so the description is computed once per store generation (:func:`registry.views.pages.cache.cache_for`,
shared between processes) and served from there. The region's partitions are the sums of the
municipalities' (a resource belongs to one passport, and so to one municipality)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.model.vocab import DCTERMS, MP, RDF, RDFS, XSD
from registry.store.named_queries import select_plain
from registry.views.opendata.catalog import CATALOG_PATH, VOID_PATH, Triples
from registry.views.opendata.terms import FOAF, VOID, texts
from registry.views.pages.cache import cache_for

TOTALS = ("triples", "entities", "subjects", "objects")
_PREDICATES = {"triples": "triples", "entities": "entities", "subjects": "distinctSubjects",
               "objects": "distinctObjects"}


@dataclass
class Counts:
    """The VoID figures of one dataset (the region or a municipality)."""

    totals: dict[str, int] = field(default_factory=dict)
    example: str = ""
    municipality: str = ""  # its IRI ("" for the region)
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)


def compute_counts(store: ox.Store) -> dict[str, Counts]:
    """Counts by municipality code, and ``"region"``, from the ``void-*`` queries."""
    out: dict[str, Counts] = defaultdict(Counts)
    code = lambda iri: iri.rsplit("/", 1)[-1]
    for row in select_plain(store, "void-municipality-totals", union=False):
        counts = out[code(row["municipality"])]
        counts.totals = {key: int(row.get(key, 0)) for key in TOTALS}
        counts.example = row.get("example", "")
        counts.municipality = row["municipality"]
    for row in select_plain(store, "void-region-totals", union=False):
        if int(row.get("triples", 0)):
            out["region"].totals = {key: int(row.get(key, 0)) for key in TOTALS}
            out["region"].example = row.get("example", "")
    region = out["region"]
    for found in [found for found in out.values() if found.municipality]:
        municipality = {"municipality": ox.NamedNode(found.municipality)}
        for row in select_plain(store, "void-class-partitions", municipality, union=False):
            found.classes[row["class"]] = int(row["entities"])
        for row in select_plain(store, "void-property-partitions", municipality, union=False):
            found.properties[row["property"]] = int(row["triples"])
        for mine, theirs in ((found.classes, region.classes), (found.properties, region.properties)):
            for key, n in mine.items():
                theirs[key] = theirs.get(key, 0) + n
    return dict(out)


def counts(registry) -> dict[str, Counts]:
    """The VoID counts of the store's current generation (computed once per generation)."""
    return cache_for(registry).get("void-counts", lambda: compute_counts(registry.store), wait=None)


def void_triples(base: str, all_counts: dict[str, Counts], dumps: dict[str, str]) -> list[ox.Triple]:
    """The VoID description; ``dumps`` maps ``"region"`` and each municipality code to the URL
    of its dump."""
    g, doc = Triples(), base + VOID_PATH
    region = doc + "#region"

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    def dataset(iri: str, found: Counts, dump: str) -> None:
        g.add(iri, RDF + "type", VOID + "Dataset")
        for key, n in found.totals.items():
            g.add(iri, VOID + _PREDICATES[key], integer(n))
        if found.example:
            g.add(iri, VOID + "exampleResource", found.example)
        g.add(iri, VOID + "sparqlEndpoint", base + "sparql")
        if dump:
            g.add(iri, VOID + "dataDump", dump)
        g.add(iri, VOID + "uriSpace", ox.Literal(base + "id/"))
        g.add(iri, VOID + "vocabulary", MP)
        for kind, partition, values, measure in (("class", "classPartition", found.classes, "entities"),
                                                 ("property", "propertyPartition", found.properties, "triples")):
            for n, (value, count) in enumerate(sorted(values.items())):
                part = f"{iri}-{kind}-{n}"
                g.add(iri, VOID + partition, part)
                g.add(part, VOID + kind, value)
                g.add(part, VOID + measure, integer(count))

    g.add(doc, RDF + "type", VOID + "DatasetDescription")
    g.add(doc, DCTERMS + "title", texts("void.title"))
    g.add(doc, FOAF + "primaryTopic", region)
    dataset(region, all_counts.get("region", Counts()), dumps.get("region", ""))
    g.add(region, DCTERMS + "title", texts("region.title"))
    g.add(region, RDFS + "seeAlso", base + CATALOG_PATH + "#region")
    for code in sorted(c for c in all_counts if c != "region"):
        iri = f"{doc}#{code}"
        dataset(iri, all_counts[code], dumps.get(code, ""))
        g.add(region, VOID + "subset", iri)
        g.add(iri, DCTERMS + "identifier", ox.Literal(code))
        g.add(iri, RDFS + "seeAlso", f"{base}{CATALOG_PATH}#{code}")
    return g.triples
