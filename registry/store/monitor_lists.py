"""The two per-object lists of the monitor (``indicator-release-forecast-objects`` and
``indicator-mci-per-object``), read from the monitor aggregates a row at a time, in pages or whole.

Each list is ordered by a key that is unique per row and is an index of the aggregates:
(release year, municipality, passport IRI, material, quality) for the release forecast (the
primary key of ``release_object``), the passport IRI for the MCI (``mci_iri``, and
``mci_municipality`` for one municipality). A page starts *after* a position, the key of the last
row of the page before, so every page is an index seek and a read of its own rows, never an
OFFSET over the rows before it (a million at most): :func:`page` gives the rows and the position
of the next page. :func:`rows` yields the whole list from an open SQLite cursor, for a download
streamed row by row. A position travels as text (:func:`encode_position`); one that does not
decode to a key of the list is a :class:`PositionError` (400), as is a limit outside
1..:data:`MAX_LIMIT` (:func:`parse_limit`).

The rows are exactly those of the saved queries, as ``monitor_answers.figure`` gives them
(tests/store/test_monitor_lists.py chains the pages to the full list).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import sqlite3
from collections.abc import Iterator

from registry.core.errors import RegistryError
from registry.core.phrases import Wording
from registry.store.monitor_figures import kg
from registry.store.monitor_mci import mci_row

Row = dict[str, str]

RELEASE, MCI = "indicator-release-forecast-objects", "indicator-mci-per-object"
PAGED = (RELEASE, MCI)
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# the key of a row (its columns), and the kind of each part of it
KEYS: dict[str, tuple[tuple[str, type], ...]] = {
    RELEASE: (("releaseYear", int), ("passportMunicipality", str), ("passport", str), ("material", str),
              ("quality", str)),
    MCI: (("passport", str),),
}
WORDS = Wording({
    "position": (("after: {value!r} is not a position in this list; use the 'next' link of a page, or leave "
                  "'after' out for the first page"),
                 ("after: {value!r} is geen positie in deze lijst; gebruik de link 'volgende' van een pagina, of "
                  "laat 'after' weg voor de eerste pagina")),
    "limit": ("limit: {value!r} is not a whole number from 1 to {most}",
              "limit: {value!r} is geen geheel getal van 1 tot en met {most}"),
})


class PositionError(RegistryError, ValueError):
    """A bad position or limit of a page (HTTP 400, exit code 2)."""

    def __init__(self, key: str, **values) -> None:
        english, dutch = WORDS.both(key, **values)
        super().__init__(english, message_nl=dutch)


def encode_position(name: str, row: Row) -> str:
    """The position after ``row`` of list ``name``, as URL-safe text."""
    key = [int(row[c]) if kind is int else row[c] for c, kind in KEYS[name]]
    data = json.dumps(key, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_position(name: str, text: str) -> tuple:
    """The key a position of list ``name`` stands for (:class:`PositionError` when it is none)."""
    shown = text[:60]
    try:
        key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise PositionError("position", value=shown) from None
    kinds = [kind for _, kind in KEYS[name]]
    if not isinstance(key, list) or len(key) != len(kinds) or not all(
            type(v) is kind for v, kind in zip(key, kinds)):
        raise PositionError("position", value=shown)
    return tuple(key)


def parse_limit(text: str | None) -> int:
    """The page size given as text (:data:`DEFAULT_LIMIT` when empty)."""
    if text is None or not text.strip():
        return DEFAULT_LIMIT
    value = text.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise PositionError("limit", value=text[:30], most=MAX_LIMIT)
    return int(value)


def _release_rows(conn: sqlite3.Connection, municipality: str | None, year: int, after: tuple | None,
                  echo_year: bool = True) -> Iterator[Row]:
    # one seek per release year: (year, municipality) is a prefix of the primary key
    echo = {**({"year": str(year)} if echo_year else {}), **({"municipality": municipality} if municipality else {})}
    for release in range(year, year + 10):
        if after is not None and release < after[0]:
            continue
        sql = ("SELECT r.municipality, r.iri, r.material, r.quality, r.grams, r.without, p.object, p.wkt "
               "FROM release_object r JOIN passport p ON p.id = r.passport WHERE r.release_year = ?")
        args: list = [release]
        if municipality:
            sql += " AND r.municipality = ?"
            args.append(municipality)
        if after is not None and release == after[0]:
            sql += " AND (r.municipality, r.iri, r.material, r.quality) > (?, ?, ?, ?)"
            args.extend(after[1:])
        sql += " ORDER BY r.municipality, r.iri, r.material, r.quality"
        for place, iri, material, quality, grams, without, obj, wkt in conn.execute(sql, args):
            yield {**echo, "passport": iri, "object": obj, "passportMunicipality": place,
                   "releaseYear": str(release), "material": material, "quality": quality, "massKg": kg(grams),
                   **({"wkt": wkt} if wkt is not None else {}), "quantitiesWithoutMass": str(without)}


def _mci_rows(conn: sqlite3.Connection, municipality: str | None, after: tuple | None) -> Iterator[Row]:
    sql = ("SELECT iri, object, municipality, grams, virgin, waste, lfi, lifetime, average, utility, mci "
           "FROM mci WHERE 1")
    args: list = []
    if municipality:
        sql += " AND municipality = ?"
        args.append(municipality)
    if after is not None:
        sql += " AND iri > ?"
        args.append(after[0])
    echo = {"municipality": municipality} if municipality else {}
    for found in conn.execute(sql + " ORDER BY iri", args):
        yield {**echo, **mci_row(*found)}


def rows(conn: sqlite3.Connection, name: str, municipality: str | None, *, year: int,
         after: tuple | None = None, echo_year: bool = True) -> Iterator[Row]:
    """The rows of list ``name`` (after the key ``after``), read as they are consumed; ``echo_year``
    False: without the ``year`` column (as the saved query leaves ``?year`` unbound when not given)."""
    if name == RELEASE:
        return _release_rows(conn, municipality, year, after, echo_year)
    return _mci_rows(conn, municipality, after)


def release_forecast_objects(conn: sqlite3.Connection, municipality: str | None, year: int) -> list[Row]:
    """``indicator-release-forecast-objects`` whole: per passport, release year, material and quality."""
    return list(_release_rows(conn, municipality, year, None))


def mci_per_object(conn: sqlite3.Connection, municipality: str | None) -> list[Row]:
    """``indicator-mci-per-object`` whole: one row per object, ordered by passport."""
    return list(_mci_rows(conn, municipality, None))


def count(conn: sqlite3.Connection, name: str, municipality: str | None, *, year: int) -> int:
    """The rows of list ``name`` (an index range a year, or of the MCI's passports)."""
    if name == RELEASE:
        where, args = (" AND municipality = ?", [municipality]) if municipality else ("", [])
        return sum(conn.execute("SELECT COUNT(*) FROM release_object WHERE release_year = ?" + where,
                                [release, *args]).fetchone()[0] for release in range(year, year + 10))
    where, args = (" WHERE municipality = ?", [municipality]) if municipality else ("", [])
    return conn.execute("SELECT COUNT(*) FROM mci" + where, args).fetchone()[0]


def page(conn: sqlite3.Connection, name: str, municipality: str | None, *, year: int, limit: int,
         after: tuple | None = None, echo_year: bool = True) -> tuple[list[Row], str | None]:
    """At most ``limit`` rows after ``after``, and the position of the next page (None: the last page)."""
    found = list(itertools.islice(rows(conn, name, municipality, year=year, after=after, echo_year=echo_year),
                                  limit + 1))
    if len(found) <= limit:
        return found, None
    return found[:limit], encode_position(name, found[limit - 1])


__all__ = ["DEFAULT_LIMIT", "KEYS", "MAX_LIMIT", "PAGED", "PositionError", "count", "decode_position", "encode_position",
           "mci_per_object", "page", "parse_limit", "release_forecast_objects", "rows"]
