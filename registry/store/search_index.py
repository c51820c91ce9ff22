"""The search index: SQLite FTS5 (Python's standard library) in one file, ``DATA/search.sqlite``.

What it holds: one row per current passport (``passport``: municipality, object kind, phase, names,
release year, mass, a point for the map, the main materials, the R-strategies; the serial number
of the transaction that wrote it), the ids of removed rows (``removed``), and five full-text
columns (``passport_text``: place, identifiers, object kind, materials, names) tokenized
with ``unicode61 remove_diacritics 2`` (accents folded: "Hengélo" finds Hengelo) and prefix
indexes. Kind and material columns hold every Dutch and English label and synonym from
``ontology/``, so "beton" and "concrete" find the same passports.

How it follows writes: the writer (``store.writer.BatchWriter``, the only process that writes the
store) marks the index *dirty* before a store commit, and after the commit puts the new versions'
rows and removes retired passports in one SQLite transaction that marks it *clean* again; the
store's generation is bumped before that, so a reader that sees a row can read its passport. The
facts of a row come from the document being written (``search_facts``), not from the store, so a
write costs well under a millisecond per passport. Readers (the server's threads, page worker
processes) only read: SQLite's write-ahead log lets them read while the writer writes, and each
query sees the last committed state, so no reader has to reopen anything after a write.

Rebuilt from the store when the writer opens it (``Registry.open``) and finds it missing, dirty
(a process died between a store commit and the index update), of another schema, base IRI or
reference data (labels changed in ``ontology/``): one transaction, so readers see the old
index until the new one is complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from registry.model.terms import Terms
from registry.store.search_facts import PassportFacts, passport_facts
from registry.store.sidecar import Sidecar, connect

INDEX_FILE = "search.sqlite"
SCHEMA_VERSION = "4"  # 3: the location from the CRS84 centre, RD New geometries too; 4: one kind by IRI
# The full-text columns; a word found in the first two (municipality, identifiers) ranks higher.
COLUMNS = ("place", "ident", "kind", "material", "names")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passport (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, municipality TEXT NOT NULL, kind TEXT NOT NULL,
  phase TEXT NOT NULL, identifier TEXT NOT NULL, name_nl TEXT NOT NULL, name_en TEXT NOT NULL,
  release_year INTEGER, mass_kg REAL, lat REAL, lon REAL, materials TEXT NOT NULL,
  rstrategies TEXT NOT NULL, serial INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS passport_serial ON passport (serial);
CREATE TABLE IF NOT EXISTS removed (id INTEGER PRIMARY KEY, serial INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS passport_text USING fts5(
  {", ".join(COLUMNS)}, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6',
  detail = column);
"""
# A write does not merge full-text segments itself: FTS5's ``automerge`` (a pause of 10-30 ms every
# few writes) is off, and its ``crisismerge`` (a forced merge inside the write that finds this many
# segments on one level) is raised far above what the upkeep thread lets pile up; that thread
# merges them in steps of MERGE_PAGES pages (``Sidecar._upkeep_step``).
NO_AUTOMERGE = ("INSERT INTO passport_text (passport_text, rank) VALUES ('automerge', 0)",
                "INSERT INTO passport_text (passport_text, rank) VALUES ('crisismerge', 256)")
MERGE_PAGES = 16


OLD_TABLES = ("passport_text", "passport", "passport_material", "passport_rstrategy", "removed", "meta")


def index_path(data_dir: Path) -> Path:
    return Path(data_dir) / INDEX_FILE


class SearchIndex(Sidecar):
    """The writer's handle of the index (one per writable ``Registry``; the protocol it follows
    with the monitor aggregates is ``sidecar.Sidecar``)."""

    FILE = INDEX_FILE
    SCHEMA_VERSION = SCHEMA_VERSION
    SCHEMA = SCHEMA
    TABLES = OLD_TABLES
    CLEARED = ("passport", "removed", "passport_text")

    def _migrate(self) -> None:
        super()._migrate()
        for statement in NO_AUTOMERGE:
            self.conn.execute(statement)

    def _upkeep_step(self) -> bool:
        """Merge full-text segments, about MERGE_PAGES pages; True when it found work (FTS5 changes
        more than one row then)."""
        before = self.conn.total_changes
        self.conn.execute("INSERT INTO passport_text (passport_text, rank) VALUES ('merge', ?)", (MERGE_PAGES,))
        return self.conn.total_changes - before >= 2

    @staticmethod
    def derive_facts(iri: str, triples: Iterable[ox.Triple | ox.Quad], terms: Terms) -> PassportFacts | None:
        return passport_facts(iri, triples, terms)

    def _delete(self, iri: str, serial: int) -> None:
        row = self.conn.execute("SELECT id FROM passport WHERE iri = ?", (iri,)).fetchone()
        if row is None:
            return
        self.conn.execute("DELETE FROM passport WHERE id = ?", row)
        self.conn.execute("DELETE FROM passport_text WHERE rowid = ?", row)
        self.conn.execute("INSERT OR REPLACE INTO removed VALUES (?, ?)", (row[0], serial))

    def _insert(self, f: PassportFacts, serial: int) -> None:
        names = f.names
        name_nl = names.get("nl") or names.get("") or next(iter(names.values()), f.identifier)
        name_en = names.get("en") or name_nl
        materials = json.dumps([[k, None if kg is None else round(kg, 3)] for k, kg in f.main_materials()])
        cur = self.conn.execute(
            "INSERT INTO passport (iri, municipality, kind, phase, identifier, name_nl, name_en, "
            "release_year, mass_kg, lat, lon, materials, rstrategies, serial) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (f.iri, f.municipality, f.kind, f.phase, f.identifier, name_nl, name_en, f.release_year,
             f.mass_kg, f.lat, f.lon, materials, json.dumps(sorted(f.rstrategies)), serial))
        self.conn.execute(f"INSERT INTO passport_text (rowid, {', '.join(COLUMNS)}) "
                          "VALUES (?,?,?,?,?,?)", (cur.lastrowid, *f.text_columns(self.terms)))


__all__ = ["COLUMNS", "INDEX_FILE", "SearchIndex", "connect", "index_path"]
