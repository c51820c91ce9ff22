"""The dumps besides ``registry.nq.gz`` and ``history.nq.gz`` (:mod:`registry.static_site.dumps`):
``dumps/GMxxxx.ttl.gz`` per municipality with current passports (the union of its passports'
graphs, Turtle), ``dumps/reference.nq.gz`` (the reference graphs: ontology, schemes,
municipalities) and ``dumps/manifest.json`` (every dump with its size, SHA-256 and modification
date: :mod:`registry.views.opendata.dumpinfo`); and for the static site the catalog and VoID
documents made from them (:func:`open_data_documents`). Written by the static build, by the live server
once per store generation (:class:`registry.static_site.downloads.LiveDumps`) and by
``passports export --dumps DIR``."""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from registry.model.reference import iter_reference_graph_names
from registry.model.uris import owning_passport
from registry.model.vocab import PREFIXES
from registry.store.registry import Registry
from registry.store.versions import iter_passport_iris
from registry.views.negotiation import JSON_LD, N_TRIPLES, RDF_XML, TURTLE
from registry.views.opendata.catalog import CATALOG_PATH, VOID_PATH, catalog_triples
from registry.views.opendata.documents import catalog_page, rdf_bytes
from registry.views.opendata.dumpinfo import N_QUADS, DumpFile, describe_file, read_manifest, write_manifest
from registry.views.opendata.dumpinfo import TURTLE as TURTLE_MEDIA_TYPE
from registry.views.opendata.facts import facts
from registry.views.opendata.void import counts, void_triples
from registry.views.pages.contexts import Page

MAIN, HISTORY, REFERENCE = "dumps/registry.nq.gz", "dumps/history.nq.gz", "dumps/reference.nq.gz"
RDF_FORMATS = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES)


def municipality_dump(code: str) -> str:
    return f"dumps/{code}.ttl.gz"


def passports_by_municipality(registry: Registry) -> dict[str, list[str]]:
    """Current passport IRIs by the municipality in their IRI, sorted."""
    found: dict[str, list[str]] = defaultdict(list)
    for iri in iter_passport_iris(registry):
        ref = owning_passport(registry.base, iri)
        if ref is not None:
            found[ref.municipality].append(iri)
    return {code: sorted(iris) for code, iris in sorted(found.items())}


def write_municipality_dump(store: ox.Store, iris: list[str], target: Path) -> None:
    """The graphs of ``iris`` as one Turtle file (gzip): a Turtle document per passport, one after
    the other (a Turtle file may declare its prefixes again; written by pyoxigraph from the store,
    about twice as fast as serialising the triples from Python, and 3 % larger)."""
    partial = target.with_suffix(".partial")
    with gzip.open(partial, "wb", compresslevel=5) as stream:
        for iri in iris:
            stream.write(store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.NamedNode(iri), prefixes=PREFIXES))
    partial.replace(target)


def write_reference_dump(store: ox.Store, target: Path) -> None:
    partial = target.with_suffix(".partial")
    with gzip.open(partial, "wb", compresslevel=5) as stream:
        for graph in sorted(iter_reference_graph_names(store.named_graphs()), key=lambda g: g.value):
            stream.write(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).replace(
                b" .\n", f" <{graph.value}> .\n".encode()))
    partial.replace(target)


def write_open_data_dumps(registry: Registry, root: Path, generation: str, feed: dict | None = None) -> list[DumpFile]:
    """Per-municipality and reference dumps under ``root/dumps`` (stale municipality dumps are
    removed), then the manifest of every dump there; ``registry.nq.gz`` and ``history.nq.gz``
    must be written already; ``feed``: the feed position read before they were (for the manifest)."""
    folder = root / "dumps"
    folder.mkdir(parents=True, exist_ok=True)
    groups = passports_by_municipality(registry)
    for code, iris in groups.items():
        write_municipality_dump(registry.store, iris, root / municipality_dump(code))
    for old in folder.glob("GM*.ttl.gz"):
        if old.name.removesuffix(".ttl.gz") not in groups:
            old.unlink()
    write_reference_dump(registry.store, root / REFERENCE)
    files = [describe_file(root, rel, kind, N_QUADS)
             for rel, kind in ((MAIN, "registry"), (HISTORY, "history"), (REFERENCE, "reference"))
             if (root / rel).exists()]
    files += [describe_file(root, municipality_dump(code), "municipality", TURTLE_MEDIA_TYPE, code) for code in groups]
    write_manifest(root, files, generation, feed)
    return files


def open_data_documents(registry: Registry, root: Path, site_url: str) -> tuple[list[tuple[str, bytes]], Page]:
    """The catalog (``catalog.ttl``, ``.jsonld``, ``.rdf``, ``.nt``), the VoID description
    (``.well-known/void``, Turtle, and ``.well-known/void.ttl``) and the catalog's HTML page of a
    static site whose dumps (and manifest) are written under ``root``."""
    _, files = read_manifest(root)
    found = facts(registry)
    catalog = catalog_triples(registry.settings, registry.base, found, files, dumps_url=site_url)
    documents = [(CATALOG_PATH + fmt.suffix, rdf_bytes(catalog, fmt)) for fmt in RDF_FORMATS]
    dumps = {f.municipality or "region": site_url + f.path for f in files if f.municipality or f.kind == "registry"}
    void = rdf_bytes(void_triples(registry.base, counts(registry, background=False), dumps), TURTLE)
    documents += [(VOID_PATH, void), (VOID_PATH + ".ttl", void)]
    return documents, catalog_page(registry.settings, registry.base, found, files)
