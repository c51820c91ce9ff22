"""The monitor aggregates: per-passport indicator facts in SQLite, ``DATA/monitor.sqlite``.

The second implementation of the sidecar protocol (``sidecar.Sidecar``; the first is the search
index): the writer marks the file dirty before a store commit and applies the new versions' rows
after it; a missing, dirty or outdated file is rebuilt at opening. ``passports valuate`` adds its
records the same way (:meth:`MonitorIndex.add_records`, dirty-marked before the bulk load).

Tables (``monitor_figures`` answers the indicators from them, with the saved queries' columns):

* ``passport``: each current passport: municipality, construction year, object kind (one:
  ``search_facts.object_kind``), the uses of the values of ``monitor_facts.COUNTED`` (JSON:
  ``[[property, value, statements], ...]``), its mass in grams (the sum of its quantities' ``mp:massKg``) and ``latest``, the key of its latest valuation as the saved queries
  choose it (``MAX("date amount")`` over the valuations the passport records and the records of
  ``passports valuate``), and that amount exactly as three integers (``la_units``, ``la_high``, ``la_low``);
  the VoID figures of its graph (``v_triples``, ``v_subjects``, ``v_entities``, the partitions as
  JSON ``[[kind, term, n], ...]`` in ``parts``) and its ``created``/``modified`` with their sort
  keys (``void_facts``; indexed per municipality: the catalog's first and last date are two seeks);
* ``quantity``: each material quantity: material, grams, R-strategy, detachability index,
  release year and quality, and its origin as recorded (``monitor_facts``);
* ``material``: per passport and material: grams, quantities, quantities with a mass, and the
  passport's value shared by mass (``amount × material mass / passport mass``, truncated to 18
  decimals as the store's decimal division does), held exactly as three integers (units,
  then two groups of nine decimals) so that SQL sums stay exact;
* ``valuation``: the dates (and amounts) of every valuation of a passport: recorded in it
  (``record`` empty, replaced with each version) or a record of ``passports valuate`` (kept);
* ``release_object``: per passport, release year, material and quality: grams and quantities
  without a mass, keyed in the order of ``indicator-release-forecast-objects`` (release year,
  municipality, passport IRI, material, quality), so that a page of that list is one index seek
  (``monitor_lists``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

import pyoxigraph as ox

from registry.model.terms import Terms, get_terms
from registry.model.valuation import Quantity
from registry.model.vocab import CURRENT_VERSION, DCTERMS, MP
from registry.store.monitor_facts import (
    MonitorFacts,
    canonical_decimal,
    divide,
    join_exact,
    monitor_facts,
    split_exact,
)
from registry.store.monitor_mci import object_mci, rounded
from registry.store.monitor_totals import TOTAL_TABLES, Totals, schema
from registry.store.search_facts import object_kind
from registry.store.sidecar import Sidecar
from registry.store.valuation_inputs import decode_inputs
from registry.store.void_facts import PARTITIONS_SCHEMA, Partitions, decode_parts, encode_parts, with_managed

MONITOR_FILE = "monitor.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passport (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, municipality TEXT NOT NULL, grams INTEGER NOT NULL,
  built INTEGER, latest TEXT, serial INTEGER NOT NULL, object TEXT, wkt TEXT, la_units INTEGER NOT NULL DEFAULT 0,
  la_high INTEGER NOT NULL DEFAULT 0, la_low INTEGER NOT NULL DEFAULT 0, kind TEXT, uses TEXT,
  v_triples INTEGER NOT NULL DEFAULT 0, v_subjects INTEGER NOT NULL DEFAULT 0, v_entities INTEGER NOT NULL DEFAULT 0,
  parts TEXT, created TEXT, created_key TEXT, modified TEXT, modified_key TEXT, version TEXT, inputs TEXT);
CREATE INDEX IF NOT EXISTS passport_municipality ON passport (municipality, iri);
CREATE INDEX IF NOT EXISTS passport_created ON passport (municipality, created_key) WHERE created_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS passport_modified ON passport (municipality, modified_key) WHERE modified_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS quantity (
  passport INTEGER NOT NULL, municipality TEXT NOT NULL, material TEXT, grams INTEGER, strategy TEXT NOT NULL,
  detachability TEXT, release_year INTEGER, quality TEXT NOT NULL, life_cycle TEXT, nature TEXT, origin TEXT,
  phase TEXT, recycled TEXT);
CREATE INDEX IF NOT EXISTS quantity_passport ON quantity (passport);
CREATE INDEX IF NOT EXISTS quantity_release ON quantity (release_year);
CREATE TABLE IF NOT EXISTS material (
  passport INTEGER NOT NULL, municipality TEXT NOT NULL, material TEXT NOT NULL, grams INTEGER NOT NULL,
  quantities INTEGER NOT NULL, with_mass INTEGER NOT NULL, v_units INTEGER NOT NULL, v_high INTEGER NOT NULL,
  v_low INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS material_passport ON material (passport);
CREATE TABLE IF NOT EXISTS mci (
  passport INTEGER PRIMARY KEY, iri TEXT NOT NULL, object TEXT NOT NULL, municipality TEXT NOT NULL,
  grams INTEGER NOT NULL, virgin TEXT, waste TEXT, lfi REAL, lifetime INTEGER, average TEXT, utility REAL NOT NULL,
  mci REAL, w_units INTEGER NOT NULL, w_high INTEGER NOT NULL, w_low INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS mci_municipality ON mci (municipality, iri);
CREATE INDEX IF NOT EXISTS mci_iri ON mci (iri);
CREATE TABLE IF NOT EXISTS valuation (
  passport TEXT NOT NULL, date TEXT NOT NULL, amount TEXT, record TEXT);
CREATE INDEX IF NOT EXISTS valuation_passport ON valuation (passport, date);
CREATE UNIQUE INDEX IF NOT EXISTS valuation_record ON valuation (record) WHERE record IS NOT NULL;
CREATE TABLE IF NOT EXISTS release_object (
  release_year INTEGER NOT NULL, municipality TEXT NOT NULL, iri TEXT NOT NULL, material TEXT NOT NULL,
  quality TEXT NOT NULL, passport INTEGER NOT NULL, grams INTEGER NOT NULL, without INTEGER NOT NULL,
  PRIMARY KEY (release_year, municipality, iri, material, quality)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS release_object_passport ON release_object (passport);
""" + schema() + "\n" + PARTITIONS_SCHEMA


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else canonical_decimal(format(value, "f"))


