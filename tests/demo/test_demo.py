"""The seeded demo-data generator (registry/demo/) and the reference data it reads."""

from __future__ import annotations

import csv
import gzip
import re
import time
import tracemalloc
from collections import Counter, defaultdict

import pyoxigraph as ox
import pytest
import rdflib
from pyproj import Transformer

from registry import demo
from registry.core.resources import ONTOLOGY_DIR, SHAPES_DIR
from registry.model.reference import load_materials, load_municipalities
from registry.model.uris import owning_passport
from registry.model.vocab import MANAGED_PREDICATES, MP, MPV

BASE = "http://localhost:8000/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KIND_CLASSES = {MP + k.cls for k in demo.KINDS}
RD_PREFIX = "<http://www.opengis.net/def/crs/EPSG/0/28992>"


def nt(passports) -> bytes:
    return b"".join(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) for _, triples in passports)


@pytest.fixture(scope="module")
def sample():
    """500 passports of seed 42, kept as (iri, triples)."""
    return list(demo.generate(500, seed=42))


# --- ontology/organisations.ttl ---------------------------------------------------------------


CBS = {  # DOMAIN.md's list, checked against the CBS gemeentecodes
    "twente": {"GM0141": "Almelo", "GM0147": "Borne", "GM1774": "Dinkelland", "GM0153": "Enschede",
               "GM0158": "Haaksbergen", "GM0163": "Hellendoorn", "GM0164": "Hengelo",
               "GM1735": "Hof van Twente", "GM0168": "Losser", "GM0173": "Oldenzaal",
               "GM1742": "Rijssen-Holten", "GM0183": "Tubbergen", "GM1700": "Twenterand",
               "GM0189": "Wierden"},
    "stedendriehoek": {"GM0200": "Apeldoorn", "GM0213": "Brummen", "GM0150": "Deventer", "GM0232": "Epe",
                       "GM0246": "Heerde", "GM0262": "Lochem", "GM0285": "Voorst", "GM0301": "Zutphen"},
}


def test_organisations_file_has_the_22_municipalities_with_codes_regions_and_extents():
    municipalities = load_municipalities()
    assert len(municipalities) == 22
    for region, members in CBS.items():
        for code, name in members.items():
            m = municipalities[code]
            assert (m.name, m.region) == (name, region)
            x0, y0, x1, y1 = m.bbox
            assert 5.5 < x0 < x1 < 7.2 and 51.9 < y0 < y1 < 52.6, f"{code} bbox outside east NL"
            assert m.contains(*m.centroid), f"{code} centroid outside its bbox"
            assert 0.03 < x1 - x0 < 0.5 and 0.03 < y1 - y0 < 0.3, f"{code} bbox implausible"
    enschede = municipalities["GM0153"].bbox
    assert abs(enschede[0] - 6.78) < 0.03 and abs(enschede[3] - 52.28) < 0.03


def test_every_organisation_has_labels_definitions_and_the_model_properties():
    g = rdflib.Graph().parse(ONTOLOGY_DIR / "organisations.ttl", format="turtle")
    SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    DCT = rdflib.Namespace("http://purl.org/dc/terms/")
    ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
    GEO = rdflib.Namespace("http://www.opengis.net/ont/geosparql#")
    mp = rdflib.Namespace(MP)
    subjects = set(g.subjects(rdflib.RDF.type, None))
    expected = {rdflib.URIRef(f"{MPV}municipality/{c}") for r in CBS.values() for c in r} | {
        rdflib.URIRef(f"{MPV}organisation/{o}")
        for o in ("waterschap-vechtstromen", "provincie-overijssel", "circulus")}
    assert subjects == expected
    for s in subjects:
        assert (s, rdflib.RDF.type, ORG.Organization) in g
        for prop in (SKOS.prefLabel, rdflib.RDFS.label, SKOS.definition):
            langs = {o.language for o in g.objects(s, prop)}
            assert {"nl", "en"} <= langs, f"{s} lacks {prop} in nl and en"
        if "/municipality/" in s:
            code = s.rsplit("/", 1)[1]
            assert (s, rdflib.RDF.type, mp.Municipality) in g
            assert str(g.value(s, SKOS.notation)) == code and str(g.value(s, DCT.identifier)) == code
            assert g.value(s, mp.bbox).datatype == GEO.wktLiteral
            assert str(g.value(s, mp.bbox)).startswith("POLYGON((")
            assert str(g.value(s, mp.centroid)).startswith("POINT(")
            assert str(g.value(s, mp.region)) in (f"{MPV}region/twente", f"{MPV}region/stedendriehoek")


