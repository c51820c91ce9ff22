"""Which passport of a batch a validation result is about: ``BatchOwners`` (compiled engine) and
``ReportOwners`` (pySHACL's report).

A batch is validated at once, so every result has to be handed back to the passport it belongs to.
The focus node tells, in this order:

1. an IRI under a passport of the batch (``{base}id/{kind}/{GM}/{key}...``) belongs to that passport;
2. any other node (a blank node, a literal, a concept IRI) belongs to the passports whose triples
   hold it: a blank node to exactly one (the readers keep blank nodes apart between passports,
   and the batch store keeps their labels), a literal or a shared IRI to each passport that
   contains it;
3. a result about no node of the data (a literal named by ``sh:targetNode``) is about the shapes,
   not a passport: it goes to every passport of the batch.

A result of the compiled engine on a literal is looked up by its ``anchor`` (the nearest IRI or
blank node on the way to it: a literal may be in several passports, the path to it runs through
one). For pySHACL, which reports no path, a result on a node several passports hold goes to those
the compiled engine found the same shape failing for.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
import rdflib

from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport


def batch_store(docs: Iterable[PassportDoc]) -> ox.Store:
    """An in-memory store of a batch's triples (in the default graph), blank nodes as they are.

    ``Store.extend`` keeps blank node labels (``Store.load`` would rename them, after which a
    result on a blank node could no longer be traced to its passport) and is as fast as
    serialising and loading N-Triples. Blank nodes must already be distinct between documents:
    the file readers parse with ``rename_blank_nodes=True`` and generators use
    ``pyoxigraph.BlankNode()``.
    """
    store = ox.Store()
    store.extend(ox.Quad(s, p, o) for doc in docs for s, p, o in doc.triples)
    return store


class BatchOwners:
    """The passports (IRIs, in batch order) a result of the compiled engine belongs to."""

    def __init__(self, docs: list[PassportDoc]):
        self.docs = docs
        self.base = docs[0].ref.base if docs else ""
        self.order = {doc.iri: i for i, doc in enumerate(docs)}
        self.store = batch_store(docs)
        self._holders: dict | None = None  # term -> passports holding it, made on first need
        self._cache: dict = {}

    def of(self, focus, anchor=None) -> list[str]:
        """The owners of a result on ``focus`` reached through ``anchor``; all of them if none.

        A literal is looked up by its anchor (the literal itself when a target named it), since the
        same literal may be in several passports while the path to it runs through one.
        """
        node = anchor if isinstance(focus, ox.Literal) and anchor is not None else focus
        found = self._cache.get(node)
        if found is None:
            found = self._cache[node] = self._look_up(node)
        return found or list(self.order)

    def _look_up(self, node) -> list[str]:
        if isinstance(node, ox.NamedNode):
            ref = owning_passport(self.base, node.value)
            if ref is not None and ref.iri in self.order:
                return [ref.iri]
        if self._holders is None:  # one pass over the batch, only when a result needs it
            holders: dict = {}
            for doc in self.docs:
                iri = doc.iri
                for subject, _, obj in doc.triples:
                    holders.setdefault(subject, set()).add(iri)
                    holders.setdefault(obj, set()).add(iri)
            self._holders = holders
        return sorted(self._holders.get(node, ()), key=self.order.__getitem__)


class ReportOwners:
    """The same for pySHACL's report: the data graph's terms, each with the passports holding it."""

    def __init__(self, base: str, iris: list[str]):
        self.base = base
        self.order = {iri: i for i, iri in enumerate(iris)}
        self.holders: dict = {}  # rdflib term of the data graph -> set of passport IRIs

    def hold(self, iri: str, subject, obj) -> None:
        """Record that passport ``iri`` has a triple with ``subject`` and ``obj`` (rdflib terms)."""
        self.holders.setdefault(subject, set()).add(iri)
        self.holders.setdefault(obj, set()).add(iri)

    def of(self, focus) -> list[str]:
        """The owners of a result whose focus node is the rdflib term ``focus``."""
        if isinstance(focus, rdflib.URIRef):
            ref = owning_passport(self.base, str(focus))
            if ref is not None and ref.iri in self.order:
                return [ref.iri]
        found = self.holders.get(focus)
        if not found:
            return list(self.order)
        return sorted(found, key=self.order.__getitem__)


__all__ = ["BatchOwners", "ReportOwners", "batch_store"]
