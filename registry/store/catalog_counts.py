"""The VoID figures and the catalog's first and last dates, read from the monitor aggregates the
writer keeps with every write (``monitor_index``, the per-passport figures of ``void_facts``),
never from a scan of the store: sums over the total rows (one per municipality, one per
municipality and class or property) and two index seeks per municipality for the dates and one
for the example resource.

Each function gives None when the aggregates do not match the store as the last write left it
(missing, dirty while a write is applied, of another schema): the caller uses the saved queries
(``sparql/void-*.rq``, ``sparql/catalog-temporal-coverage.rq``), which stay the reference
(tests/opendata/test_catalog_counts.py compares the two).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from registry.store.monitor_index import MONITOR_FILE, MonitorIndex
from registry.store.sidecar import open_fresh
from registry.store.void_facts import CLASS, read_partitions


@dataclass
class VoidTotals:
    """The VoID figures of one municipality's passport graphs (``municipality`` "": the region)."""

    municipality: str = ""
    triples: int = 0
    subjects: int = 0
    entities: int = 0
    example: str = ""
    classes: dict[str, int] = field(default_factory=dict)  # class -> entities
    properties: dict[str, int] = field(default_factory=dict)  # property -> triples


def void_totals(data_dir: Path, base: str) -> dict[str, VoidTotals] | None:
    """The figures per municipality IRI with passports, and the region's under ``""`` (absent when
    there are no passports); the region's partitions are the sums of the municipalities'."""
    conn = open_fresh(Path(data_dir) / MONITOR_FILE, MonitorIndex.SCHEMA_VERSION, base)
    if conn is None:
        return None
    out: dict[str, VoidTotals] = {}
    region = VoidTotals()
    try:
        for muni, triples, subjects, entities in conn.execute(
                "SELECT municipality, triples, subjects, entities FROM t_passport"):
            region.triples += triples
            region.subjects += subjects
            region.entities += entities
            if muni:
                (example,) = conn.execute("SELECT MIN(iri) FROM passport WHERE municipality = ?", (muni,)).fetchone()
                out[muni] = VoidTotals(muni, triples, subjects, entities, example or "")
        region.example = conn.execute("SELECT MIN(iri) FROM passport").fetchone()[0] or ""
        for muni, parts in conn.execute("SELECT municipality, parts FROM t_partition"):
            found = out.get(muni)
            if found is None:
                continue
            for kind, term, n in read_partitions(parts):
                mine, theirs = ((found.classes, region.classes) if kind == CLASS
                                else (found.properties, region.properties))
                mine[term] = n
                theirs[term] = theirs.get(term, 0) + n
    finally:
        conn.close()
    if region.triples:
        out[""] = region
    return out


def temporal_coverage(data_dir: Path, base: str) -> dict[str, tuple[str, str]] | None:
    """Per municipality IRI the first ``dcterms:created`` and the last ``dcterms:modified`` of its
    current passports (those that have both), as ``catalog-temporal-coverage.rq`` gives them."""
    conn = open_fresh(Path(data_dir) / MONITOR_FILE, MonitorIndex.SCHEMA_VERSION, base)
    if conn is None:
        return None
    out = {}
    try:
        for (muni,) in conn.execute("SELECT municipality FROM t_passport").fetchall():
            first = conn.execute("SELECT created FROM passport WHERE municipality = ? AND created_key IS NOT NULL "
                                 "ORDER BY created_key LIMIT 1", (muni,)).fetchone()
            last = conn.execute("SELECT modified FROM passport WHERE municipality = ? AND modified_key IS NOT NULL "
                                "ORDER BY modified_key DESC LIMIT 1", (muni,)).fetchone()
            if muni and first is not None and last is not None:
                out[muni] = (first[0], last[0])
    finally:
        conn.close()
    return out


__all__ = ["VoidTotals", "temporal_coverage", "void_totals"]
