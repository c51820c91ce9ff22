"""Reading the search index (``search_index``): results, counts per filter value, map points.

Full text is matched by FTS5; filters, counts, sorting and paging work on columns every process
keeps in memory (numpy arrays indexed by row id: municipality, kind, phase, release year, mass,
location, materials, R-strategies), so a word found in 90,000 passports costs one pass of FTS5
and a few vector operations, not a join per row. The columns follow the index: each search
reads the index's ``epoch`` (changed by a rebuild: read everything again) and ``serial`` (moved
by every write: read the rows of later serials and the ids removed since).

The person's text never reaches FTS5 as syntax: it is cut into words (letters and digits), each
word becomes a quoted prefix term (``"bet"*``), and the words are combined with AND; quotes,
``*``, ``-``, ``:``, ``NEAR``, ``OR`` and brackets are plain text or separators. Relevance: a word
found in the municipality or identifier columns counts (``Enschede`` the municipality before
a street named after it), then the order in which passports were indexed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from registry.store.search_index import connect, index_path

MAX_WORDS = 12
MAX_WORD = 40
SORTS = ("relevance", "title", "release", "mass")
FACETS = ("municipality", "kind", "material", "phase", "rstrategy", "release")
CODED = ("municipality", "kind", "phase")
SETS = ("material", "rstrategy")
_WORD = re.compile(r"\w+")
_ROW = ("id", "iri", "municipality", "kind", "phase", "identifier", "name_nl", "name_en", "release_year",
        "mass_kg", "lat", "lon", "materials")
POINT = ("id", "iri", "kind", "name_nl", "name_en", "lat", "lon")  # what the map shows of a result


@dataclass(frozen=True)
class SearchQuery:
    """What to find: text and filters (local names: GM0153, Kerb, concrete, R3, management)."""

    text: str = ""
    municipality: str = ""
    kind: str = ""
    material: str = ""
    phase: str = ""
    rstrategy: str = ""
    release_from: int | None = None
    release_to: int | None = None
    sort: str = "relevance"
    lang: str = "nl"


def _words(text: str) -> list[str]:
    return [w[:MAX_WORD] for w in _WORD.findall(text.replace("_", " "))][:MAX_WORDS]


def match_expression(text: str, columns: str = "") -> str | None:
    """The FTS5 query of a person's text: every word, quoted, as a prefix (None: no words);
    ``columns`` (``"{place ident}"``) limits each word to those columns."""
    words = _words(text)
    if not words:
        return None
    scope = f"{columns} : " if columns else ""
    return " AND ".join(f'{scope}"{w}"*' for w in words)


class Columns:
    """The filter and sort columns of every row of the index, in memory, by row id."""

    def __init__(self) -> None:
        self.epoch: str | None = None
        self.serial = -1
        self.lock = threading.Lock()
        self._names: dict[str, tuple[int, np.ndarray]] = {}
        self._allocate(0)

    def _allocate(self, size: int) -> None:
        self.codes: dict[str, dict[str, int]] = {f: {} for f in (*CODED, *SETS)}
        self.valid = np.zeros(size, bool)
        self.coded = {f: np.zeros(size, np.int32) for f in CODED}
        self.sets = {f: np.zeros((size, 0), bool) for f in SETS}
        self.year = np.zeros(size, np.int32)
        self.mass = np.full(size, np.nan)
        self.lat = np.full(size, np.nan)
        self.names: list[list[str]] = [[""] * size, [""] * size]

    def _grow(self, size: int) -> None:
        old = len(self.valid)
        if size <= old:
            return
        size = max(size, old * 2)
        extra = size - old
        self.valid = np.concatenate([self.valid, np.zeros(extra, bool)])
        self.coded = {f: np.concatenate([a, np.zeros(extra, np.int32)]) for f, a in self.coded.items()}
        self.sets = {f: np.vstack([a, np.zeros((extra, a.shape[1]), bool)]) for f, a in self.sets.items()}
        self.year = np.concatenate([self.year, np.zeros(extra, np.int32)])
        self.mass = np.concatenate([self.mass, np.full(extra, np.nan)])
        self.lat = np.concatenate([self.lat, np.full(extra, np.nan)])
        for names in self.names:
            names.extend([""] * extra)

    def _code(self, facet: str, value: str) -> int:
        codes = self.codes[facet]
        if value not in codes:
            codes[value] = len(codes)
            if facet in SETS:
                sets = self.sets[facet]
                self.sets[facet] = np.hstack([sets, np.zeros((len(sets), 1), bool)])
        return codes[value]

    def refresh(self, conn: sqlite3.Connection) -> None:
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('epoch', 'serial')"))
        epoch, serial = meta.get("epoch"), int(meta.get("serial") or 0)
        if epoch == self.epoch and serial == self.serial:
            return
        with self.lock:
            if epoch == self.epoch and serial == self.serial:
                return  # another thread read them meanwhile
            if epoch != self.epoch:
                size = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM passport").fetchone()[0]
                self._allocate(size)
                self._read(conn.execute("SELECT id, municipality, kind, phase, release_year, mass_kg, lat, "
                                        "materials, rstrategies, name_nl, name_en FROM passport"))
            elif serial != self.serial:
                for (rid,) in conn.execute("SELECT id FROM removed WHERE serial > ?", (self.serial,)):
                    if rid < len(self.valid):
                        self.valid[rid] = False
                self._read(conn.execute("SELECT id, municipality, kind, phase, release_year, mass_kg, lat, "
                                        "materials, rstrategies, name_nl, name_en FROM passport "
                                        "WHERE serial > ?", (self.serial,)))
            self.epoch, self.serial = epoch, serial
            self._names.clear()

    def _read(self, rows) -> None:
        for rid, municipality, kind, phase, year, mass, lat, materials, rstrategies, nl, en in rows:
            self._grow(rid + 1)
            self.valid[rid] = True
            for facet, value in (("municipality", municipality), ("kind", kind), ("phase", phase)):
                self.coded[facet][rid] = self._code(facet, value)
            for facet, values in (("material", [m for m, _ in json.loads(materials)]),
                                  ("rstrategy", json.loads(rstrategies))):
                row = self.sets[facet][rid]
                row[:] = False
                for value in values:
                    code = self._code(facet, value)
                    self.sets[facet][rid, code] = True
            self.year[rid] = year or 0
            self.mass[rid] = np.nan if mass is None else mass
            self.lat[rid] = np.nan if lat is None else lat
            self.names[0][rid], self.names[1][rid] = nl.lower(), en.lower()

    def snapshot(self) -> Snapshot:
        """The arrays as they are now: a refresh in another thread replaces arrays that grow and
        adds codes, so a search works on what it took here (at most one write behind)."""
        with self.lock:
            return Snapshot(self.valid, dict(self.coded), dict(self.sets), self.year, self.mass, self.lat,
                            {f: dict(c) for f, c in self.codes.items()}, self)

    def name_rank(self, lang: str) -> np.ndarray:
        """Each row's place in the order of names (computed once per serial and language)."""
        with self.lock:
            found = self._names.get(lang)
            if found is None or found[0] != self.serial:
                names = self.names[1 if lang == "en" else 0]
                rank = np.empty(len(names), np.int64)
                rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
                found = self._names[lang] = (self.serial, rank)
            return found[1]


