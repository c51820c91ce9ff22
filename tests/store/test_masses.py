"""The mass of every stored quantity: written with each version by every write path, never hashed,
kept by history, re-derived when the reference values change or a store predates masses."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import BASE, docs_from, dump, passport_ttl

from registry.model.mass import mass_triples
from registry.model.uris import passport_ref
from registry.model.vocab import (
    MANAGED_PREDICATES,
    MANAGED_QUANTITY_PREDICATES,
    MASS_KG,
    MASS_METHOD,
    MASS_PREDICATES,
    MASS_QUALITY,
)
from registry.store import masses
from registry.store.registry import Registry

REF = passport_ref(BASE, "GM0153", "brug-0042")
DQ = "https://w3id.org/materiaalpaspoort/id/dataquality/"


def mass_of(triples, quantity: str) -> dict:
    return {t.predicate: t.object.value for t in triples
            if t.subject.value.endswith("/" + quantity) and t.predicate in MANAGED_QUANTITY_PREDICATES
            and t.predicate != masses.HAS_VERSION}


def test_add_writes_the_mass_of_every_quantity_outside_the_content_hash(registry):
    doc = docs_from(passport_ttl())[0]
    registry.add([doc])
    stored = registry.get(REF)
    deck = mass_of(stored, "deck-concrete")
    assert deck[MASS_KG] == "120500" and deck[MASS_QUALITY] == DQ + "measured"
    assert mass_of(stored, "railing-steel")[MASS_QUALITY] == DQ + "estimated"
    hash_quad = next(t for t in stored if t.predicate.value.endswith("contentHash"))
    assert hash_quad.object.value == doc.content_hash()


def test_what_the_registry_gave_back_is_unchanged_when_sent_again(registry):
    """Round trip: the stored graph (with its masses, without the other managed triples) sent again."""
    registry.add(docs_from(passport_ttl()))
    before = dump(registry)
    sent = [t for t in registry.get(REF) if t.predicate not in MANAGED_PREDICATES]
    assert [t for t in sent if t.predicate == MASS_KG]
    docs = docs_from(ox.serialize(sent, format=ox.RdfFormat.N_TRIPLES).decode(), ox.RdfFormat.N_TRIPLES)
    assert not [t for t in docs[0].triples if t.predicate in MANAGED_QUANTITY_PREDICATES]
    report = registry.add(docs)
    assert report.unchanged == [REF.iri], (report.created, report.updated, report.rejected)
    assert dump(registry) == before


def test_a_changed_mass_sent_in_is_ignored_and_derived_again(registry):
    text = passport_ttl().replace("qudt:numericValue 120.5 ;",
                                  'qudt:numericValue 120.5 ; mp:massKg 1.0 ; mp:massMethod <urn:x> ;')
    registry.add(docs_from(text))
    deck = mass_of(registry.get(REF), "deck-concrete")
    assert deck[MASS_KG] == "120500"
    assert deck[MASS_METHOD].endswith("/massmethod/recorded")


def test_history_versions_keep_their_masses(registry):
    registry.add(docs_from(passport_ttl(amount="120.5")))
    registry.add(docs_from(passport_ttl(amount="130")))
    assert mass_of(registry.get(REF.at(1)), "deck-concrete")[MASS_KG] == "120500"
    assert mass_of(registry.get(REF), "deck-concrete")[MASS_KG] == "130000"


def test_bulk_loaded_batches_carry_masses(registry):
    """Batches of new passports validated in the worker are bulk-loaded from their N-Quads bodies."""
    docs = docs_from("".join(passport_ttl(f"brug-{i}") for i in range(6)))
    report = registry.add(docs, batch_size=2)
    assert len(report.created) == 6
    for i in range(6):
        stored = registry.get(passport_ref(BASE, "GM0153", f"brug-{i}"))
        assert mass_of(stored, "deck-concrete")[MASS_KG] == "120500"


def test_a_quantity_without_possible_derivation_has_no_mass(registry):
    text = passport_ttl().replace("qudt:numericValue 2.4 ;\n    qudt:unit unit:TON_Metric ;",
                                  "qudt:numericValue 2 ;\n    qudt:unit unit:NUM ;")
    assert "unit:NUM" in text
    registry.add(docs_from(text))
    stored = registry.get(REF)
    assert mass_of(stored, "railing-steel") == {}  # 2 pieces of steel in a bridge: no typical mass
    assert mass_of(stored, "deck-concrete")[MASS_KG] == "120500"


def _strip_masses(registry: Registry) -> None:
    """Make the store look like one written before masses existed."""
    for store in (registry.store, registry.history_store):
        for quad in [q for q in store if q.predicate in MASS_PREDICATES]:
            store.remove(quad)
    for quad in list(registry.store.quads_for_pattern(masses.state_node(BASE), None, None, None)):
        registry.store.remove(quad)


def test_opening_a_store_without_masses_derives_them_also_in_history(settings):
    with Registry.open(settings) as registry:
        registry.add(docs_from(passport_ttl(amount="120.5")))
        registry.add(docs_from(passport_ttl(amount="130")))
        expected = dump(registry)
        _strip_masses(registry)
        assert dump(registry) != expected
    with Registry.open(settings) as registry:
        assert dump(registry) == expected
        assert not masses.is_stale(registry.store, BASE, registry.provenance_graph)


def test_changed_reference_values_are_derived_again_at_opening(settings):
    with Registry.open(settings) as registry:
        registry.add(docs_from(passport_ttl()))
        node = masses.state_node(BASE)
        quad = next(registry.store.quads_for_pattern(node, None, None, None))
        registry.store.remove(quad)  # as if the reference values had been others
        registry.store.add(ox.Quad(node, quad.predicate, ox.Literal("sha256:old"), quad.graph_name))
        # a mass derived with the old values
        deck = next(q for q in registry.store.quads_for_pattern(None, MASS_KG, None, None)
                    if q.subject.value.endswith("deck-concrete"))
        registry.store.remove(deck)
        registry.store.add(ox.Quad(deck.subject, MASS_KG, ox.Literal("1"), deck.graph_name))
    with Registry.open(settings) as registry:
        assert mass_of(registry.get(REF), "deck-concrete")[MASS_KG] == "120500"
        assert registry.refresh_masses() == 0  # nothing left to change


def test_refresh_leaves_content_hashes_and_counts_alone(registry):
    registry.add(docs_from(passport_ttl("a") + passport_ttl("b")))
    before = dump(registry)
    assert registry.refresh_masses() == 0
    assert dump(registry) == before
    assert registry.count_passports() == 2
    stored = registry.get(passport_ref(BASE, "GM0153", "a"))
    assert len([t for t in stored if t.predicate in MASS_PREDICATES]) == len(
        mass_triples([t for t in stored if t.predicate not in MANAGED_QUANTITY_PREDICATES]))


@pytest.mark.parametrize("what", ["masses", "geometries"])  # geometries: the CRS84 copy (docs/model.md)
def test_masses_refresh_command(settings, what):
    from conftest import DATA, run_cli

    env = {"PASSPORTS_DATA": str(settings.data_dir), "PASSPORTS_BASE": BASE}
    assert run_cli("add", str(DATA / "brug-0042.ttl"), env=env).returncode == 0
    result = run_cli(what, "refresh", env=env)
    assert result.returncode == 0, result.stderr
    assert "0 of 1 graphs changed" in result.stdout


def test_the_write_api_stores_masses(app_client, settings):
    from registry.store.tokens import TokenStore

    _, token = TokenStore(settings.tokens_path).create("GM0153", "mass test")
    r = app_client.put("/api/v1/passports/GM0153/brug-0042", content=passport_ttl(),
                       headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    stored = app_client.app.state.registry.get(REF)
    assert mass_of(stored, "deck-concrete")[MASS_KG] == "120500"
