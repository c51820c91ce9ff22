"""Names real asset exports use for object kinds and materials (issue 12, item 7): street gullies
(kolk), vitrified clay (gres), luminaires, bins, bollards, ... map to the ontology's terms."""

from __future__ import annotations

import csv

import pyoxigraph as ox
import pytest
from conftest import BASE

from importers.pipeline import import_file
from importers.vocabulary import load_vocabulary
from registry.model.uris import passport_ref
from registry.model.vocab import MP, MPV

# A kind of physical object with an IMBOR/GWSW match (the kind and the top class are bound, not pasted).
KIND_IS_ALIGNED = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                   "ASK { ?kind rdfs:subClassOf+ ?top ; skos:exactMatch|skos:closeMatch ?m }")

IMBOR = "imbor-openbare-ruimte"


@pytest.mark.parametrize("name, kind", [
    ("kolk", "StreetGully"), ("Straatkolk", "StreetGully"), ("Trottoirkolk", "StreetGully"),
    ("Armatuur", "Luminaire"), ("Afvalbak", "WasteBin"), ("prullenbak", "WasteBin"), ("Afsluitpaal", "Bollard"),
    ("poller", "Bollard"), ("Fietsenrek", "BicycleParking"), ("Plantenbak", "PlantContainer"),
    ("Geleiderail", "SafetyBarrier"), ("vangrail", "SafetyBarrier"), ("Rioolgemaal", "PumpingStation"),
    ("Beschoeiing", "Revetment"), ("Lichtmast", "LampPost"),
])
def test_object_kind_names(name, kind):
    assert load_vocabulary().kinds.match(name) == MP + kind


@pytest.mark.parametrize("name, material", [
    ("gres", "vitrified-clay"), ("Gresbuis", "vitrified-clay"), ("gresbuizen", "vitrified-clay"),
    ("GVK", "grp"), ("polyester", "grp"), ("asbestcement", "asbestos-cement"), ("AC-buis", "asbestos-cement"),
])
def test_material_names(name, material):
    assert load_vocabulary().scheme("material").match(name) == f"{MPV}material/{material}"


def test_new_kinds_are_physical_objects_with_an_imbor_or_gwsw_match():
    from registry.model.reference import load_ontology_store

    store = load_ontology_store()
    for kind in ("StreetGully", "Luminaire", "WasteBin", "Bollard", "BicycleParking", "PlantContainer",
                 "SafetyBarrier", "PumpingStation", "Revetment"):
        ask = store.query(KIND_IS_ALIGNED, substitutions={ox.Variable("kind"): ox.NamedNode(MP + kind),
                                                          ox.Variable("top"): ox.NamedNode(MP + "PhysicalObject")})
        assert bool(ask), kind
    # IMBOR 2025's Lichtmast class beside the IMBOR 2022 term
    matches = {q.object.value for q in store.quads_for_pattern(ox.NamedNode(MP + "LampPost"), None, None)}
    assert "https://data.crow.nl/imbor/def/e5d5a58c-bb19-4d49-8bf0-d1ea48a5487e" in matches
    assert "https://data.crow.nl/imbor/term/5be84548-325c-4a7e-b1ea-c189c526d861" in matches


HEADER = ("Identificatie;Objecttype;Omschrijving;Straatnaam;Materiaal;Aanlegjaar;Lengte;Breedte;Hoogte;Dikte;"
          "Hoeveelheid;Eenheid;Conditiescore;X;Y;Vervangingswaarde;Peildatum")
ROWS = [
    "KLK-0001;Kolk;Kolk bij de markt;Oude Markt;gres;1985;;;;;0,04;m\xb3;3;257688,07;471277,02;150;2026",
    "KLK-0001;Kolk;Kolk bij de markt;Oude Markt;gietijzer;1985;;;;;35;kg;3;257688,07;471277,02;150;2026",
    "RIO-0007;Vrijvervalleiding;Riool Oude Markt;Oude Markt;gresbuis;1962;;;;;1,8;m\xb3;4;257690,00;471280,00;9000;2026",
    "ARM-0003;Armatuur;Armatuur Oude Markt;Oude Markt;aluminium;2018;;;;;8;kg;2;257692,00;471282,00;400;2026",
]


def test_an_export_with_gullies_and_vitrified_clay_imports(registry, tmp_path):
    path = tmp_path / "riool.csv"
    path.write_bytes(("\r\n".join([HEADER, *ROWS]) + "\r\n").encode("cp1252"))
    report = tmp_path / "report.csv"
    result = import_file(registry, path, "GM0153", IMBOR, report_path=report)
    with open(report, encoding="utf-8") as fh:
        violations = [r for r in csv.DictReader(fh) if r["severity"] == "Violation"]
    assert result.created == 3 and result.rejected == 0, violations

    def objects(key: str, predicate: str) -> set[str]:
        graph = ox.NamedNode(passport_ref(BASE, "GM0153", key).iri)
        return {q.object.value for q in registry.store.quads_for_pattern(None, ox.NamedNode(predicate), None, graph)}

    assert MP + "StreetGully" in objects("or-KLK-0001", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert objects("or-KLK-0001", MP + "material") == {MPV + "material/vitrified-clay", MPV + "material/cast-iron"}
    assert objects("or-RIO-0007", MP + "material") == {MPV + "material/vitrified-clay"}
    assert MP + "Luminaire" in objects("or-ARM-0003", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
