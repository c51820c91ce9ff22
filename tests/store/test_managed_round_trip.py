"""Registry-managed triples on any resource of a passport (the derived mass of a quantity as
well as the version fields of the passport): sent back unchanged they are ignored, changed they
are refused, each one named; the same through ``Registry.add`` (the CLI) as through the API."""

from __future__ import annotations

import pyoxigraph as ox
from conftest import BASE, docs_from, passport_ttl

from registry.model.managed import structural_problems
from registry.model.uris import passport_ref
from registry.model.vocab import MP

REF = passport_ref(BASE, "GM0153", "brug-0042")
QUANTITY = ox.NamedNode(f"{BASE}id/quantity/GM0153/brug-0042/deck-concrete")
MASS = ox.NamedNode(MP + "massKg")


def stored_ttl(registry) -> str:
    return ox.serialize(registry.get(REF), format=ox.RdfFormat.TURTLE).decode()


def with_stored_mass(registry, kg: str) -> None:
    """What the registry's mass derivation writes next to a stored quantity."""
    registry.store.add(ox.Quad(QUANTITY, MASS, ox.Literal(kg, datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#decimal")), ox.NamedNode(REF.iri)))


def test_unchanged_managed_triples_on_any_resource_are_ignored(registry):
    assert registry.add(docs_from(passport_ttl())).created == [REF.iri]
    with_stored_mass(registry, "120500")
    text = stored_ttl(registry)
    assert "massKg" in text and "versionNumber" in text
    assert registry.add(docs_from(text)).unchanged == [REF.iri]
    report = registry.add(docs_from(text.replace("120.5", "121.5")))
    assert report.updated == [REF.iri], report.rejected


def test_changed_managed_triples_are_each_refused(registry):
    registry.add(docs_from(passport_ttl()))
    with_stored_mass(registry, "120500")
    text = stored_ttl(registry).replace("120500", "99").replace(
        "<https://w3id.org/materiaalpaspoort/def#versionNumber> 1", "<https://w3id.org/materiaalpaspoort/def#versionNumber> 5")
    report = registry.add(docs_from(text))
    assert len(report.rejected) == 1
    issues = report.rejected[0].issues
    assert sorted((i.path.rsplit("#", 1)[1], i.value) for i in issues) == [("massKg", "99"), ("versionNumber", "5")]
    assert {i.focus for i in issues} == {QUANTITY.value, REF.iri}
    assert all("schrijft het register zelf" in i.text("nl") for i in issues)


def test_every_structural_problem_is_reported_not_only_the_first():
    text = passport_ttl() + (f'<{REF.iri}> <{MP}contentHash> "x" ; <{MP}versionNumber> 3 ; '
                             f'<{MP}municipality> <https://w3id.org/materiaalpaspoort/id/municipality/GM0141> .\n')
    problems = structural_problems(docs_from(text)[0])
    assert len(problems) == 3, problems  # two managed fields and the municipality, no "not typed"
    assert not any("typed" in p.en for p in problems)
    untyped = structural_problems(docs_from(text.replace(" a mp:Passport ;", " a mp:Passport, mp:X ;"))[0])
    assert len(untyped) == 3