@dataclass
class Snapshot:
    """The columns of one moment (see ``Columns.snapshot``)."""

    valid: np.ndarray
    coded: dict[str, np.ndarray]
    sets: dict[str, np.ndarray]
    year: np.ndarray
    mass: np.ndarray
    lat: np.ndarray
    codes: dict[str, dict[str, int]]
    columns: Columns

    def mask(self, q: SearchQuery) -> np.ndarray:
        mask = self.valid.copy()
        for facet in CODED:
            value = getattr(q, facet)
            if value:
                code = self.codes[facet].get(value)
                mask &= False if code is None else self.coded[facet] == code
        for facet in SETS:
            value = getattr(q, facet)
            if value:
                code = self.codes[facet].get(value)
                mask &= False if code is None else self.sets[facet][:, code]
        if q.release_from is not None:
            mask &= self.year >= q.release_from
        if q.release_to is not None:
            mask &= (self.year <= q.release_to) & (self.year > 0)
        return mask


def _ids(conn: sqlite3.Connection, expression: str, size: int) -> np.ndarray:
    """Row ids matching an FTS5 expression, as a mask of ``size`` rows."""
    found = np.zeros(size, bool)
    try:
        text = conn.execute("SELECT group_concat(rowid) FROM passport_text WHERE passport_text MATCH ?",
                            (expression,)).fetchone()[0]
    except sqlite3.OperationalError:  # a word the tokenizer splits further, in a column-only index
        return found
    if text:
        ids = np.fromstring(text, dtype=np.int64, sep=",")  # in C: 4x faster than split and convert
        found[ids[ids < size]] = True
    return found


