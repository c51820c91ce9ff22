"""Reading the store: current versions, old versions, retirements and history (``VersionReader``,
a part of ``Registry``), and the export of the whole store.

A passport ``P`` is the graph ``<P>`` of the main store; each superseded version ``n`` is the graph
``<P/v/n>`` of the history store; their provenance is in the graph ``{base}graph/provenance``
(docs/model.md, "Storage layout").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from registry.model.uris import PassportRef
from registry.model.vocab import (
    CURRENT_VERSION,
    PASSPORT,
    RDF_TYPE,
    RDFS,
    RETIRED_AT,
    RETIRED_PASSPORT,
    RETIREMENT_REASON,
    VERSION_NUMBER,
)
from registry.store.named_queries import select_plain

LABEL = ox.NamedNode(RDFS + "label")


@dataclass
class ExportSummary:
    """What an export holds: current and retired passports, past versions (graphs of the history
    store; None when left out), graphs of the live store in all."""

    current: int
    retired: int
    graphs: int
    versions: int | None = None


@dataclass
class VersionInfo:
    number: int
    iri: str
    generated: str
    invalidated: str | None
    agent: str | None
    source: str | None
    activity: str | None
    comment: str | None


class VersionReader:
    """The read side of ``Registry``: what is stored, version by version."""

    store: ox.Store
    history_store: ox.Store | None

    def _value(self, subject: ox.NamedNode, predicate: ox.NamedNode, graph) -> ox.Term | None:
        for quad in self.store.quads_for_pattern(subject, predicate, None, graph):
            return quad.object
        return None

    def _own_values(self, nodes: list[ox.NamedNode], predicates: list[ox.NamedNode]) -> dict[tuple, ox.Term]:
        """The value of each of ``predicates`` of each node in the node's own graph (a passport's
        current version, its content hash): on a SPARQL server in one query per 200 nodes, not a
        round trip each (``SparqlStore.own_values``); on the embedded store the later predicates
        are looked up only for nodes that have the first (a new passport costs one look-up)."""
        if hasattr(self.store, "own_values"):
            return self.store.own_values(nodes, predicates)
        found: dict[tuple, ox.Term] = {}
        for node in nodes:
            for predicate in predicates:
                value = self._value(node, predicate, node)
                if value is None and predicate == predicates[0]:
                    break
                if value is not None:
                    found[node, predicate] = value
        return found

    def _graphs_quads(self, nodes: list[ox.NamedNode]) -> dict[ox.NamedNode, list[ox.Quad]]:
        """The quads of each node's graph: on a SPARQL server in one query per 200 graphs."""
        if hasattr(self.store, "graphs_quads"):
            return self.store.graphs_quads(nodes)
        return {node: list(self.store.quads_for_pattern(None, None, None, node)) for node in nodes}

    def current_version(self, ref: PassportRef) -> int:
        """The number of the passport's latest version, 0 when it never existed."""
        node = ox.NamedNode(ref.iri)
        value = self._value(node, VERSION_NUMBER, node)
        return int(value.value) if value is not None else 0

    def status(self, ref: PassportRef) -> str:
        """``current``, ``retired`` or ``absent`` (for a version ref: ``version`` or ``absent``)."""
        node = ox.NamedNode(ref.iri)
        if ref.version is not None:
            latest = self.current_version(ref) or self._latest_retired_version(ref)
            return "version" if 1 <= ref.version <= latest else "absent"
        if next(self.store.quads_for_pattern(node, RDF_TYPE, PASSPORT, node), None):
            return "current"
        if next(self.store.quads_for_pattern(node, RDF_TYPE, RETIRED_PASSPORT, node), None):
            return "retired"
        return "absent"

    def _latest_retired_version(self, ref: PassportRef) -> int:
        node = ox.NamedNode(ref.iri)
        value = self._value(node, CURRENT_VERSION, node)
        return int(value.value.rsplit("/", 1)[1]) if value is not None else 0

    def get(self, ref: PassportRef) -> list[ox.Triple] | None:
        """The triples of the current version (or of ``ref.version``); None when there are none.

        For a retired passport without a version, the tombstone triples are returned.
        """
        node = ox.NamedNode(ref.iri)
        if ref.version is None:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in self.store.quads_for_pattern(None, None, None, node)]
            return triples or None
        if ref.version == self.current_version(ref):
            return self.get(PassportRef(ref.base, ref.municipality, ref.key))
        if self.history_store is None:
            return None
        graph = ox.NamedNode(ref.version_iri)
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in self.history_store.quads_for_pattern(None, None, None, graph)]
        return triples or None

    def retirement(self, ref: PassportRef) -> dict | None:
        node = ox.NamedNode(PassportRef(ref.base, ref.municipality, ref.key).iri)
        at = self._value(node, RETIRED_AT, node)
        if at is None:
            return None
        reason = self._value(node, RETIREMENT_REASON, node)
        return {"at": at.value, "reason": reason.value if reason else "",
                "last_version": self._latest_retired_version(ref)}

    def history(self, ref: PassportRef) -> list[VersionInfo]:
        """Every version of the passport, oldest first, with its provenance."""
        rows = select_plain(self.store, "passport-history", {"passport": ox.NamedNode(
            PassportRef(ref.base, ref.municipality, ref.key).iri)}, union=True)
        return [VersionInfo(int(r["number"]), r["version"], r["generated"], r.get("invalidated"),
                            r.get("agent"), r.get("source"), r.get("activity"), r.get("comment"))
                for r in rows]

    def agent_names(self, agents: Iterable[str], lang: str = "en") -> dict[str, str]:
        """The name of each agent that has one: its rdfs:label (a municipality's in the reference
        data, a command-line agent's in the provenance graph), in ``lang`` if there is one."""
        names: dict[str, str] = {}
        for agent in agents:
            labels = {q.object.language or "": q.object.value
                      for q in self.store.quads_for_pattern(ox.NamedNode(agent), LABEL, None, None)
                      if isinstance(q.object, ox.Literal)}
            name = next((labels[k] for k in (lang, "", "nl", "en") if k in labels), None)
            if name:
                names[agent] = name
        return names

    def count_passports(self) -> int:
        return int(select_plain(self.store, "count-passports", {}, union=True)[0]["n"])

    def query(self, sparql: str, **kwargs):
        kwargs.setdefault("use_default_graph_as_union", True)
        return self.store.query(sparql, **kwargs)

    # -- export ------------------------------------------------------------------------------
    def export(self, output, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS, *,
               include_history: bool = True) -> ExportSummary:
        """Dump the registry: N-Quads/TriG hold every graph of the live store (current passports,
        retired passports' records, provenance, reference data, valuations) and, with
        ``include_history``, every past version (so a retired passport's last content too). Turtle
        is the union of the live store's triples: no graphs, so no past versions."""
        summary = ExportSummary(
            current=self.count_passports(),
            retired=sum(1 for _ in self.store.quads_for_pattern(None, RDF_TYPE, RETIRED_PASSPORT, None)),
            graphs=sum(1 for _ in self.store.named_graphs()))
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            self.store.dump(output, fmt)
            if include_history and self.history_store is not None:
                summary.versions = sum(1 for _ in self.history_store.named_graphs())
                self.history_store.dump(output, fmt)
        else:
            _dump_union(self.store, output, fmt)
        return summary


def _dump_union(store: ox.Store, output, fmt: ox.RdfFormat) -> None:
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store)
    ox.serialize(triples, output, fmt)


def iter_passport_iris(registry: VersionReader, municipality: str | None = None) -> Iterator[str]:
    """Every current passport IRI, optionally of one municipality, streamed from the index."""
    for quad in registry.store.quads_for_pattern(None, RDF_TYPE, PASSPORT, None):
        if not isinstance(quad.subject, ox.NamedNode) or quad.subject != quad.graph_name:
            continue
        if municipality and f"/id/passport/{municipality}/" not in quad.subject.value:
            continue
        yield quad.subject.value
