"""The one runner of the named SPARQL queries of ``sparql/*.rq``: values are bound with pyoxigraph
substitutions, never pasted into the text. Used by the store, the pages, the linked-data views
and the command line; the public endpoint runs the same files through the query pool.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> select_plain(store, "count-passports", {})
[{'n': '0'}]
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.resources import SPARQL_DIR


class UnknownQuery(RegistryError, KeyError):
    status = 404

    def __str__(self) -> str:
        return f"there is no saved query {self.message_en!r} in sparql/"


@functools.lru_cache(maxsize=256)
def load(name: str) -> str:
    """The text of ``sparql/{name}.rq``."""
    if not name.replace("-", "").isalnum():
        raise UnknownQuery(name)
    path = SPARQL_DIR / f"{name}.rq"
    if not path.is_file():
        raise UnknownQuery(name)
    return path.read_text(encoding="utf-8")


def run(store: ox.Store, name: str, bindings: Mapping[str, ox.Term] | None = None, *, union: bool = True):
    """The result of the named query (solutions, triples or a boolean), as pyoxigraph gives it:
    lazy, so a caller that stops iterating stops the query."""
    return store.query(load(name), use_default_graph_as_union=union,
                       substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()})


def solutions(store: ox.Store, name: str, bindings: Mapping[str, ox.Term] | None = None) -> Iterator:
    """The solutions of a named SELECT query, lazily."""
    return iter(run(store, name, bindings))


def select(store: ox.Store, name: str, bindings: Mapping[str, ox.Term] | None = None, *,
           union: bool = True) -> list[dict[str, ox.Term]]:
    """All rows of a (bounded or aggregate) named SELECT query, as dicts of pyoxigraph terms."""
    result = run(store, name, bindings, union=union)
    names = [v.value for v in result.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in result]


def select_plain(store: ox.Store, name: str, bindings: Mapping[str, ox.Term] | None = None, *,
                 union: bool = True) -> list[dict[str, str]]:
    """All rows of a named SELECT query, as dicts of plain strings (the terms' values)."""
    return [{n: term.value for n, term in row.items()} for row in select(store, name, bindings, union=union)]
