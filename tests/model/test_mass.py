"""registry.model.mass: every method and unit, the flags, the derivation text, no derivation possible,
and the reference data it reads (ontology/mass.ttl), checked by hand against the files' values."""

from __future__ import annotations

from decimal import Decimal as D

import pyoxigraph as ox
import pytest
from conftest import docs_from, passport_ttl

from registry.model.mass import Quantity, derive, mass_triples, quantities
from registry.model.mass_tables import mass_tables, short_citation, tables_from
from registry.model.reference import load_ontology_store
from registry.model.vocab import MASS_DERIVATION, MASS_KG, MASS_METHOD, MASS_QUALITY, MP


@pytest.fixture(scope="module")
def tables():
    return mass_tables()


def test_recorded_kilograms_are_measured_unless_the_quantity_says_otherwise(tables):
    m = derive(Quantity("steel", D(145), "KiloGM"), tables)
    assert (m.kg, m.quality, m.method) == (D(145), "measured", "recorded")
    assert m.derivation == {"nl": "145 kg (vastgelegd)", "en": "145 kg (recorded)"}
    estimated = derive(Quantity("steel", D(145), "KiloGM", quality="estimated"), tables)
    assert estimated.quality == "estimated"


def test_recorded_tonnes_become_kilograms(tables):
    m = derive(Quantity("concrete", D("2.7088"), "TON_Metric", quality="measured"), tables)
    assert (m.kg, m.quality, m.method) == (D("2708.8"), "measured", "recorded")
    assert m.derivation["en"] == "2.7088 t = 2,708.8 kg (recorded)"
    assert m.derivation["nl"] == "2,7088 t = 2.708,8 kg (vastgelegd)"


def test_volume_times_default_density(tables):
    # 243.9 m3 x 2,400 kg/m3 (concrete, NEN-EN 1991-1-1 Annex A) = 585,360 kg
    m = derive(Quantity("concrete", D("243.9"), "M3", quality="measured"), tables)
    assert (m.kg, m.quality, m.method) == (D(585360), "default", "volume-density")
    assert m.derivation["en"].startswith("243.9 m³ × 2,400 kg/m³ = 585,360 kg (default density of concrete: "
                                         "NEN-EN 1991-1-1")
    assert m.derivation["nl"].startswith("243,9 m³ × 2.400 kg/m³ = 585.360 kg (standaarddichtheid van beton: ")


def test_volume_times_the_passports_own_density_is_estimated(tables):
    m = derive(Quantity("concrete", D(2), "M3", density=D(2500)), tables)
    assert (m.kg, m.quality) == (D(5000), "estimated")
    assert "given in the passport: density" in m.derivation["en"]
    assert "opgegeven in het paspoort: dichtheid" in m.derivation["nl"]


def test_the_recorded_quality_caps_a_derived_mass(tables):
    """A volume that is itself a default value gives a default mass, even with the passport's density."""
    m = derive(Quantity("concrete", D(2), "M3", quality="default", density=D(2500)), tables)
    assert m.quality == "default"


def test_area_times_default_thickness_for_the_object_kind_and_material(tables):
    # clay pavers in paving: 120 m2 x 0.08 m x 2,050 kg/m3 = 19,680 kg
    m = derive(Quantity("clinker", D(120), "M2", ("Paving",)), tables)
    assert (m.kg, m.quality, m.method) == (D(19680), "default", "area-thickness-density")
    assert "default thickness for paving of clay brick (clinker)" in m.derivation["en"]
    assert "standaarddikte voor verharding van gebakken klinker" in m.derivation["nl"]
    # asphalt: a road section (0.12 m) is thicker than a cycle path (paving, 0.06 m); else 0.10 m
    road = derive(Quantity("asphalt", D(100), "M2", ("RoadSection",)), tables)
    path = derive(Quantity("asphalt", D(100), "M2", ("Paving",)), tables)
    other = derive(Quantity("asphalt", D(100), "M2", ("Bridge",)), tables)
    assert (road.kg, path.kg, other.kg) == (D(28200), D(14100), D(23500))


def test_a_narrower_material_inherits_the_values_of_the_broader_one(tables):
    # recycled-aggregate concrete pavers: the thickness of concrete pavers, its own density 2,350
    m = derive(Quantity("recycled-concrete", D(10), "M2", ("Paving",)), tables)
    assert m.kg == D(10) * D("0.08") * D(2350)


def test_area_with_the_passports_own_thickness_and_density_is_estimated(tables):
    m = derive(Quantity("concrete", D(3), "M2", ("Bench",), density=D(2300), thickness=D("0.1")), tables)
    assert (m.kg, m.quality) == (D(690), "estimated")