# --- determinism, structure ---------------------------------------------------------------------


def test_same_seed_gives_identical_output_and_another_seed_does_not():
    first = nt(demo.generate(300, seed=7))
    assert first == nt(demo.generate(300, seed=7))
    assert first != nt(demo.generate(300, seed=8))
    # lazy: the first passports do not depend on how many are asked for
    head = nt(demo.generate(50, seed=7))
    assert first.startswith(head) and len(head) < len(first)


def test_every_passport_is_complete_and_stays_under_its_own_prefix(sample):
    keys = set()
    for iri, triples in sample:
        ref = owning_passport(BASE, iri)
        assert ref is not None and ref.iri == iri
        assert re.fullmatch(r"[a-z]+-\d{6}", ref.key)
        keys.add((ref.municipality, ref.key))
        by_subject = defaultdict(list)
        for t in triples:
            assert isinstance(t, ox.Triple)
            assert t.predicate not in MANAGED_PREDICATES, f"{iri} contains registry-managed {t.predicate}"
            owner = owning_passport(BASE, t.subject.value)
            assert owner is not None and owner.iri == iri, f"{t.subject} lies outside {iri}"
            by_subject[t.subject.value].append(t)

        def objects(s, p, by_subject=by_subject):
            return [t.object for t in by_subject[s] if t.predicate.value == p]

        def typed(cls, by_subject=by_subject):
            return [s for s, ts in by_subject.items()
                    if any(t.predicate.value == RDF_TYPE and t.object.value == cls for t in ts)]

        assert typed(MP + "Passport") == [iri]
        assert [o.value for o in objects(iri, DCTERMS_ID)] == [ref.key]
        gm = f"{MPV}municipality/{ref.municipality}"
        assert [o.value for o in objects(iri, MP + "municipality")] == [gm]
        (obj,) = objects(iri, MP + "describes")
        assert {o.value for o in objects(obj.value, RDF_TYPE)} & KIND_CLASSES
        components = typed(MP + "Component")
        quantities = typed(MP + "MaterialQuantity")
        assert objects(obj.value, MP + "hasComponent") and components and quantities
        for c in components:
            assert {o.language for o in objects(c, RDFS_LABEL)} == {"nl", "en"}
        for q in quantities:
            (value,) = objects(q, QUDT + "numericValue")
            assert float(value.value) > 0
            (unit,) = objects(q, QUDT + "unit")
            assert unit.value.rsplit("/", 1)[1] in ("KiloGM", "TON_Metric", "M3", "M2", "M", "NUM")
            quality = objects(q, MP + "dataQuality")[0].value
            if objects(q, MP + "derivedFrom"):
                assert quality.endswith("/estimated")
            if quality.endswith("/estimated"):
                assert "kg/m3" in objects(q, MP + "derivedFrom")[0].value
        for d in typed(MP + "DetachabilityAssessment"):
            (index,) = objects(d, MP + "detachabilityIndex")
            assert 0.1 <= float(index.value) <= 1.0
            assert len(by_subject[d]) == 6  # type, four factors, index
        valuations = typed(MP + "Valuation")
        assert valuations and all(v.startswith(f"{BASE}id/valuation/{ref.municipality}/{ref.key}/")
                                  for v in valuations)
        assert sorted(v.rsplit("/", 1)[1] for v in valuations) == sorted(
            o.value[:4] for v in valuations for o in objects(v, DCTERMS + "date"))
    assert len(keys) == len(sample)


