"""How a write of the SPARQL-server backend (``remote``) reaches the server, whole or not at all.

A write (``SparqlStore.write``: graphs to drop, quads to insert; a batch of passports with their
provenance, a retirement, a bulk load) goes as

- one Graph Store Protocol request, when it only inserts and a Graph Store endpoint is set and the
  server is not Virtuoso: ``POST`` of N-Quads to the dataset (Fuseki: ``/ds/data``), one
  transaction there, about half the server's time of the same SPARQL Update (docs/benchmarks.md);
- else SPARQL Update operations (``DROP SILENT GRAPH``, ``INSERT DATA``) sent as
  ``application/sparql-update`` bodies (not as a form: no URL-encoding of megabytes on either
  side), in as few requests as the server takes: Virtuoso 7.2 refuses a request of more than
  10 MB of text ("HT057") or with about 1,000 operations ("SQ156: Query too large"), so requests
  there hold at most ``REQUEST_BYTES`` of text and ``REQUEST_OPERATIONS`` operations; to other
  servers a request holds up to ``LARGE_REQUEST_BYTES`` (a whole batch: one transaction).

One request to Jena/Fuseki is one transaction. Virtuoso applies a request operation by operation
(an ``INSERT DATA`` that fails leaves nothing of itself, but the operations before it stay: tested
in tests/store/test_remote_writes.py). So a write of more than one request, or of more than one
operation on Virtuoso, is made atomic here: before it, ``plan`` reads what the write changes (which
of its graphs exist, the former content of the graphs it drops, which of its quads in other
existing graphs are there already); when a request fails, ``undo`` drops the graphs it created,
deletes the quads it added and puts the dropped graphs back, so the store is as before, and the
error is raised. What this does not cover: the registry's process killed between two requests
(the writer's journal removes the passports of an interrupted batch of new ones at the next
opening, ``writer._recover``), and another client writing the same graphs at the same time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.store import remote_terms

REQUEST_BYTES = 4 * 2**20  # of SPARQL Update text in one request (Virtuoso refuses more than 10 MB)
REQUEST_OPERATIONS = 200  # in one request (Virtuoso: "Query too large" at 1,000 DROPs)
LARGE_REQUEST_BYTES = 256 * 2**20  # of text in one request to a server without those limits
LOOKUP = 200  # graphs or subjects in one VALUES block of ``plan``'s reads


def requests(operations: Iterable[str], virtuoso: bool = True) -> Iterator[tuple[str, int]]:
    """``operations`` joined into request texts within the limits above (``virtuoso``: its own),
    each with its number of operations."""
    batch: list[str] = []
    size = 0
    most_bytes, most_operations = (REQUEST_BYTES, REQUEST_OPERATIONS) if virtuoso else (LARGE_REQUEST_BYTES, None)
    for operation in operations:
        if batch and (size + len(operation) > most_bytes or len(batch) == most_operations):
            yield " ;\n".join(batch), len(batch)
            batch, size = [], 0
        batch.append(operation)
        size += len(operation) + 3
    if batch:
        yield " ;\n".join(batch), len(batch)


def operations(store, drops: Iterable[ox.NamedNode], quads: list[ox.Quad]) -> Iterator[str]:
    """The SPARQL Update operations of a write: the drops first, then the inserts."""
    yield from (f"DROP SILENT GRAPH {g}" for g in drops)
    yield from remote_terms.insert_operations(quads, store.virtuoso)


@dataclass
class Undo:
    """What puts the store back as it was before a write."""

    drop: list[ox.NamedNode] = field(default_factory=list)  # graphs the write created or dropped
    put_back: list[ox.Quad] = field(default_factory=list)  # the former content of the dropped ones
    delete: list[ox.Quad] = field(default_factory=list)  # quads added to other graphs that existed


def plan(store, drops: list[ox.NamedNode], quads: list[ox.Quad]) -> Undo:
    """Read what the write of ``drops`` and ``quads`` will change (a few queries), to ``undo`` it."""
    dropped = set(drops)
    graphs = dropped | {q.graph_name for q in quads}
    existing = _existing(store, graphs)
    kept = [q for q in quads if q.graph_name in existing and q.graph_name not in dropped]
    there = _present(store, kept)
    return Undo(drop=sorted(graphs - (existing - dropped), key=str),
                put_back=content(store, sorted(dropped & existing, key=str)),
                delete=[q for q in kept if _key(q) not in there and not _blank(q)])


def undo(store, plan: Undo) -> None:
    """Put the store back as ``plan`` says: drop, delete, then insert the former content."""
    deletes = ("DELETE DATA {" + remote_terms.graph_blocks(part, store.virtuoso) + "}"
               for part in _chunks(plan.delete, remote_terms.CHUNK))
    work = [*(f"DROP SILENT GRAPH {g}" for g in plan.drop), *deletes,
            *remote_terms.insert_operations(plan.put_back, store.virtuoso)]
    for text, _ in requests(work, store.virtuoso):
        store.send_update(text)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# the look-ups of a write, their values bound by ``remote_terms`` (terms serialised by pyoxigraph)
_G, _S = ox.Variable("g"), ox.Variable("s")
_GRAPHS_THERE = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_GRAPHS_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


def _existing(store, graphs: set[ox.NamedNode]) -> set[ox.NamedNode]:
    found: set[ox.NamedNode] = set()
    for part in _chunks(sorted(graphs, key=str), LOOKUP):
        rows = store.query(remote_terms.bind_each(_GRAPHS_THERE, _G, part))
        found.update(row["g"] for row in rows)
    return found


def content(store, graphs: list[ox.NamedNode], *, canonical: bool = False) -> list[ox.Quad]:
    """The quads of ``graphs``, in one query per ``LOOKUP`` graphs; ``canonical``: literals as the
    embedded store gives them back (``remote_terms.canonical``), else as the server holds them."""
    quads: list[ox.Quad] = []
    back = remote_terms.canonical if canonical else (lambda term: term)
    for part in _chunks(graphs, LOOKUP):
        rows = store.query(remote_terms.bind_each(_GRAPHS_QUADS, _G, part))
        quads += (ox.Quad(r["s"], r["p"], back(r["o"]), r["g"]) for r in rows)
    return quads


def _present(store, quads: list[ox.Quad]) -> set[tuple]:
    """The keys of ``quads`` that the store holds already (read by subject, graph by graph)."""
    by_graph: dict[ox.NamedNode, set] = {}
    for quad in quads:
        by_graph.setdefault(quad.graph_name, set()).add(quad.subject)
    there: set[tuple] = set()
    for graph, subjects in by_graph.items():
        named = sorted((s for s in subjects if isinstance(s, ox.NamedNode)), key=str)
        for part in _chunks(named, LOOKUP):
            rows = store.query(remote_terms.bind_each(_GRAPHS_QUADS, _S, part), substitutions={_G: graph})
            there.update(_key(ox.Quad(r["s"], r["p"], r["o"], graph)) for r in rows)
    return there


def _key(quad: ox.Quad) -> tuple:
    """A quad compared by value (``1.50`` and ``1.5`` are one decimal), as the server stores it."""
    return quad.subject, quad.predicate, remote_terms.canonical(quad.object), quad.graph_name


def _blank(quad: ox.Quad) -> bool:
    """A quad with a blank node, which ``DELETE DATA`` cannot name (the registry writes none into
    graphs that exist already: its provenance has no blank nodes)."""
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)
