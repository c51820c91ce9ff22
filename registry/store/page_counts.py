"""The pages' whole-store counts read from the sidecar indexes the writer keeps with every write
(``sidecar``), never from a scan of the store: a figure is a sum over a few thousand total rows,
whatever the number of passports.

* passports per municipality: ``t_passport`` of the monitor aggregates (``monitor_totals``);
* passports per municipality and object kind: ``t_kind`` (one kind per passport,
  ``search_facts.object_kind``, as the search index files it);
* per municipality and material: passports, quantity records, records with a mass and the mass
  (``t_material``);
* uses of each value of a property of ``monitor_facts.COUNTED``: ``t_use`` (the statements in the
  current passports' graphs);
* the latest versions written: the last events of the change feed (``feed_index``), their time and
  agent read from the provenance graph by IRI (a few index lookups).

Each function gives None when a sidecar does not match the store as the last write left it
(missing, dirty while a write is applied, of another schema): the caller uses the saved queries
(``sparql/page-*.rq``), which stay the reference (tests/views/test_page_counts.py compares the two).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from registry.model.vocab import PASSPORT_VERSION, RDF_TYPE
from registry.store.feed_index import FEED_FILE, VERSION, FeedIndex
from registry.store.monitor_facts import COUNTED
from registry.store.monitor_index import MONITOR_FILE, MonitorIndex
from registry.store.provenance import ATTRIBUTED_TO, GENERATED_AT
from registry.store.sidecar import open_fresh

RECENT = 12  # versions on the home page (as sparql/page-recent-changes.rq: LIMIT 12)


@dataclass
class PageCounts:
    by_municipality: dict[str, int] = field(default_factory=dict)
    by_municipality_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    # material -> municipality -> (passports, records, records with a mass, mass in kg)
    materials: dict[str, dict[str, tuple[int, int, int, float]]] = field(default_factory=dict)


def has_sidecars(data_dir: Path) -> bool:
    """Whether the data directory has the sidecar files the counts are read from (in any state)."""
    return all((Path(data_dir) / name).exists() for name in (MONITOR_FILE, FEED_FILE))


def _monitor(data_dir: Path, base: str) -> sqlite3.Connection | None:
    return open_fresh(Path(data_dir) / MONITOR_FILE, MonitorIndex.SCHEMA_VERSION, base)


def page_counts(data_dir: Path, base: str) -> PageCounts | None:
    """The counts of the home, municipality, kind and material pages (one read transaction)."""
    conn = _monitor(data_dir, base)
    if conn is None:
        return None
    counts = PageCounts()
    try:
        counts.by_municipality = dict(conn.execute("SELECT municipality, passports FROM t_passport"))
        for muni, kind, n in conn.execute("SELECT municipality, kind, passports FROM t_kind"):
            counts.by_municipality_kind.setdefault(muni, {})[kind] = n
        for muni, material, passports, records, with_mass, grams in conn.execute(
                "SELECT municipality, material, passports, quantities, with_mass, grams FROM t_material"):
            counts.materials.setdefault(material, {})[muni] = (passports, records, with_mass, grams / 1000)
    finally:
        conn.close()
    return counts


def value_uses(data_dir: Path, base: str, predicate: str) -> dict[str, int] | None:
    """How many statements of the current passports have each value (an IRI) of ``predicate``;
    None when the aggregates do not keep it (not in ``COUNTED``) or do not match the store."""
    if predicate not in COUNTED:
        return None
    conn = _monitor(data_dir, base)
    if conn is None:
        return None
    try:
        return dict(conn.execute("SELECT value, SUM(uses) FROM t_use WHERE predicate = ? GROUP BY value "
                                 "HAVING SUM(uses) > 0", (predicate,)))
    finally:
        conn.close()


def recent_versions(data_dir: Path, base: str, store: ox.Store, provenance: ox.NamedNode,
                    limit: int = RECENT) -> list[dict] | None:
    """The ``limit`` versions written last, newest first (commit order), as
    ``sparql/page-recent-changes.rq`` gives them: version and passport IRI, number, time, agent."""
    conn = open_fresh(Path(data_dir) / FEED_FILE, FeedIndex.SCHEMA_VERSION, base)
    if conn is None:
        return None
    try:
        events = conn.execute("SELECT passport, version FROM event WHERE kind = ? ORDER BY seq DESC LIMIT ?",
                              (VERSION, limit)).fetchall()
    finally:
        conn.close()
    out = []
    for passport, number in events:
        version = f"{passport}/v/{number}"
        found: dict[ox.NamedNode, ox.Term] = {}
        for quad in store.quads_for_pattern(ox.NamedNode(version), None, None, provenance):  # one lookup
            if quad.predicate == RDF_TYPE and quad.object != PASSPORT_VERSION:
                continue
            found.setdefault(quad.predicate, quad.object)
        if RDF_TYPE in found and GENERATED_AT in found:
            agent = found.get(ATTRIBUTED_TO)
            out.append({"version": version, "passport": passport, "number": number,
                        "generated": found[GENERATED_AT].value, "agent": agent.value if agent is not None else ""})
    return out


__all__ = ["COUNTED", "RECENT", "PageCounts", "has_sidecars", "page_counts", "recent_versions", "value_uses"]
