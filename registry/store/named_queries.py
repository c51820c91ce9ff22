"""Running the named SPARQL queries of ``sparql/*.rq`` with bound values (never pasted text)."""

from __future__ import annotations

import functools

import pyoxigraph as ox

from registry.core.resources import SPARQL_DIR


class UnknownQuery(KeyError):
    pass


@functools.lru_cache(maxsize=256)
def load(name: str) -> str:
    """The text of ``sparql/{name}.rq``."""
    if not name.replace("-", "").isalnum():
        raise UnknownQuery(name)
    path = SPARQL_DIR / f"{name}.rq"
    if not path.is_file():
        raise UnknownQuery(name)
    return path.read_text(encoding="utf-8")


def _plain(term) -> str | None:
    if term is None:
        return None
    return term.value


def run_select(store: ox.Store, name: str, bindings: dict[str, ox.Term], *, union: bool = True) -> list[dict]:
    """Rows of a named SELECT query as dicts of plain strings."""
    solutions = store.query(load(name), use_default_graph_as_union=union,
                            substitutions={ox.Variable(k): v for k, v in bindings.items()})
    names = [v.value for v in solutions.variables]
    return [{n: _plain(row[n]) for n in names if row[n] is not None} for row in solutions]
