"""Registry-managed triples in a submitted passport, and the other structural rules checked before
SHACL: the round trip of a downloaded passport.

A passport downloaded from the registry (any RDF format) holds triples the registry writes
itself: on the passport (``MANAGED_PREDICATES``: version number, current version, content hash,
created, modified, retirement) and on its other resources (``MANAGED_QUANTITY_PREDICATES``: the
mass derived for each material quantity). Sent back with those triples unchanged, the document is
read as if they were not there (:func:`without_unchanged`, given the stored ones); a managed
triple that differs from the stored one, or any on a new passport, is refused by
:func:`structural_problems`: every one of them, in one answer, in English and Dutch.

The masses never get that far when a document is read from RDF: ``documents.make_doc`` drops
them, changed or not, and the writer derives them again (docs/model.md, "Mass"). The rules here
still cover them for documents made otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from registry.model.documents import PassportDoc, belongs_to
from registry.model.vocab import (
    CONTENT_HASH,
    CREATED,
    CURRENT_VERSION,
    MANAGED_PREDICATES,
    MANAGED_QUANTITY_PREDICATES,
    MODIFIED,
    MUNICIPALITY,
    PASSPORT,
    RDF_TYPE,
    RETIRED_AT,
    RETIREMENT_REASON,
    VERSION_NUMBER,
    mp,
    mpv,
)

# predicate -> (English, Dutch) name of the managed field, for messages and the forms' field names
MANAGED_FIELDS: dict[str, tuple[str, str]] = {
    VERSION_NUMBER.value: ("version number", "versienummer"),
    CURRENT_VERSION.value: ("current version", "huidige versie"),
    CONTENT_HASH.value: ("content hash", "inhoudshash"),
    CREATED.value: ("created", "aangemaakt"),
    MODIFIED.value: ("last modified", "laatst gewijzigd"),
    RETIRED_AT.value: ("retired at", "ingetrokken op"),
    RETIREMENT_REASON.value: ("reason for retirement", "reden van intrekking"),
    mp("massKg").value: ("mass in kg", "massa in kg"),
    mp("massQuality").value: ("quality of the mass", "kwaliteit van de massa"),
    mp("massMethod").value: ("method of the mass", "methode van de massa"),
    mp("massDerivation").value: ("derivation of the mass", "afleiding van de massa"),
}


@dataclass(frozen=True)
class Structural:
    """One structural problem of a document: what, where, in English and Dutch."""

    en: str
    nl: str
    focus: str
    path: str = ""
    value: str = ""


def is_managed(triple: ox.Triple, passport: ox.NamedNode) -> bool:
    """Whether the registry writes ``triple`` itself (on the passport or on any of its resources)."""
    predicate = triple.predicate
    return predicate in MANAGED_QUANTITY_PREDICATES or (
        predicate in MANAGED_PREDICATES and triple.subject == passport)


def managed_triples(triples: Iterable[ox.Triple], passport: ox.NamedNode) -> list[ox.Triple]:
    return [t for t in triples if is_managed(t, passport)]


def _key(triple: ox.Triple) -> tuple:
    """What makes two managed triples the same: blank nodes are renamed on every parse, so a
    triple on a blank node is compared by its predicate and value."""
    subject = triple.subject if isinstance(triple.subject, ox.NamedNode) else None
    return subject, triple.predicate, triple.object


def has_managed(doc: PassportDoc) -> bool:
    passport = ox.NamedNode(doc.iri)
    return any(is_managed(t, passport) for t in doc.statements())


def without_unchanged(doc: PassportDoc, stored: Iterable[ox.Triple]) -> PassportDoc:
    """``doc`` without the managed triples that equal ``stored`` ones (the registry's triples of
    the stored current version); the others stay, for :func:`structural_problems` to refuse."""
    known = {_key(t) for t in stored}
    passport = ox.NamedNode(doc.iri)
    kept = [t for t in doc.triples if not (is_managed(t, passport) and _key(t) in known)]
    if len(kept) == len(doc.triples):
        return doc
    return PassportDoc(doc.ref, kept, doc.source)


def _managed_problem(triple: ox.Triple) -> Structural:
    en_name, nl_name = MANAGED_FIELDS.get(triple.predicate.value, (triple.predicate.value,) * 2)
    value = triple.object.value if isinstance(triple.object, ox.Literal | ox.NamedNode) else str(triple.object)
    focus = triple.subject.value if isinstance(triple.subject, ox.NamedNode) else str(triple.subject)
    return Structural(
        f"{en_name} ({triple.predicate.value}) is written by the registry itself, and the value sent "
        f"({value}) is not the stored one; leave it out or send it unchanged (a download made before "
        "the current version holds old values: download the passport again)",
        f"{nl_name} ({triple.predicate.value}) schrijft het register zelf, en de verstuurde waarde "
        f"({value}) is niet de opgeslagen waarde; laat het veld weg of stuur het ongewijzigd terug (een "
        "download van vóór de huidige versie heeft oude waarden: download het paspoort opnieuw)",
        focus, triple.predicate.value, value)


def structural_problems(doc: PassportDoc, municipality: str | None = None) -> list[Structural]:
    """What keeps a document from being a passport of its own municipality, before SHACL: every
    problem found, not only the first."""
    problems: list[Structural] = []
    ref = doc.ref
    if municipality is not None and ref.municipality != municipality:
        problems.append(Structural(
            f"{ref.iri} belongs to municipality {ref.municipality}; you may only write passports of "
            f"{municipality}",
            f"{ref.iri} hoort bij gemeente {ref.municipality}; u mag alleen paspoorten van "
            f"{municipality} schrijven", ref.iri))
    passport = ox.NamedNode(ref.iri)
    typed = False
    municipality_node = mpv(f"municipality/{ref.municipality}")
    checked: set = set()
    outside = False
    for t in doc.triples:
        subject = t.subject
        if subject not in checked:
            checked.add(subject)
            if not outside and isinstance(subject, ox.NamedNode) and not belongs_to(ref, subject.value):
                outside = True  # reported once: the splitter keeps such documents rare
                own = f"{ref.base}id/<kind>/{ref.municipality}/{ref.key}..."
                problems.append(Structural(
                    f"{subject.value} is outside this passport's own IRIs ({own}); a passport may "
                    "only describe its own resources",
                    f"{subject.value} valt buiten de eigen IRI's van dit paspoort ({own}); een "
                    "paspoort beschrijft alleen zijn eigen onderdelen", subject.value))
        if is_managed(t, passport):
            problems.append(_managed_problem(t))
        elif subject == passport:
            if t.predicate == RDF_TYPE and t.object == PASSPORT:
                typed = True
            elif t.predicate == MUNICIPALITY and t.object != municipality_node:
                problems.append(Structural(
                    f"the municipality is {t.object} but the passport IRI is scoped to "
                    f"{ref.municipality}; use <{municipality_node.value}>",
                    f"de gemeente is {t.object} maar de paspoort-IRI hoort bij {ref.municipality}; "
                    f"gebruik <{municipality_node.value}>", ref.iri, MUNICIPALITY.value,
                    str(t.object.value)))
    if not typed:
        problems.append(Structural(
            f"{ref.iri} is not typed as a passport; add `<{ref.iri}> a mp:Passport`",
            f"{ref.iri} heeft niet het type paspoort; voeg `<{ref.iri}> a mp:Passport` toe", ref.iri))
    return problems


__all__ = ["MANAGED_FIELDS", "Structural", "has_managed", "is_managed", "managed_triples",
           "structural_problems", "without_unchanged"]
