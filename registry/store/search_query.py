"""Reading the search index (``search_index``): results, counts per filter value, map points.

The person's text never reaches FTS5 as syntax: it is cut into words (letters and digits), each
word becomes a quoted prefix term (``"bet"*``), and the words are combined with AND; quotes,
``*``, ``-``, ``:``, ``NEAR``, ``OR`` and brackets are plain text or separators. Filters are bound
values; column names come from the fixed lists below.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from registry.store.search_index import WEIGHTS, connect, index_path

MAX_WORDS = 12
MAX_WORD = 40
SORTS = ("relevance", "title", "release", "mass")
FACETS = ("municipality", "kind", "material", "phase", "rstrategy", "release")
_WORD = re.compile(r"\w+")
_ROW = ("iri", "municipality", "kind", "phase", "identifier", "name_nl", "name_en", "release_year",
        "mass_kg", "lat", "lon", "materials")


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


def match_expression(text: str) -> str | None:
    """The FTS5 query of a person's text: every word, quoted, as a prefix (None: no words)."""
    words = [w[:MAX_WORD] for w in _WORD.findall(text.replace("_", " "))][:MAX_WORDS]
    if not words:
        return None
    return " AND ".join(f'"{w}"*' for w in words)


def _where(q: SearchQuery) -> tuple[str, str, list]:
    """FROM and WHERE of the query, with its bound values."""
    args: list = []
    conditions: list[str] = []
    expression = match_expression(q.text)
    if expression:
        source = "passport_text JOIN passport p ON p.id = passport_text.rowid"
        conditions.append("passport_text MATCH ?")
        args.append(expression)
    else:
        source = "passport p"
    for column in ("municipality", "kind", "phase"):
        value = getattr(q, column)
        if value:
            conditions.append(f"p.{column} = ?")
            args.append(value)
    for column, table in (("material", "passport_material"), ("rstrategy", "passport_rstrategy")):
        value = getattr(q, column)
        if value:
            conditions.append(f"p.id IN (SELECT id FROM {table} WHERE {column} = ?)")
            args.append(value)
    if q.release_from is not None:
        conditions.append("p.release_year >= ?")
        args.append(q.release_from)
    if q.release_to is not None:
        conditions.append("p.release_year <= ?")
        args.append(q.release_to)
    return source, (" WHERE " + " AND ".join(conditions)) if conditions else "", args


def _order(q: SearchQuery) -> str:
    name = "p.name_en" if q.lang == "en" else "p.name_nl"
    by_name = f"{name} COLLATE NOCASE, p.iri"
    if q.sort == "release":
        return f"p.release_year IS NULL, p.release_year, {by_name}"
    if q.sort == "mass":
        return f"p.mass_kg IS NULL, p.mass_kg DESC, {by_name}"
    if q.sort == "relevance" and match_expression(q.text):
        return f"bm25(passport_text, {', '.join(str(w) for w in WEIGHTS)}), {by_name}"
    return by_name


def _row(values: tuple) -> dict:
    row = dict(zip(_ROW, values, strict=True))
    row["materials"] = json.loads(row["materials"])
    return row


class SearchReader:
    """Queries on the index file of a data directory; one SQLite connection per thread."""

    def __init__(self, data_dir: Path):
        self.path = index_path(data_dir)
        self._local = threading.local()

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
            return conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() is not None
        except sqlite3.OperationalError:
            return False

    def search(self, q: SearchQuery, offset: int = 0, limit: int = 25) -> tuple[int, list[dict]]:
        """The number of results and the rows ``offset .. offset + limit`` in the query's order."""
        conn = self._conn()
        if conn is None:
            return 0, []
        source, where, args = _where(q)
        total = conn.execute(f"SELECT count(*) FROM {source}{where}", args).fetchone()[0]
        rows = conn.execute(f"SELECT {', '.join('p.' + c for c in _ROW)} FROM {source}{where} "
                            f"ORDER BY {_order(q)} LIMIT ? OFFSET ?", [*args, limit, offset])
        return total, [_row(r) for r in rows]

    def rows(self, q: SearchQuery) -> Iterator[dict]:
        """Every result row in the query's order (for downloads), on a connection of its own: the
        caller may read the rows on several threads, one after the other."""
        if not self.path.exists():
            return
        conn = connect(self.path)
        try:
            source, where, args = _where(q)
            for r in conn.execute(f"SELECT {', '.join('p.' + c for c in _ROW)} FROM {source}{where} "
                                  f"ORDER BY {_order(q)}", args):
                yield _row(r)
        finally:
            conn.close()

    def facets(self, q: SearchQuery) -> dict[str, list[tuple[str, int]]]:
        """Per filter, how many results have each value (release years by decade), most first."""
        conn = self._conn()
        found: dict[str, list[tuple[str, int]]] = {f: [] for f in FACETS}
        if conn is None:
            return found
        source, where, args = _where(q)
        parts = ["SELECT 'municipality', municipality, count(*) FROM hits GROUP BY 2",
                 "SELECT 'kind', kind, count(*) FROM hits GROUP BY 2",
                 "SELECT 'phase', phase, count(*) FROM hits GROUP BY 2",
                 ("SELECT 'release', release_year / 10 * 10, count(*) FROM hits "
                 "WHERE release_year IS NOT NULL GROUP BY 2"),
                 ("SELECT 'material', m.material, count(*) FROM hits JOIN passport_material m "
                 "ON m.id = hits.id GROUP BY 2"),
                 ("SELECT 'rstrategy', r.rstrategy, count(*) FROM hits JOIN passport_rstrategy r "
                 "ON r.id = hits.id GROUP BY 2")]
        sql = (f"WITH hits AS MATERIALIZED (SELECT p.id, p.municipality, p.kind, p.phase, "
               f"p.release_year FROM {source}{where}) " + " UNION ALL ".join(parts))
        for facet, value, count in conn.execute(sql, args):
            if value is not None and value != "":
                found[facet].append((str(value), count))
        for facet, values in found.items():
            values.sort(key=lambda vc: (vc[0],) if facet == "release" else (-vc[1], vc[0]))
        return found

    def points(self, q: SearchQuery, limit: int) -> tuple[int, list[dict]]:
        """Up to ``limit`` results with a location (in the query's order), and how many have one."""
        conn = self._conn()
        if conn is None:
            return 0, []
        source, where, args = _where(q)
        where = (where + " AND " if where else " WHERE ") + "p.lat IS NOT NULL"
        total = conn.execute(f"SELECT count(*) FROM {source}{where}", args).fetchone()[0]
        rows = conn.execute(f"SELECT {', '.join('p.' + c for c in _ROW)} FROM {source}{where} "
                            f"ORDER BY {_order(q)} LIMIT ?", [*args, limit])
        return total, [_row(r) for r in rows]


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


__all__ = ["FACETS", "SORTS", "SearchQuery", "SearchReader", "match_expression", "reader"]
