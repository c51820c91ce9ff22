"""GeoSPARQL on every geometry: the CRS84 copy the registry keeps beside each recorded geometry, and
the saved spatial queries checked against distances computed in Python (pyproj) on demo data that
records some objects in RD New and some in WGS84."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import BASE, docs_from, passport_ttl
from pyproj import Geod

from registry.core.settings import Settings
from registry.demo.stream import generate
from registry.model.documents import PassportDoc, make_doc
from registry.model.geometry import RD_NEW, crs84, geometry_triples, rd_to_wgs84, wgs84_to_rd
from registry.model.uris import owning_passport
from registry.model.vocab import GEO, GEOMETRY_PREDICATES, LATITUDE, PREFIXES, WKT_CRS84
from registry.store import geometries, named_queries
from registry.store.registry import Registry

GEOD = Geod(ellps="WGS84")
ENSCHEDE = "https://w3id.org/materiaalpaspoort/id/municipality/GM0153"
POINT = (52.2215, 6.8937)  # lat, long: Enschede's town centre
DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("spatial") / "data", base_iri=BASE)
    registry = Registry.open(settings)
    docs = (PassportDoc(owning_passport(BASE, iri), triples, "demo")
            for iri, triples in generate(160, seed=11, base=BASE, municipalities=["GM0153", "GM0164", "GM0150"]))
    assert registry.add(docs).written == 160
    yield registry
    registry.close()


def recorded(registry) -> dict[str, str]:
    """object IRI -> its recorded WKT, over the current passports."""
    rows = registry.store.query(
        "SELECT ?object ?wkt WHERE { GRAPH ?p { ?p a mp:Passport ; mp:describes ?object . "
        "?object geo:hasGeometry/geo:asWKT ?wkt } }", prefixes=PREFIXES)
    return {r["object"].value: r["wkt"].value for r in rows}


def python_distance_km(wkt: str, lat: float, long: float) -> float:
    """Geodesic distance from the point to the centre of the geometry's WGS84 bounding box."""
    crs, _, body = wkt.strip().partition(">") if wkt.strip().startswith("<") else ("", "", wkt)
    numbers = [float(n) for n in body.replace("(", " ").replace(")", " ").replace(",", " ").split()
               if n[0].isdigit() or n[0] == "-"]
    pairs = list(zip(numbers[0::2], numbers[1::2]))
    if RD_NEW in crs:
        pairs = [rd_to_wgs84(x, y) for x, y in pairs]
    lons, lats = [p[0] for p in pairs], [p[1] for p in pairs]
    centre = ((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    return GEOD.inv(long, lat, *centre)[2] / 1000


def test_the_demo_has_both_coordinate_systems(demo):
    wkts = recorded(demo).values()
    assert sum(RD_NEW in w for w in wkts) >= 20 and sum(RD_NEW not in w for w in wkts) >= 20


def test_every_geometry_has_a_crs84_copy_the_geosparql_functions_read(demo):
    stored = demo.store.query(
        "SELECT ?wkt ?copy ?inside WHERE { GRAPH ?p { ?g geo:asWKT ?wkt OPTIONAL { ?g mp:wktCRS84 ?copy } } "
        ' BIND(geof:sfWithin(?copy, "POLYGON((3 50, 8 50, 8 54, 3 54, 3 50))"^^geo:wktLiteral) AS ?inside) }',
        prefixes={**PREFIXES, "geof": "http://www.opengis.net/def/function/geosparql/"})
    rows = list(stored)
    assert len(rows) == len(recorded(demo))
    for row in rows:
        assert row["copy"] is not None and row["inside"].value == "true", row["wkt"]
        assert row["copy"].value == crs84(row["wkt"].value)


@pytest.mark.parametrize("km", [2.5, 12.0])
@pytest.mark.parametrize("point_as", ["wgs84", "rd"])
def test_objects_within_distance_agree_with_pyproj(demo, km, point_as):
    lat, long = POINT
    if point_as == "wgs84":
        bindings = {"lat": ox.Literal(str(lat), datatype=DECIMAL),
                    "long": ox.Literal(str(long), datatype=DECIMAL)}
    else:
        x, y = wgs84_to_rd(long, lat)
        bindings = {"x": ox.Literal(f"{x:.2f}", datatype=DECIMAL),
                    "y": ox.Literal(f"{y:.2f}", datatype=DECIMAL)}
    bindings["km"] = ox.Literal(str(km), datatype=DECIMAL)
    rows = named_queries.select(demo.store, "objects-within-distance", bindings)
    found = {r["object"].value: float(r["distanceKm"].value) for r in rows}
    expected = {o: python_distance_km(w, lat, long) for o, w in recorded(demo).items()}
    near = {o for o, d in expected.items() if d <= km * 0.99}
    far = {o for o, d in expected.items() if d > km * 1.01}
    assert near and far
    assert near <= set(found), "objects within the distance are missing"
    assert not far & set(found), "objects beyond the distance were answered"
    assert any(RD_NEW in recorded(demo)[o] for o in near) and any(RD_NEW not in recorded(demo)[o] for o in near)
    for o, d in found.items():  # sphere vs ellipsoid, and an RD point converted in SPARQL
        assert d == pytest.approx(expected[o], rel=0.006, abs=0.005)
    assert list(found.values()) == sorted(found.values())


def test_objects_in_municipality_agree_with_a_python_point_in_rectangle(demo):
    rows = named_queries.select(demo.store, "objects-in-municipality", {"municipality": ox.NamedNode(ENSCHEDE)})
    found = {r["object"].value for r in rows}
    west, south, east, north = 6.78, 52.16, 6.98, 52.28  # mp:bbox of GM0153 in ontology/organisations.ttl
    expected = set()
    for o, wkt in recorded(demo).items():
        text = crs84(wkt)
        long, lat = (float(n) for n in text[text.index("(") + 1:text.index(")")].split()[:2])
        if west <= long <= east and south <= lat <= north:
            expected.add(o)
    assert expected and found == expected
    assert {RD_NEW in recorded(demo)[o] for o in found} == {True, False}


def test_the_copy_is_managed_dropped_from_input_and_not_hashed(registry):
    ttl = passport_ttl()
    doc = docs_from(ttl)[0]
    assert registry.add([doc]).written == 1
    stored = list(registry.store.quads_for_pattern(None, LATITUDE, None, ox.NamedNode(doc.iri)))
    assert len(stored) == 1
    # sent back with the managed triples (and a wrong copy): same content, no new version
    wrong = ox.Literal("POINT(0 0)", datatype=ox.NamedNode(GEO + "wktLiteral"))
    echoed = [*doc.triples, *(ox.Triple(t.subject, t.predicate, wrong) if t.predicate == WKT_CRS84 else t
                              for t in geometry_triples(doc.triples))]
    again = make_doc(doc.iri, BASE, "echo", triples=echoed)
    assert again.content_hash() == doc.content_hash()
    assert not [t for t in again.triples if t.predicate in GEOMETRY_PREDICATES]


def test_a_store_without_copies_gets_them_at_the_next_writable_opening(settings):
    registry = Registry.open(settings)
    doc = docs_from(passport_ttl())[0]
    registry.add([doc])
    graph = ox.NamedNode(doc.iri)
    for quad in [q for q in registry.store.quads_for_pattern(None, None, None, graph) if q.predicate in GEOMETRY_PREDICATES]:
        registry.store.remove(quad)
    for quad in list(registry.store.quads_for_pattern(geometries.masses.state_node(BASE, "geometries"), None, None, None)):
        registry.store.remove(quad)
    assert geometries.is_stale(registry.store, BASE, registry.provenance_graph)
    registry.close()
    registry = Registry.open(settings)
    try:
        assert len(list(registry.store.quads_for_pattern(None, WKT_CRS84, None, graph))) == 1
        assert not geometries.is_stale(registry.store, BASE, registry.provenance_graph)
        assert registry.refresh_geometries() == 0
    finally:
        registry.close()