@dataclass
class Found:
    total: int
    hits: np.ndarray  # row ids of every result, in id order
    key: np.ndarray  # per hit: its place in the query's order (smaller first, no two alike)
    facets: dict[str, list[tuple[str, int]]]
    lat: np.ndarray  # the latitudes of the snapshot it was found in (NaN: no location)


def _sort_key(cols: Snapshot, q: SearchQuery, hits: np.ndarray, score: np.ndarray | None) -> np.ndarray:
    """One number per hit that orders the results, ties broken by row id (the order in which
    passports were indexed): exact in float64 up to millions of rows."""
    ids = hits.astype(np.float64)
    span = float(len(cols.valid) + 1)
    if q.sort == "title":
        return cols.columns.name_rank(q.lang)[hits].astype(np.float64)
    if q.sort == "release":
        year = cols.year[hits].astype(np.float64)
        return (np.where(year == 0, 10_000.0, year)) * span + ids
    if q.sort == "mass":
        mass = cols.mass[hits]
        # heaviest first; without a mass last, by id (1e15 is above any mass in kilograms)
        return np.where(np.isnan(mass), 1e15 + ids, -np.nan_to_num(mass))
    if score is not None:
        return -score[hits].astype(np.float64) * span + ids
    return ids


class SearchReader:
    """Queries on the index file of a data directory; one SQLite connection per thread, one
    copy of the columns per process."""

    def __init__(self, data_dir: Path):
        self.path = index_path(data_dir)
        self._local = threading.local()
        self.columns = Columns()

    def _conn(self) -> sqlite3.Connection | None:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if not self.path.exists():
                return None
            conn = connect(self.path)
            conn.execute("PRAGMA query_only = 1")
            self._local.conn = conn
        return conn

    def ready(self) -> bool:
        """True once an index has been built (it may be being rebuilt; readers then see the old)."""
        conn = self._conn()
        if conn is None:
            return False
        try:
            return conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone() is not None
        except sqlite3.OperationalError:
            return False

    def find(self, q: SearchQuery, *, facets: bool = True) -> Found:
        """Every result of the query in its order, with the counts per filter value."""
        conn = self._conn()
        if conn is None or not self.ready():
            return Found(0, np.zeros(0, np.int64), np.zeros(0), {f: [] for f in FACETS}, np.zeros(0))
        self.columns.refresh(conn)
        cols = self.columns.snapshot()
        size = len(cols.valid)
        mask = cols.mask(q)
        score = None
        expression = match_expression(q.text)
        if expression:
            mask &= _ids(conn, expression, size)
            if q.sort == "relevance":
                score = np.zeros(size, np.int32)
                for word in _words(q.text):
                    score += _ids(conn, f'{{place ident}} : "{word}"*', size)
        hits = np.flatnonzero(mask)
        return Found(len(hits), hits, _sort_key(cols, q, hits, score), _facets(cols, hits) if facets else {},
                     cols.lat)

    def top(self, found: Found, count: int | None = None, *, located: bool = False) -> np.ndarray:
        """The first ``count`` results in the query's order (all when None); ``located``: only
        those with a location. Only what is asked for is sorted (a partition picks it first)."""
        hits, key = found.hits, found.key
        if located:
            keep = ~np.isnan(found.lat[hits])
            hits, key = hits[keep], key[keep]
        if count is not None and count < len(hits):
            chosen = np.argpartition(key, count - 1)[:count] if count > 0 else np.zeros(0, np.int64)
            return hits[chosen[np.argsort(key[chosen], kind="stable")]]
        return hits[np.argsort(key, kind="stable")]

    def rows(self, ids, conn: sqlite3.Connection | None = None, columns: tuple[str, ...] = _ROW) -> list[dict]:
        """The stored rows of ``ids`` (``columns`` of them), in that order."""
        conn = conn or self._conn()
        ids = [int(i) for i in ids]
        if conn is None or not ids:
            return []
        found = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            sql = f"SELECT {', '.join(columns)} FROM passport WHERE id IN ({', '.join('?' * len(part))})"
            for values in conn.execute(sql, part):
                row = dict(zip(columns, values, strict=True))
                if "materials" in row:
                    row["materials"] = json.loads(row["materials"])
                found[row["id"]] = row
        return [found[i] for i in ids if i in found]

    def located(self, found: Found) -> int:
        """How many results have a location."""
        return int(np.count_nonzero(~np.isnan(found.lat[found.hits])))

    # -- one call per question (tests, downloads) --------------------------------------------
    def search(self, q: SearchQuery, offset: int = 0, limit: int = 25) -> tuple[int, list[dict]]:
        found = self.find(q, facets=False)
        return found.total, self.rows(self.top(found, offset + limit)[offset:])

    def facets(self, q: SearchQuery) -> dict[str, list[tuple[str, int]]]:
        return self.find(q).facets

    def points(self, q: SearchQuery, limit: int) -> tuple[int, list[dict]]:
        found = self.find(q, facets=False)
        return self.located(found), self.rows(self.top(found, limit, located=True), columns=POINT)

    def all_rows(self, q: SearchQuery) -> Iterator[dict]:
        """Every result row in the query's order (for downloads), on a connection of its own:
        the caller may read the rows on several threads, one after the other."""
        order = self.top(self.find(q, facets=False))
        if not len(order):
            return
        conn = connect(self.path)
        try:
            for start in range(0, len(order), 500):
                yield from self.rows(order[start:start + 500], conn)
        finally:
            conn.close()