DCTERMS = "http://purl.org/dc/terms/"
DCTERMS_ID = DCTERMS + "identifier"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
QUDT = "http://qudt.org/schema/qudt/"


def test_variety_of_kinds_regions_phases_origins_and_valuation_histories(sample):
    kinds, regions, phases, origins, units, crs = (Counter() for _ in range(6))
    municipalities = load_municipalities()
    histories = 0
    for iri, triples in sample:
        regions[municipalities[owning_passport(BASE, iri).municipality].region] += 1
        valuations = 0
        for t in triples:
            p, o = t.predicate.value, t.object.value
            if p == RDF_TYPE and o in KIND_CLASSES:
                kinds[o] += 1
            elif p == MP + "projectPhase":
                phases[o.rsplit("/", 1)[1]] += 1
            elif p == MP + "origin":
                origins[o.rsplit("/", 1)[1]] += 1
            elif p == QUDT + "unit":
                units[o.rsplit("/", 1)[1]] += 1
            elif p == "http://www.opengis.net/ont/geosparql#asWKT":
                crs["rd" if o.startswith(RD_PREFIX) else "wgs84"] += 1
            elif p == MP + "valuation":
                valuations += 1
        histories += valuations >= 2
    assert len(kinds) >= 8, kinds
    assert set(regions) == {"twente", "stedendriehoek"}
    assert phases.most_common(1)[0][0] == "management" and len(phases) >= 5, phases
    assert {"primary", "secondary", "recycled", "biobased"} <= set(origins), origins
    assert origins["primary"] > origins["secondary"]
    assert {"TON_Metric", "KiloGM", "M3", "M2", "M"} <= set(units), units
    assert crs["rd"] > 50 and crs["wgs84"] > 50
    assert histories > 20


def test_locations_lie_inside_their_municipality(sample):
    to_wgs84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    municipalities = load_municipalities()
    for iri, triples in sample:
        (wkt,) = [t.object.value for t in triples
                  if t.predicate.value == "http://www.opengis.net/ont/geosparql#asWKT"]
        x, y = (float(v) for v in re.search(r"POINT\(([-\d.]+) ([-\d.]+)\)", wkt).groups())
        if wkt.startswith(RD_PREFIX):
            assert 100_000 < x < 280_000 and 400_000 < y < 520_000, wkt
            x, y = to_wgs84.transform(x, y)
        m = municipalities[owning_passport(BASE, iri).municipality]
        assert m.contains(x, y), f"{iri}: {wkt} is outside {m.name} {m.bbox}"


def test_municipality_selection_and_bad_arguments():
    iris = [iri for iri, _ in demo.generate(60, seed=1, municipalities=["GM0150", "GM0153"])]
    assert {owning_passport(BASE, i).municipality for i in iris} == {"GM0150", "GM0153"}
    with pytest.raises(ValueError, match="GM9999"):
        next(demo.generate(1, municipalities=["GM9999"]))
    with pytest.raises(ValueError, match="not an absolute IRI"):
        next(demo.generate(1, base="no base"))
    other = next(demo.generate(1, seed=1, base="https://paspoort.enschede.nl/"))[0]
    assert other.startswith("https://paspoort.enschede.nl/id/passport/GM")


def test_detachability_index_is_the_harmonic_mean_of_the_factor_scores():
    assert demo.detachability_index([1.0, 1.0, 1.0, 1.0]) == 1.0
    assert demo.detachability_index([0.8, 1.0, 0.4, 1.0]) == round(4 / (1 / 0.8 + 1 + 1 / 0.4 + 1), 2)
    assert demo.detachability_index([0.1, 1.0, 1.0, 1.0]) == 0.31  # the weakest factor weighs most


# --- the ontology it depends on -------------------------------------------------------------------


def test_materials_come_from_the_ontology_and_cover_every_recipe():
    materials, source = load_materials()
    if (ONTOLOGY_DIR / "materials.ttl").exists():
        assert source.endswith("materials.ttl")
    else:
        assert source == "fallback"
    for key in demo.recipe_materials():
        assert key in materials, f"{source} lacks density/price of {key}"
        assert materials[key].density > 0 and materials[key].price >= 0


