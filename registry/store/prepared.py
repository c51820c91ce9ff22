"""The per-passport work of a long ``add``, done in the validation worker's process (issue 15).

``Registry.add`` sends each batch to a second process to be validated (``validation.worker``).
That process parses the passports anyway; ``prepare`` (the worker's task) also derives there
what the main process otherwise derived passport by passport, holding the GIL its writer thread
needs: the registry-managed triples (the mass of every quantity, ``model.mass``; the CRS84 copy
of every geometry, ``model.geometry``) as N-Quads in the passport's graph, ready to be
bulk-loaded after the passport's own bytes, and each sidecar index's facts
(``Sidecar.derive_facts``, read from the same triples as the writer would read them). The main
process is left with ordering the batches, the journal, the bulk loads and the sidecar rows.
Only passports that conform are prepared; if the worker dies, the main process validates and
derives itself (``prepared`` is None then).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any

import pyoxigraph as ox

from registry.model.geometry import geometry_triples
from registry.model.mass import mass_tables, mass_triples
from registry.model.terms import get_terms
from registry.store.feed_index import FeedIndex
from registry.store.monitor_index import MonitorIndex
from registry.store.search_index import SearchIndex
from registry.validation.worker import Result, check, parse_payload

SIDECARS = (SearchIndex, MonitorIndex, FeedIndex)  # the sidecar kinds a writable registry keeps


@dataclass
class Prepared:
    """What the worker derived of the conforming passports of one batch, by passport IRI."""

    derived: dict[str, bytes]  # the registry-managed triples, N-Quads in the passport's graph
    facts: dict[str, dict[str, Any]]  # by sidecar file: the facts of each passport (None: no row)

    def rows(self, sidecar: Any, iris: list[str]) -> list:
        """The rows of ``sidecar`` (a ``Sidecar`` or one that stands for it) for these passports."""
        by_iri = self.facts.get(sidecar.FILE, {})
        return [f for f in (by_iri.get(iri) for iri in iris) if f is not None]

    def quads(self, iri: str) -> list[ox.Quad]:
        """The registry-managed quads of one passport (for a write that is not a bulk load)."""
        return list(ox.parse(self.derived[iri], ox.RdfFormat.N_QUADS))


def derived_triples(statements: list, tables: Any) -> list[ox.Triple]:
    """The registry-managed triples of a passport: the mass of every quantity, next to the
    recorded one (not hashed), and the CRS84 copy of every geometry."""
    return list(mass_triples(statements, tables)) + geometry_triples(statements)


def prepare(base: str, payload: list[tuple[str, bytes]], municipality: str | None) -> Result:
    """The worker's task for one batch: hashes, verdicts and the ``Prepared`` derivations."""
    docs = parse_payload(base, payload)
    hashes, verdicts = check(docs, municipality)
    tables, terms = mass_tables(), get_terms()
    prepared = Prepared({}, {kind.FILE: {} for kind in SIDECARS})
    for doc, verdict in zip(docs, verdicts):
        if not verdict.conforms:
            continue
        statements = doc.statements()
        extra = derived_triples(statements, tables)
        node = ox.NamedNode(doc.iri)
        prepared.derived[doc.iri] = ox.serialize([ox.Quad(t.subject, t.predicate, t.object, node) for t in extra],
                                                 format=ox.RdfFormat.N_QUADS)
        for kind in SIDECARS:
            prepared.facts[kind.FILE][doc.iri] = kind.derive_facts(doc.iri, chain(statements, extra), terms)
    return hashes, verdicts, prepared
