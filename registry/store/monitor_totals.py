"""Totals of the monitor aggregates per municipality, kept with every write (``monitor_index``).

A figure for the region sums a few thousand total rows instead of a million detail rows. Each total
table has the columns of its key and of its sums, and a ``key`` text (the key as JSON: SQLite's
unique indexes treat NULLs as different); :class:`Totals` adds (``sign`` 1) or takes away (-1)
one passport's contribution, computed by SQL from its detail rows, so an insert and a delete can
never disagree, and writes the contributions of a transaction together at its end. Rows whose count falls to zero are removed.

``t_valued`` makes goal 3 (valued within the 12 months up to any date D) a sum too: for each
passport and each distinct date ``day`` of its valuations, with ``prev`` its previous valuation
date ('' for the first), the passport has a valuation in (F, D] exactly when one of its rows has
F < day <= D and prev <= F (the first of its dates in the window), and only one row does.
``t_passport`` also sums the VoID figures of the passports' graphs (triples, distinct subjects,
entities: ``void_facts``, which keeps the partitions per municipality itself).
``t_kind`` counts the passports per municipality and object kind, ``t_use`` the statements per
property and value in the whole store (from the ``uses`` of each passport row, summed per transaction by
``monitor_index`` and given with :meth:`Totals.add_rows`: a passport has some twenty of them) (the pages' counts: ``registry.views.pages.stats``). ``t_value`` sums each passport's latest valuation (exactly, as three integers: ``monitor_index``),
``t_mci`` the mass of the objects with an MCI row and the sum of their MCI (rounded to 9 decimals)
times mass, exactly (``monitor_mci``): ``indicator-mci`` and the comparison of municipalities add them up.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

# name: (key columns, sum columns, the count column that removes a row at zero, per-passport SELECT)
TOTALS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]] = {
    "t_passport": (("municipality",), ("grams", "passports", "triples", "subjects", "entities"), "passports",
                   "SELECT municipality, grams, 1, v_triples, v_subjects, v_entities FROM passport WHERE id = ?"),
    "t_built": (("municipality", "built"), ("grams", "passports"), "passports",
                "SELECT municipality, built, grams, 1 FROM passport WHERE id = ? AND built IS NOT NULL"),
    "t_material": (("municipality", "material"),
                   ("grams", "v_units", "v_high", "v_low", "passports", "quantities", "with_mass"), "passports",
                   ("SELECT municipality, material, grams, v_units, v_high, v_low, 1, quantities, with_mass "
                   "FROM material WHERE passport = ?")),
    "t_strategy": (("municipality", "strategy"), ("grams", "quantities", "with_mass", "objects"), "quantities",
                   ("SELECT municipality, strategy, SUM(COALESCE(grams, 0)), COUNT(*), COUNT(grams), 1 "
                   "FROM quantity WHERE passport = ? GROUP BY municipality, strategy")),
    "t_detachability": (("municipality", "detachability"), ("grams", "quantities"), "quantities",
                        ("SELECT municipality, detachability, SUM(COALESCE(grams, 0)), COUNT(*) "
                        "FROM quantity WHERE passport = ? GROUP BY municipality, detachability")),
    "t_release": (("municipality", "release_year", "material", "quality"),
                  ("grams", "objects", "quantities", "with_mass"), "quantities",
                  ("SELECT municipality, release_year, material, quality, SUM(COALESCE(grams, 0)), 1, COUNT(*), "
                  "COUNT(grams) FROM quantity WHERE passport = ? AND material IS NOT NULL AND release_year IS NOT NULL "
                  "GROUP BY municipality, release_year, material, quality")),
    "t_origin": (("municipality", "material", "life_cycle", "nature", "origin", "phase", "recycled"),
                 ("grams", "quantities", "with_mass"), "quantities",
                 ("SELECT municipality, material, life_cycle, nature, origin, phase, recycled, SUM(COALESCE(grams, 0)), "
                 "COUNT(*), COUNT(grams) FROM quantity WHERE passport = ? AND material IS NOT NULL "
                 "GROUP BY municipality, material, life_cycle, nature, origin, phase, recycled")),
    "t_value": (("municipality",), ("v_units", "v_high", "v_low", "passports"), "passports",
                "SELECT municipality, la_units, la_high, la_low, 1 FROM passport WHERE id = ?"),
    "t_kind": (("municipality", "kind"), ("passports",), "passports",
               "SELECT municipality, kind, 1 FROM passport WHERE id = ? AND kind IS NOT NULL"),
    "t_use": (("predicate", "value"), ("uses",), "uses", ""),  # summed per transaction by ``monitor_index``
    "t_mci": (("municipality",), ("grams", "objects", "with_mci", "w_units", "w_high", "w_low"), "objects",
              "SELECT municipality, grams, 1, mci IS NOT NULL, w_units, w_high, w_low FROM mci WHERE passport = ?"),
    "t_valued": (("municipality", "day", "prev"), ("grams", "mci_grams", "passports"), "passports",
                 ("SELECT p.municipality, d.day, d.prev, p.grams, "
                 "COALESCE((SELECT grams FROM mci WHERE passport = ?1), 0), 1 FROM passport p, ("
                 " SELECT date AS day, LAG(date, 1, '') OVER (ORDER BY date) AS prev FROM ("
                 "  SELECT DISTINCT date FROM valuation WHERE passport = (SELECT iri FROM passport WHERE id = ?1))"
                 ") d WHERE p.id = ?1")),
}


SELECTED = tuple(name for name, (_, _, _, select) in TOTALS.items() if select)  # added per passport by SQL


def schema() -> str:
    out = []
    for name, (keys, sums, _, _) in TOTALS.items():
        columns = ", ".join([*(f"{k}" for k in keys), *(f"{s} INTEGER NOT NULL" for s in sums)])
        out.append(f"CREATE TABLE IF NOT EXISTS {name} (key TEXT PRIMARY KEY, {columns});")
        if keys[0] == "municipality":
            out.append(f"CREATE INDEX IF NOT EXISTS {name}_municipality ON {name} (municipality);")
    out.append("CREATE INDEX IF NOT EXISTS t_valued_day ON t_valued (day);")
    return "\n".join(out)


class Totals:
    """The contributions to the totals of one transaction, gathered and written at its end
    (:meth:`write`): one upsert per key and table instead of one per passport, key and table.

    Each contribution is read from the detail rows when it is added (the detail rows may change
    afterwards in the same transaction); the sum of the gathered contributions is what adding them
    one by one gives, and a row whose count falls to zero is removed as then."""

    def __init__(self) -> None:
        # (table, key values) -> [the sums, whether a contribution was taken away]; the key's JSON
        # text is made once per key when written
        self._delta: dict[tuple[str, tuple], list] = {}

    def add(self, conn: sqlite3.Connection, pid: int, sign: int, only: tuple[str, ...] | None = None) -> None:
        """Add (``sign`` 1) or take away (-1) the contribution of passport ``pid`` (read by SQL)."""
        for name in only or SELECTED:
            self.add_rows(name, conn.execute(TOTALS[name][3], (pid,)), sign)

    def add_rows(self, name: str, rows: Iterable[tuple], sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) contributions to total ``name`` given as rows: the key's
        values, then the sums (for a total without a per-passport SELECT, summed by the caller)."""
        delta = self._delta
        keys, sums, _, _ = TOTALS[name]
        n = len(keys)
        for row in rows:
            entry = delta.get((name, row[:n]))
            if entry is None:
                entry = delta[(name, row[:n])] = [[0] * len(sums), False]
            values = entry[0]
            for i, v in enumerate(row[n:]):
                values[i] += sign * (v or 0)
            entry[1] = entry[1] or sign < 0

    def write(self, conn: sqlite3.Connection) -> None:
        """Write the gathered contributions to the total tables; start again empty."""
        delta, self._delta = self._delta, {}
        tables: dict[str, list[tuple[str, tuple, list]]] = {}
        for (name, key), entry in delta.items():
            if any(entry[0]):  # a contribution taken away and added again changes nothing
                tables.setdefault(name, []).append((json.dumps(key), key, entry))
        for name, entries in tables.items():
            keys, sums, count, _ = TOTALS[name]
            updates = ", ".join(f"{s} = {s} + excluded.{s}" for s in sums)
            conn.executemany(
                f"INSERT INTO {name} (key, {', '.join(keys)}, {', '.join(sums)}) "
                f"VALUES (?, {', '.join('?' * (len(keys) + len(sums)))}) ON CONFLICT (key) DO UPDATE SET {updates}",
                ((text, *key, *entry[0]) for text, key, entry in entries))
            conn.executemany(f"DELETE FROM {name} WHERE key = ? AND {count} = 0",
                             ((text,) for text, _, entry in entries if entry[1]))


TOTAL_TABLES = tuple(TOTALS)

__all__ = ["TOTALS", "TOTAL_TABLES", "Totals", "schema"]
