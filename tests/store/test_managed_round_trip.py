"""Registry-managed triples in a passport sent back (the CLI's ``add`` as well as the API): the
version fields of the passport and the derived masses of its quantities. Unchanged, they are
ignored; a changed version field is refused, each one named; a changed mass is ignored and derived
again (the mass is the registry's, docs/model.md "Mass")."""

from __future__ import annotations

import pyoxigraph as ox
from conftest import BASE, docs_from, passport_ttl

from registry.model.documents import PassportDoc
from registry.model.managed import structural_problems
from registry.model.uris import passport_ref
from registry.model.vocab import MASS_KG, MP

REF = passport_ref(BASE, "GM0153", "brug-0042")
QUANTITY = ox.NamedNode(f"{BASE}id/quantity/GM0153/brug-0042/deck-concrete")


def stored_ttl(registry) -> str:
    return ox.serialize(registry.get(REF), format=ox.RdfFormat.TURTLE).decode()


def mass_of(registry) -> str:
    return next(t.object.value for t in registry.get(REF) if t.subject == QUANTITY and t.predicate == MASS_KG)


def test_unchanged_managed_triples_on_any_resource_are_ignored(registry):
    assert registry.add(docs_from(passport_ttl())).created == [REF.iri]
    text = stored_ttl(registry)
    assert "massKg" in text and "versionNumber" in text
    assert registry.add(docs_from(text)).unchanged == [REF.iri]
    before = mass_of(registry)
    report = registry.add(docs_from(text.replace("120.5", "121.5")))
    assert report.updated == [REF.iri], report.rejected
    assert mass_of(registry) != before  # derived again from the new quantity


def test_changed_version_fields_are_each_refused_and_a_changed_mass_derived_again(registry):
    registry.add(docs_from(passport_ttl()))
    mass = mass_of(registry)
    text = stored_ttl(registry).replace(f'"{mass}"', '"99"').replace(
        f"<{MP}versionNumber> 1", f"<{MP}versionNumber> 5")
    text = text.replace(next(t.object.value for t in registry.get(REF) if t.predicate.value == MP + "contentHash"),
                        "abc")
    report = registry.add(docs_from(text))
    assert len(report.rejected) == 1
    issues = report.rejected[0].issues
    assert sorted((i.path.rsplit("#", 1)[1], i.value) for i in issues) == [("contentHash", "abc"),
                                                                           ("versionNumber", "5")]
    assert all("schrijft het register zelf" in i.text("nl") for i in issues)
    only_mass = stored_ttl(registry).replace(f'"{mass}"', '"99"')
    assert registry.add(docs_from(only_mass)).unchanged == [REF.iri] and mass_of(registry) == mass


def test_managed_predicates_are_found_on_any_resource_and_all_reported():
    doc = docs_from(passport_ttl() + (
        f'<{REF.iri}> <{MP}contentHash> "x" ; <{MP}versionNumber> 3 ; '
        f'<{MP}municipality> <https://w3id.org/materiaalpaspoort/id/municipality/GM0141> .\n'))[0]
    problems = structural_problems(doc)
    assert len(problems) == 3, problems  # two managed fields and the municipality, no "not typed"
    assert not any("typed" in p.en for p in problems)
    with_mass = PassportDoc(doc.ref, [*doc.triples, ox.Triple(QUANTITY, MASS_KG, ox.Literal("1"))])
    assert [p.focus for p in structural_problems(with_mass)].count(QUANTITY.value) == 1