def latest_amount(latest: str | None) -> Decimal | None:
    if not latest:
        return None
    text = latest.partition(" ")[2]
    return Decimal(text) if text else None


class MonitorIndex(Sidecar):
    """The writer's handle of the monitor aggregates (one per writable ``Registry``)."""

    FILE = MONITOR_FILE
    SCHEMA_VERSION = "11"  # 8: the passport's object kind and uses of values (the pages' counts); 9: release_object;
    # 10: the VoID figures and dates of each passport graph (``void_facts``) and ``t_partition``;
    # 11: what ``valuate`` reads of each passport (its ``version`` and ``inputs``)
    SCHEMA = SCHEMA
    TABLES = ("passport", "quantity", "material", "mci", "valuation", "release_object", "meta", "t_partition",
              *TOTAL_TABLES)
    CLEARED = ("passport", "quantity", "material", "mci", "valuation", "release_object", "t_partition",
               *TOTAL_TABLES)

    _totals: Totals  # the totals' contributions of the transaction under way (``_rows_started``)

    @staticmethod
    def derive_facts(iri: str, triples: Iterable[ox.Triple | ox.Quad], terms: Terms) -> MonitorFacts | None:
        return monitor_facts(iri, triples)

    @staticmethod
    def managed(facts: MonitorFacts, statements: list[ox.Triple | ox.Quad]) -> None:
        """The registry's managed triples of the new version ``facts`` is of (``Sidecar.managed``)."""
        facts.stored = with_managed(facts.void, facts.iri, statements)
        facts.version = next((t.object.value for t in statements if t.predicate == CURRENT_VERSION), facts.version)

    def _rows_started(self) -> None:
        self._totals = Totals()
        self._uses = (Counter(), Counter())  # the uses of the passports added, of those taken away
        self._partitions = Partitions()

    def _rows_done(self) -> None:
        for sign, uses in zip((1, -1), self._uses, strict=True):
            self._totals.add_rows("t_use", ((p, v, n) for (p, v), n in uses.items()), sign)
        self._totals.write(self.conn)
        self._partitions.write(self.conn)

    def _delete(self, iri: str, serial: int) -> None:
        conn = self.conn
        found = conn.execute("SELECT id, uses, municipality, parts FROM passport WHERE iri = ?", (iri,)).fetchone()
        row = found[:1] if found is not None else None
        if row is not None:
            self._totals.add(conn, row[0], -1)
            self._uses[1].update({(p, v): n for p, v, n in json.loads(found[1] or "[]")})
            self._partitions.add(found[2], decode_parts(found[3]), -1)
        conn.execute("DELETE FROM valuation WHERE passport = ? AND record IS NULL", (iri,))
        if row is None:
            return
        for table in ("quantity", "material", "mci", "release_object"):
            conn.execute(f"DELETE FROM {table} WHERE passport = ?", row)
        conn.execute("DELETE FROM passport WHERE id = ?", row)

    def _insert(self, f: MonitorFacts, serial: int) -> None:
        conn = self.conn
        total = sum(q.grams or 0 for q in f.quantities)
        conn.executemany("INSERT INTO valuation VALUES (?, ?, ?, NULL)",
                         ((f.iri, when, amount) for when, amount in f.valuations))
        vf = f.stored or f.void
        cur = conn.execute("INSERT INTO passport (iri, municipality, grams, built, latest, serial, object, wkt, kind, "
                           "uses, v_triples, v_subjects, v_entities, parts, created, created_key, modified, "
                           "modified_key, version, inputs) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           (f.iri, f.municipality, total, f.built, None, serial, f.obj, f.wkt,
                            object_kind(f.kinds, self.terms.object_kinds) or None,
                            json.dumps([[p, v, n] for (p, v), n in f.uses.items()]) if f.uses else None,
                            vf.triples, vf.subjects, vf.entities,
                            encode_parts(vf.parts),
                            vf.created, vf.created_key, vf.modified, vf.modified_key, f.version,
                            f.inputs))
        pid = cur.lastrowid
        conn.executemany("INSERT INTO quantity VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         ((pid, f.municipality, q.material, q.grams, q.strategy, q.detachability, q.release_year,
                           q.quality, q.life_cycle, q.nature, q.origin, q.phase, q.recycled) for q in f.quantities))
        materials: dict[str, list[int]] = {}
        for q in f.quantities:
            if q.material is not None:
                m = materials.setdefault(q.material, [0, 0, 0])
                m[0] += q.grams or 0
                m[1] += 1
                m[2] += q.grams is not None
        conn.executemany("INSERT INTO material VALUES (?,?,?,?,?,?,0,0,0)",
                         ((pid, f.municipality, k, *v) for k, v in materials.items()))
        releases: dict[tuple, list[int]] = {}
        for q in f.quantities:
            if q.material is not None and q.release_year is not None:
                r = releases.setdefault((q.release_year, q.material, q.quality), [0, 0])
                r[0] += q.grams or 0
                r[1] += q.grams is None
        conn.executemany("INSERT INTO release_object VALUES (?,?,?,?,?,?,?,?)",
                         ((year, f.municipality, f.iri, material, quality, pid, *v)
                          for (year, material, quality), v in releases.items()))
        mci = object_mci(f, get_terms())
        if mci is not None:
            weighted = (rounded(mci.mci) or Decimal(0)) * mci.mass  # exact: 9 decimals x 3
            conn.execute("INSERT INTO mci VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (
                pid, f.iri, f.obj, f.municipality, int(mci.mass * 1000), _opt(mci.virgin), _opt(mci.waste), mci.lfi,
                mci.lifetime, mci.average_lifetime, mci.utility, mci.mci, *split_exact(weighted)))
        self._revalue(f.iri, adjust=False)
        self._totals.add(conn, pid, 1)
        self._uses[0].update(f.uses)
        self._partitions.add(f.municipality, vf.parts.items(), 1)

    def _revalue(self, iri: str, *, adjust: bool = True, row: tuple[int, int] | None = None) -> None:
        """The latest valuation of passport ``iri`` and its share per material, again (``adjust``:
        and in the totals, which then hold the passport's contribution). ``row``: the passport's id
        and grams, read by a caller that adjusts the totals itself."""
        conn = self.conn
        given = row is not None
        if not given:
            row = conn.execute("SELECT id, grams FROM passport WHERE iri = ?", (iri,)).fetchone()
            if row is None:
                return
        adjust = adjust and not given
        pid, total = row
        if adjust:
            self._totals.add(conn, pid, -1, ("t_material", "t_value"))
        keys = [f"{d} {a}" for d, a in conn.execute(
            "SELECT date, amount FROM valuation WHERE passport = ? AND amount IS NOT NULL", (iri,))]
        if not keys and not adjust and not given:
            return  # a passport just inserted without valuations keeps the defaults (no value)
        latest = max(keys) if keys else None
        amount = latest_amount(latest)
        conn.execute("UPDATE passport SET latest = ?, la_units = ?, la_high = ?, la_low = ? WHERE id = ?",
                     (latest, *split_exact(amount or Decimal(0)), pid))
        conn.executemany(
            "UPDATE material SET v_units = ?, v_high = ?, v_low = ? WHERE passport = ? AND material = ?",
            [(*split_exact((None if amount is None else divide(amount * Decimal(grams_) / 1000,
                                                               Decimal(total) / 1000)) or Decimal(0)), pid, material)
             for material, grams_ in conn.execute("SELECT material, grams FROM material WHERE passport = ?",
                                                  (pid,)).fetchall()])
        if adjust:
            self._totals.add(conn, pid, 1, ("t_material", "t_value"))

    def _add_valuations(self, rows: Iterable[tuple[str, str, str | None, str]]) -> None:
        """Valuation rows (passport, date, canonical amount, record) beside the passports' own,
        with the latest valuations and the totals of the passports they value again."""
        conn = self.conn
        by_passport: dict[str, list] = {}
        for row in rows:
            by_passport.setdefault(row[0], []).append(row)
        changed = ("t_valued", "t_material", "t_value")
        for passport, found in by_passport.items():
            row = conn.execute("SELECT id, grams FROM passport WHERE iri = ?", (passport,)).fetchone()
            if row is not None:
                self._totals.add(conn, row[0], -1, changed)
            conn.executemany("INSERT OR REPLACE INTO valuation VALUES (?, ?, ?, ?)", found)
            if row is not None:
                self._revalue(passport, row=row)
                self._totals.add(conn, row[0], 1, changed)

    def fresh(self) -> bool:
        """True when the rows are those of the store as it is (no write under way or missed)."""
        return not self._dirty and not self.missed and self.is_fresh()

    def inputs(self, iris: list[str]) -> dict[str, tuple[str | None, str, dict[str, Quantity] | None]]:
        """What ``valuate`` reads of each passport of ``iris`` the aggregates count: (version, municipality,
        quantities by IRI; None: read them from the store), each passport's as one write left it."""
        out: dict[str, tuple[str | None, str, dict[str, Quantity] | None]] = {}
        with self._lock:
            for start in range(0, len(iris), 500):
                part = iris[start:start + 500]
                rows = self.conn.execute("SELECT iri, version, municipality, inputs FROM passport "
                                         f"WHERE iri IN ({','.join('?' * len(part))})", part).fetchall()
                for iri, version, where, inputs in rows:
                    out[iri] = version, where, decode_inputs(inputs, self.base)
        return out

    def add_records(self, records: Iterable[tuple[str, str, str, str]], clean: bool = True) -> None:
        """Valuation records (record IRI, passport IRI, date, amount) that ``passports valuate``
        stored: one transaction that marks the file clean (call :meth:`mark_dirty` before the
        store write); ``clean`` False: it stays marked dirty (more records of the run will follow)."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._rows_started()
                self._add_valuations((passport, when, canonical_decimal(amount), record)
                                     for record, passport, when, amount in records)
                self._rows_done()
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('state', ?)",
                             (self._state_after() if clean else "dirty",))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._dirty = self.missed or not clean

    def _rebuild_extra(self, store: ox.Store) -> None:
        """Valuation records in other graphs than the passports' (``?r mp:valuationOf ?p``, as the
        saved queries read them), then every passport's latest valuation again."""
        passport_prefix = f"{self.base}id/passport/"
        rows = []
        for quad in store.quads_for_pattern(None, ox.NamedNode(MP + "valuationOf"), None, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value.startswith(passport_prefix):
                continue
            dates = store.quads_for_pattern(quad.subject, ox.NamedNode(DCTERMS + "date"), None, graph)
            amounts = [q.object.value for q in store.quads_for_pattern(quad.subject, ox.NamedNode(MP + "amount"),
                                                                       None, graph)]
            for when in dates:
                rows.append((quad.object.value, when.object.value,
                             canonical_decimal(amounts[0]) if amounts else None, quad.subject.value))
        self._add_valuations(rows)


__all__ = ["MONITOR_FILE", "MonitorIndex", "divide", "join_exact", "latest_amount", "split_exact"]
