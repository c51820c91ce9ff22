"""Domain corrections of issue 12 (item 7): densities with their sources, the range of
mp:releaseDate, the detachability scores, the vocabulary real exports use."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

from registry.model.reference import load_ontology_store
from registry.model.vocab import MP, MPV, RDFS, SKOS, XSD

DCTERMS_SOURCE = "http://purl.org/dc/terms/source"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_ontology_store()


def objects(store: ox.Store, subject: str, predicate: str) -> list:
    return [q.object for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)]


def density(store: ox.Store, key: str) -> Decimal:
    return Decimal(objects(store, f"{MPV}material/{key}", MP + "defaultDensity")[0].value)


def test_densities_of_clay_pavers_and_built_in_granulate(store):
    assert 2000 <= density(store, "clinker") <= 2100  # a solid clay paver, not a perforated brick
    assert density(store, "granulate") == 2000  # compacted in a road base, not loose (1,500)
    note = " ".join(o.value for o in objects(store, MPV + "material/granulate", SKOS + "scopeNote"))
    assert "1500" in note and "2000" in note


def test_every_default_density_cites_its_source(store):
    missing = [q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(MP + "defaultDensity"), None)
               if not any(o.value.startswith("Density:") for o in objects(store, q.subject.value, DCTERMS_SOURCE))]
    assert missing == []
    cited = objects(store, MPV + "material/steel", DCTERMS_SOURCE)[0].value
    assert "NEN-EN 1991-1-1" in cited


def test_release_date_ranges_over_date_or_year_as_the_shapes_accept(store):
    ranges = objects(store, MP + "releaseDate", RDFS + "range")
    assert len(ranges) == 1 and isinstance(ranges[0], ox.BlankNode)
    union = store.query(
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        "SELECT ?property ?d WHERE { ?property rdfs:range/owl:unionOf/rdf:rest*/rdf:first ?d }",
        substitutions={ox.Variable("property"): ox.NamedNode(MP + "releaseDate")})
    assert sorted(r["d"].value for r in union) == [XSD + "date", XSD + "gYear"]


def test_detachability_sources_are_cited_with_the_right_initial(store):
    for scheme in ("connectiontype", "accessibility", "intersection", "productedge"):
        cited = " ".join(o.value for o in objects(store, MPV + scheme, DCTERMS_SOURCE))
        assert "Van Vliet, M. (2018)" in cited and "versie 2.0" in cited, scheme
        assert "Van Vliet, E." not in cited


def test_accessibility_levels_and_scores(store):
    scores = {q.subject.value.rsplit("/", 1)[1]: Decimal(q.object.value)
              for q in store.quads_for_pattern(None, ox.NamedNode(MP + "score"), None)
              if q.subject.value.startswith(MPV + "accessibility/")}
    assert scores == {"freely-accessible": Decimal("1.0"), "accessible-extra-actions": Decimal("0.8"),
                      "accessible-repairable-damage": Decimal("0.4"), "not-accessible": Decimal("0.1")}