def test_every_mp_and_mpv_term_used_is_defined_in_the_ontology(sample):
    defined = set()
    for f in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        defined.update(t.subject.value for t in ox.parse(path=str(f)))
    used = set()
    for _, triples in sample:
        for t in triples:
            for term in (t.predicate, t.object):
                if isinstance(term, ox.NamedNode) and term.value.startswith((MP, MPV)):
                    used.add(term.value)
    assert used - defined == set()


# --- SHACL ---------------------------------------------------------------------------------------


def test_200_passports_conform_to_the_shapes():
    from pyshacl import validate

    shape_files = sorted(SHAPES_DIR.glob("*.ttl"))
    assert shape_files, f"no SHACL shapes in {SHAPES_DIR}: the demo passports must be validated"
    shapes = rdflib.Graph()
    for f in shape_files:
        shapes.parse(f, format="turtle")
    data = rdflib.Graph().parse(data=nt(demo.generate(200, seed=3)).decode(), format="nt")
    ontology = rdflib.Graph()
    for f in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        ontology.parse(f, format="turtle")
    hierarchy = list(ontology.triples((None, rdflib.RDFS.subClassOf, None)))
    mp = rdflib.Namespace(MP)
    assert (mp.Bridge, rdflib.RDFS.subClassOf, mp.PhysicalObject) in ontology, \
        "the ontology must give the object kinds their class hierarchy"
    for triple in hierarchy:  # so that sh:targetClass mp:PhysicalObject reaches mp:Bridge
        data.add(triple)
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    violations = [(report.value(r, SH.focusNode), report.value(r, SH.sourceShape),
                   report.value(r, SH.resultMessage))
                  for r in report.subjects(SH.resultSeverity, SH.Violation)]
    assert violations == [], violations[:5]


# --- files ---------------------------------------------------------------------------------------


def test_nquads_gz_has_one_graph_per_passport_and_loads_into_a_store(tmp_path):
    path = tmp_path / "demo.nq.gz"
    stats = demo.write(path, 300, seed=5)
    assert stats.passports == 300
    with gzip.open(path, "rb") as fh:
        quads = list(ox.parse(fh, ox.RdfFormat.N_QUADS))
    assert len(quads) == stats.records
    graphs = defaultdict(list)
    for q in quads:
        graphs[q.graph_name.value].append(q)
    expected = [iri for iri, _ in demo.generate(300, seed=5)]
    assert list(graphs) == expected
    for g, qs in graphs.items():
        assert [q.subject.value for q in qs
                if q.predicate.value == RDF_TYPE and q.object.value == MP + "Passport"] == [g]
    store = ox.Store(str(tmp_path / "store"))
    with gzip.open(path, "rb") as fh:
        store.bulk_load(fh, ox.RdfFormat.N_QUADS)
    assert len(list(store.named_graphs())) == 300
    assert len(store) == stats.records


@pytest.mark.parametrize("suffix", [".ttl", ".trig", ".nt"])
def test_other_rdf_formats_hold_the_same_triples(tmp_path, suffix):
    path = tmp_path / f"demo{suffix}"
    stats = demo.write(path, 40, seed=9)
    expected = {str(t) for _, ts in demo.generate(40, seed=9) for t in ts}
    parsed = list(ox.parse(path=str(path)))
    assert {str(q.triple) for q in parsed} == expected and len(parsed) == stats.records
    if suffix == ".trig":
        assert len({q.graph_name for q in parsed}) == 40


def test_demo_passports_pass_the_registry_write_path(tmp_path):
    from registry.core.settings import Settings
    from registry.model.documents import read_file
    from registry.store.registry import Registry

    path = tmp_path / "demo.nq"
    demo.write(path, 60, seed=21)
    registry = Registry.open(Settings(data_dir=tmp_path / "data", base_iri=BASE))
    try:
        report = registry.add(read_file(path, BASE), source=str(path))
        assert report.rejected == [], [v.issues[:2] for v in report.rejected[:3]]
        assert len(report.created) == 60 and registry.count_passports() == 60
    finally:
        registry.close()


