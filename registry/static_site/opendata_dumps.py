"""The dumps besides ``registry.nq.gz`` and ``history.nq.gz`` (:mod:`registry.static_site.dumps`):
``dumps/GMxxxx.ttl.gz`` per municipality with current passports (the union of its passports'
graphs, Turtle), ``dumps/reference.nq.gz`` (the reference graphs: ontology, schemes,
municipalities) and ``dumps/manifest.json`` (every dump with its size, SHA-256 and modification
date: :mod:`registry.views.opendata.dumpinfo`). Written by the static build, by the live server
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
from registry.views.opendata.dumpinfo import N_QUADS, TURTLE, DumpFile, describe_file, write_manifest

MAIN, HISTORY, REFERENCE = "dumps/registry.nq.gz", "dumps/history.nq.gz", "dumps/reference.nq.gz"
CHUNK = 500  # passports serialised together (one Turtle document each; prefixes repeat per chunk)


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
    """The graphs of ``iris`` as one Turtle file (gzip): Turtle documents of ``CHUNK`` passports
    one after the other (a Turtle file may declare its prefixes again)."""
    partial = target.with_suffix(".partial")
    with gzip.open(partial, "wb", compresslevel=5) as stream:
        for start in range(0, len(iris), CHUNK):
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for iri in iris[start:start + CHUNK]
                       for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iri))]
            stream.write(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))
    partial.replace(target)


def write_reference_dump(store: ox.Store, target: Path) -> None:
    partial = target.with_suffix(".partial")
    with gzip.open(partial, "wb", compresslevel=5) as stream:
        for graph in sorted(iter_reference_graph_names(store.named_graphs()), key=lambda g: g.value):
            stream.write(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).replace(
                b" .\n", f" <{graph.value}> .\n".encode()))
    partial.replace(target)


def write_open_data_dumps(registry: Registry, root: Path, generation: str) -> list[DumpFile]:
    """Per-municipality and reference dumps under ``root/dumps`` (stale municipality dumps are
    removed), then the manifest of every dump there; ``registry.nq.gz`` and ``history.nq.gz``
    must be written already."""
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
    files += [describe_file(root, municipality_dump(code), "municipality", TURTLE, code) for code in groups]
    write_manifest(root, files, generation)
    return files
