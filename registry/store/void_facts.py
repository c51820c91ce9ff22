"""What the VoID description and the catalog's temporal coverage take from one passport graph,
kept per passport by the monitor aggregates (``monitor_index``) and summed per municipality in
``t_passport`` (``monitor_totals``) and ``t_partition`` (:class:`Partitions`), so
``/.well-known/void`` and ``/catalog`` never scan the store (``registry.store.catalog_counts``
reads them).

Per passport graph (its distinct triples, as the store holds them):

* ``triples``; ``subjects``: distinct subjects; ``entities``: distinct IRI subjects;
* ``parts``: per class, the resources typed with it (``("c", class)``: one per ``rdf:type``
  triple, the triples being distinct), per property its triples (``("p", property)``);
* ``created``/``modified``: the passport's first ``dcterms:created`` and last ``dcterms:modified``
  (with a key that sorts as the values do: UTC, microseconds), when it has both.

The sums over a municipality's passports are the saved queries' counts (``sparql/void-*.rq``,
``catalog-temporal-coverage.rq``) because a subject belongs to one passport graph (its IRI is
minted under the passport's, ``model.integrity``; a blank node is one document's). Distinct
objects are not a sum (a material or a number is the object of many passports): they stay a
query, computed off the request path (``registry.views.opendata.void``).

A write gives the sidecar the document's triples before the registry adds its managed triples
(version number, current version, content hash, created, modified) to the graph;
:func:`with_managed` counts those when the writer has made them (``Sidecar.managed``); a rebuild
reads them from the stored graph.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache

import pyoxigraph as ox

from registry.model.vocab import (
    CREATED,
    DCTERMS,
    GEO,
    MODIFIED,
    MP,
    OWL,
    PROV,
    QUDT,
    RDF,
    RDF_TYPE,
    RDFS,
    SKOS,
    XSD,
)

# The class and property partitions per municipality: one row each, the counts as JSON
# ``{"c CLASS": entities, "p PROPERTY": triples}`` (a few hundred keys): changed once per
# municipality and write, where a row per key would be thousands of upserts per write.
PARTITIONS_SCHEMA = "CREATE TABLE IF NOT EXISTS t_partition (municipality TEXT PRIMARY KEY, parts TEXT NOT NULL);"

CLASS, PROPERTY = "c", "p"
DATETIME = ox.NamedNode(XSD + "dateTime")


_TIME = re.compile(r"^(.*T\d\d:\d\d:\d\d)(\.\d*)?(Z|[+-]\d\d:\d\d)?$")


def canonical_time(term: ox.Literal) -> str:
    """The text of a ``xsd:dateTime`` as the store gives it back (``.950+00:00`` is ``.95Z``)."""
    found = _TIME.match(term.value) if term.datatype == DATETIME else None
    if found is None:
        return term.value
    whole, fraction, zone = found.groups()
    fraction = (fraction or "").rstrip("0").rstrip(".")
    return whole + fraction + ("Z" if zone in ("+00:00", "-00:00") else zone or "")


def time_key(text: str) -> str:
    """A key that sorts as the ``xsd:dateTime`` values do (UTC; the text itself if unreadable)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


@dataclass
class VoidFacts:
    triples: int = 0
    subjects: int = 0
    entities: int = 0
    parts: dict[tuple[str, str], int] = field(default_factory=dict)
    created: str | None = None
    modified: str | None = None

    @property
    def created_key(self) -> str | None:
        return None if self.created is None or self.modified is None else time_key(self.created)

    @property
    def modified_key(self) -> str | None:
        return None if self.created is None or self.modified is None else time_key(self.modified)

    def _date(self, predicate: ox.NamedNode, term: ox.Literal) -> None:
        value = canonical_time(term)
        if predicate == CREATED:
            if self.created is None or time_key(value) < time_key(self.created):
                self.created = value
        elif self.modified is None or time_key(value) > time_key(self.modified):
            self.modified = value