def test_csv_register_has_one_row_per_quantity_of_the_same_objects(tmp_path):
    path = tmp_path / "register.csv"
    stats = demo.write_csv(path, 150, seed=4)
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(demo.CSV_COLUMNS)
    quantities = Counter()
    source_ids = set()
    for iri, triples in demo.generate(150, seed=4):
        ref = owning_passport(BASE, iri)
        quantities[ref.key] = sum(1 for t in triples if t.object.value == MP + "MaterialQuantity")
        source_ids |= {t.object.value for t in triples if t.predicate.value == MP + "sourceIdentifier"}
    assert len(rows) == stats.records == sum(quantities.values())
    assert Counter(r["sleutel"] for r in rows) == quantities
    assert {r["bron_id"] for r in rows} == source_ids
    materials, _ = load_materials()
    dutch = {m.name_nl for m in materials.values()}
    municipalities = load_municipalities()
    for r in rows:
        assert r["materiaal"] in dutch and r["eenheid"] in ("m3", "m2", "m", "st", "kg", "t")
        assert float(r["hoeveelheid"]) > 0 and 1900 <= int(r["aanlegjaar"]) <= 2030
        assert r["crs"] in ("EPSG:28992", "EPSG:4326")
        assert (r["m3_per_eenheid"] != "") == (r["eenheid"] in ("m2", "m")), r
        assert r["gemeente"] == municipalities[r["gemeentecode"]].name
    with_gz = tmp_path / "register.csv.gz"
    demo.write_csv(with_gz, 150, seed=4)
    assert gzip.decompress(with_gz.read_bytes()) == path.read_bytes()


# --- scale ---------------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


@pytest.mark.slow
def test_200k_passports_stream_in_constant_memory():
    """Resident memory over all 200,000 passports; Python allocations (tracemalloc, which slows
    generation ~10x) over the last 5,000, after 195,000 have gone by."""
    n = 0
    stream = demo.generate(200_000, seed=13, parallel=False)
    next(stream)  # reference data loaded, caches warm
    rss_before = _rss_mb()
    for i, (_, triples) in enumerate(stream, start=2):
        n += len(triples)
        if i == 195_000:
            tracemalloc.start()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n > 199_999 * 40
    assert peak < 20 * 2**20, f"Python memory peaked at {peak / 2**20:.1f} MB in 5,000 passports"
    assert current < 4 * 2**20, f"{current / 2**20:.1f} MB stayed allocated after 5,000 passports"
    assert _rss_mb() - rss_before < 60, "resident memory grew while streaming 200,000 passports"


def test_a_second_process_gives_the_same_passports():
    sequential = nt(demo.generate(1500, seed=19, parallel=False))
    assert nt(demo.generate(1500, seed=19, parallel=True)) == sequential
    with pytest.raises(ValueError, match="GM9999"):
        next(demo.generate(10, municipalities=["GM9999"], parallel=True))


@pytest.mark.slow
def test_generation_speed():
    """CPU time of generating (and discarding) 20,000 passports in one process."""
    started = time.process_time()
    for _ in demo.generate(20_000, seed=17, parallel=False):
        pass
    rate = 20_000 / (time.process_time() - started)
    print(f"\ndemo.generate: {rate:,.0f} passports/s (CPU time, one process)")
    assert rate > 2_500, f"only {rate:,.0f} passports/s"


def test_write_reports_progress_through_the_callers_callback(tmp_path):
    seen = []
    stats = demo.write(tmp_path / "demo.nt", 2500, seed=2, progress=seen.append)
    assert seen == [1000, 2000, 2500] and stats.passports == 2500
    seen.clear()
    demo.write_csv(tmp_path / "demo.csv", 1200, seed=2, progress=seen.append)
    assert seen == [1000, 1200]


def test_the_demo_needs_no_command_line_libraries():
    import subprocess
    import sys

    code = ("import sys; from registry.demo import generate; list(generate(3)); "
            "print(sorted(m for m in ('argparse', 'rich', 'typer') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
