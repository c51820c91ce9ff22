"""The ontology and SKOS schemes in ontology/: syntax, labels, the contract of docs/model.md, alignments to
IMBOR and GWSW (the OWL 2 consistency check with HermiT: tests/validation/test_consistency.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

from registry.core.resources import ONTOLOGY_DIR, SPARQL_DIR
from registry.model.reference import (
    OntologyError,
    class_hierarchy_triples,
    load_ontology_store,
    ontology_files,
)
from registry.model.vocab import MP, MPV, OWL, RDF, RDFS, SKOS, XSD

EXTERNAL = Path(__file__).resolve().parents[3] / "shared" / "external"
IMBOR_DIR = EXTERNAL / "imbor" / "imbor2022-ld"
GWSW_DIR = EXTERNAL / "gwsw-queries"
DCTERMS = "http://purl.org/dc/terms/"
# IMBOR classes and terms, and the NEN 3610 classes IMBOR reuses.
IMBOR_NAMESPACES = ("https://data.crow.nl/imbor/", "http://definities.geostandaarden.nl/def/nen3610#")

OWN_FILES = ["mp.ttl", "alignments.ttl", "rladder.ttl", "phases.ttl", "policyangles.ttl", "themes.ttl",
             "materials.ttl", "codelists.ttl", "detachability.ttl", "regions.ttl", "mass.ttl"]

OBJECT_KINDS = ["Bridge", "RoadSection", "Paving", "Kerb", "StreetFurniture", "Bench", "LampPost",
                "SewerPipe", "Manhole", "PlaygroundEquipment", "Building", "Quay", "Fence", "TrafficSign",
                "Culvert", "Tree"]

# Schemes and their concepts exactly as docs/model.md lists them.
MODEL_SCHEMES = {
    "rstrategy": [f"R{i}" for i in range(10)],
    "phase": ["initiative", "exploration", "design", "tendering", "realisation", "management", "end-of-use"],
    "policyangle": ["purchasing", "public-space", "area-development", "residents", "businesses"],
    "theme": ["circular-policy", "circular-goods", "circular-public-space", "circular-building",
              "co2-reduction", "future-proof-business"],
    "material": ["concrete", "recycled-concrete", "asphalt", "clinker", "natural-stone", "steel",
                 "stainless-steel", "aluminium", "cast-iron", "timber", "hardwood", "softwood",
                 "certified-timber", "pvc", "pe", "pp", "hdpe", "recycled-plastic", "glass", "soil", "sand",
                 "granulate", "textile", "hemp", "flax", "straw", "copper", "zinc", "bitumen", "rubber",
                 "stone-wool", "vitrified-clay", "grp", "asbestos-cement"],
    "origin": ["primary", "secondary", "recycled", "biobased", "renewable"],
    "materialphase": ["new", "second-use", "third-use-or-later"],
    "dataquality": ["measured", "estimated", "default"],
    "condition": ["1", "2", "3", "4", "5", "6"],
    "valuationmethod": ["market", "residual", "replacement", "book"],
    "releasequality": ["reuse-as-is", "reuse-after-repair", "recycle", "downcycle", "waste"],
    "rgroup": ["smarter-use", "extend-lifespan", "useful-application"],
    "region": ["twente", "stedendriehoek"],
}
# Detachability schemes: docs/model.md names these concepts; more are allowed.
MODEL_DETACHABILITY = {
    "connectiontype": ["dry", "click", "screw", "bolt", "nail", "glue", "weld", "cast", "chemical"],
    "accessibility": ["freely-accessible"],
    "intersection": ["modular-zoning"],
    "productedge": ["closed-edge"],
}

PREFIXES = f"""PREFIX mp: <{MP}> PREFIX mpv: <{MPV}> PREFIX rdf: <{RDF}> PREFIX rdfs: <{RDFS}>
PREFIX owl: <{OWL}> PREFIX skos: <{SKOS}> PREFIX xsd: <{XSD}>
"""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_ontology_store()


def select(store: ox.Store, query: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    results = store.query(PREFIXES + query)
    names = [v.value for v in results.variables]
    return [{n: row[n] for n in names} for row in results]


def values(store: ox.Store, subject: str, predicate: str) -> list:
    return [q.object for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)]


def concepts_of(store: ox.Store, scheme: str) -> dict[str, str]:
    """Concept IRI suffix -> IRI for the concepts in mpv:{scheme}."""
    rows = store.quads_for_pattern(None, ox.NamedNode(SKOS + "inScheme"), ox.NamedNode(MPV + scheme))
    prefix = f"{MPV}{scheme}/"
    return {q.subject.value[len(prefix):]: q.subject.value for q in rows}


def label(store: ox.Store, iri: str, lang: str, predicate: str = SKOS + "prefLabel") -> str:
    found = [o.value for o in values(store, iri, predicate) if o.language == lang]
    assert len(found) == 1, f"{iri} should have exactly one {predicate} @{lang}, has {found}"
    return found[0]


# --- files and labels -----------------------------------------------------------------------------------

def test_own_files_exist():
    names = {p.name for p in ontology_files()}
    missing = [n for n in OWN_FILES if n not in names]
    assert not missing, f"ontology files missing from {ONTOLOGY_DIR}: {missing}"


@pytest.mark.parametrize("path", ontology_files(), ids=lambda p: p.name)
def test_every_file_parses(path: Path):
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert triples, f"{path} holds no triples"


def test_unreadable_file_is_reported_with_its_name(tmp_path: Path):
    bad = tmp_path / "broken.ttl"
    bad.write_text(f"@prefix mp: <{MP}> .\nmp:A a mp:B \n", encoding="utf-8")
    with pytest.raises(OntologyError, match="broken.ttl"):
        load_ontology_store([bad])


def unlabelled(store: ox.Store) -> list[tuple[str, str]]:
    query = (SPARQL_DIR / "ontology-unlabelled-terms.rq").read_text(encoding="utf-8")
    return [(row["term"].value, row["missing"].value) for row in store.query(query)]


def test_every_term_has_labels_and_definitions_in_dutch_and_english(store):
    missing = unlabelled(store)
    assert not missing, "terms without label or definition:\n" + "\n".join(f"{t}: {m}" for t, m in missing)


def test_unlabelled_terms_query_finds_a_term_missing_english(store):
    probe = ox.Store()
    probe.load(input=f"""@prefix mp: <{MP}> . @prefix owl: <{OWL}> . @prefix rdfs: <{RDFS}> .
        @prefix skos: <{SKOS}> .
        mp:Probe a owl:Class ; rdfs:label "Proef"@nl ; skos:definition "Alleen Nederlands."@nl .""",
               format=ox.RdfFormat.TURTLE)
    assert sorted(unlabelled(probe)) == [(MP + "Probe", "definition@en"), (MP + "Probe", "label@en")]


def test_ontology_header(store):
    onto = "https://w3id.org/materiaalpaspoort/def"
    assert values(store, onto, RDF + "type") == [ox.NamedNode(OWL + "Ontology")]
    assert values(store, onto, OWL + "versionIRI") == [ox.NamedNode(onto + "/0.1.0")]
    assert values(store, onto, "http://purl.org/vocab/vann/preferredNamespacePrefix") == [ox.Literal("mp")]
    for term in ("title", "description", "license", "creator"):
        assert values(store, onto, DCTERMS + term), f"ontology header lacks dcterms:{term}"
    title_langs = {o.language for o in values(store, onto, DCTERMS + "title")}
    assert title_langs == {"nl", "en"}


def test_no_owl_imports(store):
    assert not list(store.quads_for_pattern(None, ox.NamedNode(OWL + "imports"), None)), \
        "owl:imports would make the reasoner fetch remote ontologies"


# --- the model contract ---------------------------------------------------------------------------------

def model_text() -> str:
    return (ROOT / "docs" / "model.md").read_text(encoding="utf-8")


def model_example() -> ox.Store:
    blocks = re.findall(r"```turtle\n(.*?)```", model_text(), re.DOTALL)
    example = next(b for b in blocks if "a mp:Passport" in b)
    graph = ox.Store()
    graph.load(input=example, format=ox.RdfFormat.TURTLE)
    return graph


def declared(store: ox.Store, iri: str, kind: str) -> bool:
    return ox.Quad(ox.NamedNode(iri), ox.NamedNode(RDF + "type"), ox.NamedNode(OWL + kind)) in store


def test_every_mp_term_in_the_model_is_declared(store):
    terms = sorted(set(re.findall(r"\bmp:([A-Za-z][A-Za-z0-9]*)", model_text())))
    assert len(terms) > 40
    kinds = ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")
    undeclared = [t for t in terms if not any(declared(store, MP + t, k) for k in kinds)]
    assert not undeclared, f"docs/model.md uses mp: terms the ontology does not declare: {undeclared}"


def test_model_example_uses_object_and_datatype_properties_correctly(store):
    example = model_example()
    assert len(example) > 40
    wrong = []
    for q in example:
        p = q.predicate.value
        if p == RDF + "type" and q.object.value.startswith(MP):
            if not declared(store, q.object.value, "Class"):
                wrong.append(f"{q.object.value} is used as a class but not declared owl:Class")
        elif p.startswith(MP):
            kind = "DatatypeProperty" if isinstance(q.object, ox.Literal) else "ObjectProperty"
            if not (declared(store, p, kind) or declared(store, p, "AnnotationProperty")):
                wrong.append(f"{p} has a {'literal' if kind == 'DatatypeProperty' else 'resource'} value but "
                             f"is not an owl:{kind}")
    assert not wrong, "\n".join(wrong)


def test_vocabulary_iris_in_the_model_example_exist(store):
    used = {q.object.value for q in model_example() if isinstance(q.object, ox.NamedNode)
            and q.object.value.startswith(MPV)}
    assert len(used) >= 10
    absent = sorted(i for i in used if not list(store.quads_for_pattern(ox.NamedNode(i), None, None)))
    assert not absent, f"the model example uses vocabulary IRIs the ontology files do not define: {absent}"


def test_no_property_is_both_object_and_datatype_property(store):
    rows = select(store, "SELECT ?p WHERE { ?p a owl:ObjectProperty , owl:DatatypeProperty }")
    assert not rows


def test_every_mp_property_has_domain_and_range(store):
    rows = select(store, """SELECT ?p WHERE {
        ?p a ?kind . VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty }
        FILTER (STRSTARTS(STR(?p), STR(mp:)))
        FILTER NOT EXISTS { ?p rdfs:domain ?d . ?p rdfs:range ?r } }""")
    assert not rows, f"properties without rdfs:domain and rdfs:range: {[r['p'].value for r in rows]}"


def test_object_kinds_are_physical_objects_with_imbor_matches(store):
    hierarchy = {(t.subject.value, t.object.value) for t in class_hierarchy_triples()}
    for kind in OBJECT_KINDS:
        iri = MP + kind
        assert declared(store, iri, "Class"), f"mp:{kind} is not an owl:Class"
        parent = MP + ("StreetFurniture" if kind == "Bench" else "PhysicalObject")
        assert (iri, parent) in hierarchy, f"mp:{kind} should be rdfs:subClassOf {parent}"
        matches = [o.value for p in ("closeMatch", "exactMatch") for o in values(store, iri, SKOS + p)]
        assert any(m.startswith(IMBOR_NAMESPACES) for m in matches), \
            f"mp:{kind} has no skos:closeMatch/exactMatch to an IMBOR class"


def test_class_hierarchy_triples_for_validation():
    triples = class_hierarchy_triples()
    assert all(isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode) for t in triples)
    pairs = {(t.subject.value, t.object.value) for t in triples}
    for sub, sup in [(MP + "Bench", MP + "StreetFurniture"), (MP + "Bridge", MP + "PhysicalObject"),
                     (MP + "MaterialQuantity", "http://qudt.org/schema/qudt/QuantityValue"),
                     (MP + "PassportVersion", "http://www.w3.org/ns/prov#Entity"),
                     (MP + "Municipality", "http://www.w3.org/ns/org#Organization"),
                     (MP + "Material", SKOS + "Concept")]:
        assert (sub, sup) in pairs, f"missing {sub} rdfs:subClassOf {sup}"


# --- concept schemes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", sorted(MODEL_SCHEMES))
def test_scheme_holds_exactly_the_model_concepts(store, scheme):
    assert sorted(concepts_of(store, scheme)) == sorted(MODEL_SCHEMES[scheme])


@pytest.mark.parametrize("scheme", sorted(MODEL_DETACHABILITY))
def test_detachability_scheme_has_model_concepts_with_scores(store, scheme):
    concepts = concepts_of(store, scheme)
    missing = [c for c in MODEL_DETACHABILITY[scheme] if c not in concepts]
    assert not missing, f"mpv:{scheme} lacks {missing}"
    assert len(concepts) >= 3
    for iri in concepts.values():
        scores = values(store, iri, MP + "score")
        assert len(scores) == 1 and scores[0].datatype == ox.NamedNode(XSD + "decimal"), f"{iri}: {scores}"
        assert Decimal("0.1") <= Decimal(scores[0].value) <= Decimal("1.0"), f"{iri} score {scores[0].value}"
    assert max(Decimal(values(store, i, MP + "score")[0].value) for i in concepts.values()) == Decimal("1.0")
    assert min(Decimal(values(store, i, MP + "score")[0].value) for i in concepts.values()) == Decimal("0.1")


def test_connection_scores_follow_the_detachability_index(store):
    score = {k: Decimal(values(store, i, MP + "score")[0].value)
             for k, i in concepts_of(store, "connectiontype").items()}
    assert score["dry"] == score["click"] == Decimal("1.0")
    assert score["screw"] == score["bolt"] == Decimal("0.8")
    assert score["glue"] == score["weld"] == score["cast"] == score["chemical"] == Decimal("0.1")
    assert score["dry"] > score["screw"] > score["nail"] > score["glue"]


def test_every_concept_is_well_formed(store):
    """Every mpv concept: one scheme that exists, notation = last IRI segment, one prefLabel per language."""
    rows = select(store, """SELECT ?c WHERE { ?c a skos:Concept . FILTER STRSTARTS(STR(?c), STR(mpv:)) }""")
    assert len(rows) > 100
    problems = []
    schemes = {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"),
                                                                ox.NamedNode(SKOS + "ConceptScheme"))}
    for row in rows:
        c = row["c"].value
        in_scheme = [o.value for o in values(store, c, SKOS + "inScheme")]
        if len(in_scheme) != 1 or in_scheme[0] not in schemes:
            problems.append(f"{c}: skos:inScheme {in_scheme}")
        elif not c.startswith(in_scheme[0] + "/"):
            problems.append(f"{c} is not under its scheme {in_scheme[0]}")
        if [o.value for o in values(store, c, SKOS + "notation")] != [c.rsplit("/", 1)[1]]:
            problems.append(f"{c}: skos:notation should be {c.rsplit('/', 1)[1]!r}")
        for lang in ("nl", "en"):
            if len([o for o in values(store, c, SKOS + "prefLabel") if o.language == lang]) != 1:
                problems.append(f"{c}: needs exactly one skos:prefLabel @{lang}")
        if not (values(store, c, SKOS + "topConceptOf") or values(store, c, SKOS + "broader")):
            problems.append(f"{c}: neither a top concept nor narrower than another concept")
    assert not problems, "\n".join(problems)


def test_schemes_are_labelled_and_list_their_top_concepts(store):
    for scheme in list(MODEL_SCHEMES) + list(MODEL_DETACHABILITY):
        iri = MPV + scheme
        label(store, iri, "nl")
        label(store, iri, "en")
        tops = {o.value for o in values(store, iri, SKOS + "hasTopConcept")}
        declared_tops = {q.subject.value for q in store.quads_for_pattern(
            None, ox.NamedNode(SKOS + "topConceptOf"), ox.NamedNode(iri))}
        assert tops and tops == declared_tops, f"{iri}: hasTopConcept and topConceptOf disagree"


R_LADDER = [("Afwijzen", "Refuse"), ("Heroverwegen", "Rethink"), ("Verminderen", "Reduce"),
            ("Hergebruiken", "Re-use"), ("Repareren", "Repair"), ("Renoveren", "Refurbish"),
            ("Herfabriceren", "Remanufacture"), ("Herbestemmen", "Repurpose"), ("Recyclen", "Recycle"),
            ("Herwinnen", "Recover")]


def test_r_ladder_is_r0_to_r9_in_order_with_dutch_labels(store):
    rows = select(store, """SELECT ?c ?rank ?notation ?group WHERE {
        ?c skos:inScheme mpv:rstrategy ; mp:rank ?rank ; skos:notation ?notation ; mp:rGroup ?group }
        ORDER BY ?rank""")
    assert [r["notation"].value for r in rows] == [f"R{i}" for i in range(10)]
    assert [int(r["rank"].value) for r in rows] == list(range(10))
    assert all(r["rank"].datatype == ox.NamedNode(XSD + "integer") for r in rows)
    for row, (nl, en) in zip(rows, R_LADDER):
        assert label(store, row["c"].value, "nl") == nl
        assert label(store, row["c"].value, "en") == en
    groups = [r["group"].value.rsplit("/", 1)[1] for r in rows]
    assert groups == ["smarter-use"] * 3 + ["extend-lifespan"] * 5 + ["useful-application"] * 2


def test_phases_are_ordered_one_to_seven(store):
    rows = select(store, """SELECT ?c ?rank WHERE { ?c skos:inScheme mpv:phase ; mp:rank ?rank }
        ORDER BY ?rank""")
    assert [int(r["rank"].value) for r in rows] == list(range(1, 8))
    assert [r["c"].value.rsplit("/", 1)[1] for r in rows] == MODEL_SCHEMES["phase"]
    assert label(store, MPV + "phase/initiative", "nl") == "Initiatief"
    assert label(store, MPV + "phase/management", "nl") == "Beheer en onderhoud"


def test_condition_is_ranked_one_to_six(store):
    rows = select(store, """SELECT ?c ?rank WHERE { ?c skos:inScheme mpv:condition ; mp:rank ?rank }
        ORDER BY ?rank""")
    assert [(r["c"].value.rsplit("/", 1)[1], int(r["rank"].value)) for r in rows] == \
        [(str(i), i) for i in range(1, 7)]


def test_every_material_has_flags_density_and_price(store):
    materials = concepts_of(store, "material")
    problems = []
    for key, iri in materials.items():
        if ox.NamedNode(MP + "Material") not in values(store, iri, RDF + "type"):
            problems.append(f"{key}: not typed mp:Material")
        for flag in ("renewable", "abiotic"):
            found = values(store, iri, MP + flag)
            if len(found) != 1 or found[0].datatype != ox.NamedNode(XSD + "boolean"):
                problems.append(f"{key}: needs one xsd:boolean mp:{flag}, has {found}")
        for number, low in (("defaultDensity", Decimal(10)), ("defaultPricePerTonne", Decimal(0))):
            found = values(store, iri, MP + number)
            if len(found) != 1 or found[0].datatype != ox.NamedNode(XSD + "decimal"):
                problems.append(f"{key}: needs one xsd:decimal mp:{number}, has {found}")
            elif Decimal(found[0].value) < low:
                problems.append(f"{key}: mp:{number} {found[0].value} is below {low}")
    assert not problems, "\n".join(problems)


def material_value(store, key: str, prop: str):
    return values(store, MPV + "material/" + key, MP + prop)[0].value


def test_material_values_are_plausible(store):
    density = {k: Decimal(material_value(store, k, "defaultDensity")) for k in MODEL_SCHEMES["material"]}
    assert density["concrete"] == 2400 and density["steel"] == 7850 and density["aluminium"] == 2700
    assert density["asphalt"] == 2350 and density["cast-iron"] == 7200 and density["glass"] == 2500
    assert density["softwood"] < density["hardwood"] < density["concrete"] < density["steel"]
    price = {k: Decimal(material_value(store, k, "defaultPricePerTonne")) for k in MODEL_SCHEMES["material"]}
    assert price["copper"] > price["aluminium"] > price["steel"] > price["concrete"]
    for key in ("timber", "hardwood", "softwood", "certified-timber", "hemp", "flax", "straw"):
        assert material_value(store, key, "renewable") == "true", key
        assert material_value(store, key, "abiotic") == "false", key
    for key in ("concrete", "steel", "aluminium", "asphalt", "pvc", "sand", "glass"):
        assert material_value(store, key, "renewable") == "false", key
        assert material_value(store, key, "abiotic") == "true", key


def test_material_hierarchy(store):
    broader = {q.subject.value.rsplit("/", 1)[1]: q.object.value.rsplit("/", 1)[1]
               for q in store.quads_for_pattern(None, ox.NamedNode(SKOS + "broader"), None)
               if q.subject.value.startswith(MPV + "material/")}
    assert broader == {"recycled-concrete": "concrete", "stainless-steel": "steel", "hardwood": "timber",
                       "softwood": "timber", "certified-timber": "timber", "hdpe": "pe"}


def material_labels(store) -> dict[str, list[str]]:
    """Lower-cased prefLabel/altLabel -> material keys carrying it."""
    index: dict[str, list[str]] = {}
    for key, iri in concepts_of(store, "material").items():
        for predicate in (SKOS + "prefLabel", SKOS + "altLabel"):
            for o in values(store, iri, predicate):
                index.setdefault(o.value.casefold(), [])
                if key not in index[o.value.casefold()]:
                    index[o.value.casefold()].append(key)
    return index


def test_importer_synonyms_resolve_to_one_material(store):
    index = material_labels(store)
    ambiguous = {text: keys for text, keys in index.items() if len(keys) > 1}
    assert not ambiguous, f"labels that name more than one material: {ambiguous}"
    expected = {"gewapend beton": "concrete", "betonklinkers": "concrete", "beton": "concrete",
                "asfalt": "asphalt", "ZOAB": "asphalt", "hardhout": "hardwood", "azobe": "hardwood",
                "azobé": "hardwood", "PVC": "pvc", "gietijzer": "cast-iron", "RVS": "stainless-steel",
                "cortenstaal": "steel", "gebakken klinkers": "clinker", "natuursteen": "natural-stone",
                "graniet": "natural-stone", "naaldhout": "softwood", "betongranulaat": "granulate",
                "steenwol": "stone-wool", "FSC-hout": "certified-timber"}
    wrong = {text: index.get(text.casefold()) for text, key in expected.items()
             if index.get(text.casefold()) != [key]}
    assert not wrong, f"synonyms that do not resolve to the expected material: {wrong}"


def test_alt_labels_differ_from_pref_labels(store):
    rows = select(store, """SELECT ?c ?l WHERE { ?c skos:prefLabel ?p ; skos:altLabel ?l .
        FILTER (LCASE(STR(?p)) = LCASE(STR(?l)) && LANG(?p) = LANG(?l)) }""")
    assert not rows, [(r["c"].value, r["l"].value) for r in rows]


# --- alignments -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def imbor() -> ox.Store:
    if not IMBOR_DIR.is_dir():
        pytest.skip(f"IMBOR files not available at {IMBOR_DIR}")
    graph = ox.Store()
    for name in ("imbor-kern.ttl", "imbor-vocabulaire.ttl"):
        graph.bulk_load(path=str(IMBOR_DIR / name), format=ox.RdfFormat.TURTLE)
    return graph


def alignment_targets() -> list[ox.Quad]:
    alignments = ox.Store()
    alignments.load(path=str(ONTOLOGY_DIR / "alignments.ttl"), format=ox.RdfFormat.TURTLE)
    return list(alignments)


def test_imbor_alignment_targets_exist_in_imbor(imbor):
    targets = {q.object.value for q in alignment_targets()
               if q.object.value.startswith(IMBOR_NAMESPACES)}
    assert len(targets) > 40
    unknown = sorted(t for t in targets if not list(imbor.quads_for_pattern(
        ox.NamedNode(t), ox.NamedNode(SKOS + "prefLabel"), None)))
    # classes IMBOR 2025 added (Lichtmast, Overbrugging) are named in CROW's IMBOR 2025 alignments
    imbor2025 = " ".join(p.read_text(encoding="utf-8") for p in (IMBOR_DIR.parent / "alignments").glob("*2025*"))
    unknown = [t for t in unknown if t.rsplit("/", 1)[1] not in imbor2025]
    assert not unknown, f"alignment targets that IMBOR 2022 and the IMBOR 2025 alignments do not define: {unknown}"


def test_material_alignments_point_at_imbor_material_classes(imbor):
    matter = ox.NamedNode("https://w3id.org/nen2660/def#Matter")
    targets = {(q.subject.value, q.object.value) for q in alignment_targets()
               if q.subject.value.startswith(MPV + "material/")}
    assert len({s for s, _ in targets}) >= 25, "most materials should be aligned to IMBOR"
    not_matter = [(s, t) for s, t in targets if ox.Quad(ox.NamedNode(t), ox.NamedNode(RDFS + "subClassOf"),
                                                         matter) not in imbor]
    assert not not_matter, f"material alignments to IMBOR classes that are not nen2660:Matter: {not_matter}"
    exact = {q.subject.value.rsplit("/", 1)[1]: q.object for q in alignment_targets()
             if q.predicate.value == SKOS + "exactMatch" and q.subject.value.startswith(MPV + "material/")}
    labels = {k: next(imbor.quads_for_pattern(v, ox.NamedNode(SKOS + "prefLabel"), None)).object.value
              for k, v in exact.items()}
    assert labels["concrete"] == "Beton" and labels["cast-iron"] == "Gietijzer"
    assert labels["hardwood"] == "Hardhout" and labels["stainless-steel"] == "RVS"


def test_sewer_alignments_use_the_gwsw_namespace_of_the_gwsw_queries():
    gwsw = "http://data.gwsw.nl/1.6/totaal/"
    targets = {q.object.value for q in alignment_targets()
               if q.object.value.startswith("http://data.gwsw.nl/")}
    assert targets and all(t.startswith(gwsw) for t in targets)
    if not GWSW_DIR.is_dir():
        pytest.skip(f"GWSW queries not available at {GWSW_DIR}")
    corpus = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in GWSW_DIR.rglob("*.rq"))
    assert gwsw in corpus
    unknown = [t for t in targets if not re.search(r"(gwsw)?:" + re.escape(t[len(gwsw):]) + r"\b", corpus)]
    assert not unknown, f"GWSW terms the GWSW queries never use: {unknown}"