def test_length_times_default_cross_section_and_density(tables):
    # PVC sewer 200 mm SN8: 80 m x 0.0036 m2 x 1,400 kg/m3 = 403.2 kg
    m = derive(Quantity("pvc", D(80), "M", ("SewerPipe",), "measured"), tables)
    assert (m.kg, m.quality, m.method) == (D("403.2"), "default", "length-section-density")
    assert m.derivation["en"].startswith("80 m × 0.0036 m² × 1,400 kg/m³ = 403.2 kg (default cross-section")
    kerb = derive(Quantity("concrete", D(100), "M", ("Kerb",)), tables)
    assert kerb.kg == D(8400)  # 100 m x 0.035 m2 x 2,400 kg/m3


def test_pieces_times_typical_mass_by_kind_and_material_else_kind(tables):
    m = derive(Quantity("hardwood", D(2), "NUM", ("Bench",)), tables)
    assert (m.kg, m.quality, m.method) == (D(90), "default", "pieces-typical-mass")
    assert m.derivation["en"] == ("2 pieces × 45 kg = 90 kg (typical mass per piece for bench of hardwood: "
                                  "Engineering estimate (no single published value))")
    assert m.derivation["nl"].startswith("2 stuks × 45 kg = 90 kg (typische massa per stuk voor bank van hardhout: "
                                         "technische schatting")
    gully = derive(Quantity("glass", D(3), "NUM", ("StreetGully",)), tables)
    assert gully.kg == D(180)  # no glass gully: the typical mass of a whole gully, 60 kg
    own = derive(Quantity("steel", D(4), "NUM", ("Bollard",), piece=D("12.5")), tables)
    assert (own.kg, own.quality) == (D(50), "estimated")


@pytest.mark.parametrize("quantity", [
    Quantity("glass", D(3), "NUM", ("Bridge",)),  # no typical mass for a bridge
    Quantity("glass", D(3), "NUM"),  # no object kind
    Quantity("steel", D(10), "M2", ("Bridge",)),  # no default thickness of steel
    Quantity("concrete", D(10), "M", ("Bridge",)),  # no cross-section of a concrete bridge
    Quantity("unobtainium", D(1), "M3"),  # no density
    Quantity("concrete", D(1), "PERCENT"),  # not a unit of amount
])
def test_no_derivation_possible_gives_none(tables, quantity):
    assert derive(quantity, tables) is None


def test_every_reference_value_has_a_source_and_a_known_material_and_kind(tables):
    store = load_ontology_store()
    kinds = {q.subject.value[len(MP):] for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"), None) if q.subject.value.startswith(MP)}
    for name, rows in tables.tables.items():
        assert rows, name
        for (kind, material), ref in rows.items():
            assert ref.citation, ref.iri
            assert kind is None or kind in kinds, ref.iri
            assert material is None or material in tables.density, ref.iri
    assert len(tables.tables["piece"]) >= 20 and len(tables.tables["thickness"]) >= 10


def test_short_citation():
    assert short_citation("Thickness: Engineering estimate (no single published value): Dutch pavers") == \
        "Engineering estimate (no single published value)"
    assert short_citation("Cross-section: PVC-U sewer pipe (NEN-EN 1401-1): pi/4 x ...") == \
        "PVC-U sewer pipe (NEN-EN 1401-1)"


def test_the_digest_changes_with_a_value_and_not_with_other_statements():
    store = load_ontology_store()
    triples = [q.triple for q in store]
    base = tables_from(triples).digest
    extra = ox.Triple(ox.NamedNode(MP + "x"), ox.NamedNode(MP + "unrelated"), ox.Literal("1"))
    assert tables_from(triples + [extra]).digest == base
    density = ox.NamedNode(MP + "defaultDensity")
    changed = [ox.Triple(t.subject, t.predicate, ox.Literal("2500")) if t.predicate == density
               and t.subject.value.endswith("/concrete") else t for t in triples]
    assert tables_from(changed).digest != base


def test_mass_triples_of_the_model_example():
    """docs/model.md's bridge: railing 2.4 t (estimated), deck 120.5 t (measured)."""
    doc = docs_from(passport_ttl())[0]
    found = {(t.subject.value.rsplit("/", 1)[-1], t.predicate, t.object.value) for t in mass_triples(doc.triples)}
    assert ("railing-steel", MASS_KG, "2400") in found
    assert ("railing-steel", MASS_QUALITY, "https://w3id.org/materiaalpaspoort/id/dataquality/estimated") in found
    assert ("deck-concrete", MASS_KG, "120500") in found
    assert ("deck-concrete", MASS_METHOD, "https://w3id.org/materiaalpaspoort/id/massmethod/recorded") in found
    assert ("deck-concrete", MASS_DERIVATION, "120,5 t = 120.500 kg (vastgelegd)") in found
    assert len(found) == 10  # 5 per quantity
    assert [q.kinds for _, q in quantities(doc.triples)] == [("Bridge",), ("Bridge",)]
