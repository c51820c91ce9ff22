"""The VoID description of a registry at ``/.well-known/void``: a ``void:Dataset`` for the region
(``{base}.well-known/void#region``) with a subset per municipality that has passports
(``...#GM0153``), each with its triples, entities, distinct subjects and objects, an example
resource, class and property partitions, the SPARQL endpoint, its dump and its URI space.

The counts are over the graphs of the current passports (not the provenance, history or reference
graphs). All but one are kept by the monitor aggregates with every write
(``registry.store.catalog_counts``): read on request, milliseconds at any size, once per store
generation (``stats.from_sidecars``, as the pages' counts). The distinct objects are no sum (a
material or a number is the object of many passports): the saved query
``sparql/void-distinct-objects.rq`` counts them in the background after a write
(``cache.cache_for``), and the description gives ``void:distinctObjects`` only when that count is of
the current generation (and says so). Where the aggregates are missing the saved queries
``sparql/void-*.rq`` give every figure (:func:`compute_counts`: whole-store scans, the reference
the kept figures are tested against), in the background cache. The region's partitions are the
sums of the municipalities' (a resource belongs to one passport, and so to one municipality)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from registry.model.vocab import DCTERMS, MP, RDF, RDFS, XSD
from registry.store import catalog_counts
from registry.store.named_queries import select_plain
from registry.views.opendata.catalog import CATALOG_PATH, VOID_PATH, Triples
from registry.views.opendata.terms import FOAF, VOID, texts
from registry.views.pages.cache import cache_for, memo_for
from registry.views.pages.stats import from_sidecars

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


def sidecar_counts(data_dir, base: str) -> dict[str, Counts] | None:
    """The counts kept by the monitor aggregates, without the distinct objects; None when they do
    not match the store."""
    found = catalog_counts.void_totals(data_dir, base)
    if found is None:
        return None
    return {(muni.rsplit("/", 1)[-1] if muni else "region"): Counts(
        {"triples": t.triples, "entities": t.entities, "subjects": t.subjects}, t.example, muni,
        t.classes, t.properties) for muni, t in found.items()}


def distinct_objects(store: ox.Store, generation: str) -> tuple[str, dict[str, int]]:
    """The distinct objects by municipality code and ``"region"`` (``void-distinct-objects``),
    with the generation they are of (read before the query)."""
    out = {}
    for row in select_plain(store, "void-distinct-objects", union=False):
        muni = row.get("municipality")
        out[muni.rsplit("/", 1)[-1] if muni else "region"] = int(row.get("objects", 0))
    return generation, out


def counts(registry, *, background: bool = True) -> dict[str, Counts]:
    """The VoID counts of the store's current generation (read once per generation);
    ``background`` False (the static site): the distinct objects are counted now if need be."""
    data_dir, base = registry.settings.data_dir, registry.base
    found = from_sidecars(registry, "void-counts", lambda: sidecar_counts(data_dir, base),
                          lambda: compute_counts(registry.store), wait=None)
    if all("objects" in c.totals for c in found.values()):
        return found  # the saved queries' (no aggregates)
    memo = memo_for(registry)  # the generation read now (the cache's may be 0.2 s old)
    generation = memo.generation()
    objects = cache_for(registry).get("void-objects", lambda: distinct_objects(registry.store, memo.generation()),
                                      wait=0)
    if (objects is None or objects[0] != generation) and not background:
        objects = distinct_objects(registry.store, generation)
    if objects is None or objects[0] != generation:
        return found  # being counted: left out rather than of other data
    return {code: replace(c, totals={**c.totals, "objects": objects[1].get(code, 0)}) for code, c in found.items()}


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
    g.add(doc, DCTERMS + "description", texts("void.figures"))
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