def _facets(cols: Snapshot, hits: np.ndarray) -> dict[str, list[tuple[str, int]]]:
    """Per filter, how many results have each value (release years by decade), most first."""
    found: dict[str, list[tuple[str, int]]] = {}
    for facet in CODED:
        counts = np.bincount(cols.coded[facet][hits], minlength=len(cols.codes[facet]))
        found[facet] = [(v, int(counts[c])) for v, c in cols.codes[facet].items() if counts[c] and v]
    for facet in SETS:
        counts = np.count_nonzero(cols.sets[facet][hits], axis=0)
        found[facet] = [(v, int(counts[c])) for v, c in cols.codes[facet].items() if counts[c]]
    for values in found.values():
        values.sort(key=lambda vc: (-vc[1], vc[0]))
    years = cols.year[hits]
    decades, counts = np.unique(years[years > 0] // 10 * 10, return_counts=True)
    found["release"] = [(str(d), int(n)) for d, n in zip(decades, counts, strict=True)]
    return found


_readers: dict[Path, SearchReader] = {}
_readers_lock = threading.Lock()


def reader(data_dir: Path) -> SearchReader:
    """The reader of a data directory's index, one per process."""
    key = Path(data_dir).resolve()
    with _readers_lock:
        found = _readers.get(key)
        if found is None:
            found = _readers[key] = SearchReader(key)
        return found


__all__ = ["FACETS", "SORTS", "Columns", "Found", "SearchQuery", "SearchReader", "Snapshot",
           "match_expression", "reader"]