def void_facts(iri: str, statements: Iterable[ox.Triple | ox.Quad]) -> VoidFacts:
    """The figures of passport ``iri``'s graph from its statements (all in that graph; triples and
    quads may be mixed)."""
    distinct = set(statements)
    if len({type(t) for t in distinct}) > 1:  # a triple and a quad of the same statement count once
        distinct = {ox.Triple(t.subject, t.predicate, t.object) for t in distinct}
    facts = VoidFacts(len(distinct))
    subjects = set()
    parts = facts.parts
    for t in distinct:
        s, p = t.subject, t.predicate
        subjects.add(s)
        key = (PROPERTY, p.value)
        parts[key] = parts.get(key, 0) + 1
        if p == RDF_TYPE:
            key = (CLASS, t.object.value)
            parts[key] = parts.get(key, 0) + 1
        elif (p == CREATED or p == MODIFIED) and s.value == iri and isinstance(t.object, ox.Literal):
            facts._date(p, t.object)
    facts.subjects = len(subjects)
    facts.entities = sum(1 for s in subjects if type(s) is ox.NamedNode)
    return facts


def with_managed(facts: VoidFacts, iri: str, statements: Iterable[ox.Triple | ox.Quad]) -> VoidFacts:
    """``facts`` and the registry's managed triples of a new version (their predicates are never
    in a document read, so none is counted already; their subject is the passport, counted
    already): a new value, so giving the same version's twice counts them once."""
    out = replace(facts, parts=dict(facts.parts))
    for t in statements:
        out.triples += 1
        key = (PROPERTY, t.predicate.value)
        out.parts[key] = out.parts.get(key, 0) + 1
        if (t.predicate == CREATED or t.predicate == MODIFIED) and t.subject.value == iri \
                and isinstance(t.object, ox.Literal):
            out._date(t.predicate, t.object)
    return out


# A passport's partitions as kept in its row (``encode_parts``): compact JSON ``[["c0:Component", 3], ...]``,
# the kind, then the term with a namespace of this list as its digit (an IRI's scheme never starts
# with one; another term that does gets a "~"): a third of the text with the IRIs written out.
_SHORT = (MP, DCTERMS, GEO, QUDT, RDF, RDFS, XSD, SKOS, PROV, OWL)


@lru_cache(maxsize=8192)
def _short(term: str) -> str:
    for code, namespace in enumerate(_SHORT):
        if term.startswith(namespace):
            return f"{code}:{term[len(namespace):]}"
    return "~" + term if term[:1].isdigit() or term[:1] == "~" else term


@lru_cache(maxsize=8192)
def _long(text: str) -> str:
    if text[:1] == "~":
        return text[1:]
    if text[:1].isdigit() and text[1:2] == ":":
        return _SHORT[int(text[0])] + text[2:]
    return text


def encode_parts(parts: dict[tuple[str, str], int]) -> str:
    return json.dumps(sorted([kind + _short(term), n] for (kind, term), n in parts.items()), separators=(",", ":"))


def decode_parts(text: str | None) -> Iterator[tuple[tuple[str, str], int]]:
    for key, n in json.loads(text or "[]"):
        yield (key[0], _long(key[1:])), n


class Partitions:
    """The partitions' changes of one transaction, per municipality, written at its end."""

    def __init__(self) -> None:
        self._delta: dict[str, dict[str, int]] = {}

    def add(self, municipality: str, parts: Iterable[tuple[tuple[str, str], int]], sign: int) -> None:
        delta = self._delta.setdefault(municipality, {})
        for (kind, term), n in parts:
            key = f"{kind} {term}"
            delta[key] = delta.get(key, 0) + sign * n

    def write(self, conn: sqlite3.Connection) -> None:
        """Add the changes to the rows (a count at zero leaves; so does an empty row); start again."""
        delta, self._delta = self._delta, {}
        for municipality, changes in delta.items():
            if not any(changes.values()):
                continue
            row = conn.execute("SELECT parts FROM t_partition WHERE municipality = ?", (municipality,)).fetchone()
            parts = json.loads(row[0]) if row is not None else {}
            for key, n in changes.items():
                value = parts.get(key, 0) + n
                if value:
                    parts[key] = value
                else:
                    parts.pop(key, None)
            if parts:
                conn.execute("INSERT OR REPLACE INTO t_partition VALUES (?, ?)",
                             (municipality, json.dumps(parts, sort_keys=True)))
            else:
                conn.execute("DELETE FROM t_partition WHERE municipality = ?", (municipality,))


def read_partitions(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, term, count) of a ``t_partition`` row."""
    for key, n in json.loads(text).items():
        kind, _, term = key.partition(" ")
        yield kind, term, n


__all__ = ["CLASS", "PARTITIONS_SCHEMA", "PROPERTY", "Partitions", "VoidFacts", "canonical_time", "decode_parts",
           "encode_parts", "read_partitions", "time_key", "void_facts", "with_managed"]
