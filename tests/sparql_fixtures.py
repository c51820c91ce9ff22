"""Helpers for the SPARQL endpoint tests: a real uvicorn server on a loopback port, and passports.

The passports follow docs/model.md; they are written as N-Quads (one named graph per passport, named
by the passport IRI) and bulk-loaded into a pyoxigraph store at ``DATA/main`` before the server
starts, the way a deployment's data directory looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from registry.model.mass import mass_triples

BASE = "http://localhost:8000/"
MP = "https://w3id.org/materiaalpaspoort/def#"
MPV = "https://w3id.org/materiaalpaspoort/id/"

PREFIXES = f"""
@prefix mp: <{MP}> .
@prefix mpv: <{MPV}> .
@prefix gm: <{MPV}municipality/> .
@prefix material: <{MPV}material/> .
@prefix rstrategy: <{MPV}rstrategy/> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""


@dataclass(frozen=True)
class Quantity:
    name: str
    material: str
    value: str
    unit: str


@dataclass(frozen=True)
class Part:
    name: str
    strategy: str
    quantities: tuple[Quantity, ...]
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class PassportSpec:
    municipality: str
    key: str
    kind: str
    label: str
    strategy: str
    release_year: int
    parts: tuple[Part, ...]
    valuations: tuple[tuple[str, str], ...] = ()  # (date, amount in EUR)

    @property
    def iri(self) -> str:
        return f"{BASE}id/passport/{self.municipality}/{self.key}"


def passport_turtle(p: PassportSpec) -> str:
    gm, key = p.municipality, p.key
    obj = f"<{BASE}id/object/{gm}/{key}>"
    lines = [PREFIXES, f"""
<{p.iri}> a mp:Passport ;
    dcterms:identifier "{key}" ;
    dcterms:title "Materialenpaspoort {p.label}"@nl ;
    mp:municipality gm:{gm} ;
    mp:describes {obj} ;
    mp:versionNumber 1 ;
    mp:currentVersion <{p.iri}/v/1> .
{obj} a mp:{p.kind} ;
    rdfs:label "{p.label}"@nl ;
    mp:owner gm:{gm} ;
    mp:plannedRStrategy rstrategy:{p.strategy} ;
    mp:expectedRelease <{BASE}id/release/{gm}/{key}> .
<{BASE}id/release/{gm}/{key}> a mp:ExpectedRelease ;
    mp:releaseDate "{p.release_year}-01-01"^^xsd:date .
"""]

    def add_part(owner: str, part: Part) -> None:
        iri = f"<{BASE}id/component/{gm}/{key}/{part.name}>"
        lines.append(f"{owner} mp:hasComponent {iri} .\n{iri} a mp:Component ; rdfs:label \"{part.name}\"@nl ;"
                     f" mp:plannedRStrategy rstrategy:{part.strategy} .\n")
        for q in part.quantities:
            q_iri = f"<{BASE}id/quantity/{gm}/{key}/{q.name}>"
            lines.append(f"{iri} mp:hasMaterialQuantity {q_iri} .\n{q_iri} a mp:MaterialQuantity ; "
                         f"mp:material material:{q.material} ; qudt:numericValue {q.value} ; "
                         f"qudt:unit unit:{q.unit} .\n")
        for sub in part.parts:
            add_part(iri, sub)

    for top in p.parts:
        add_part(obj, top)
    for date, amount in p.valuations:
        v_iri = f"<{BASE}id/valuation/{gm}/{key}/{date[:4]}>"
        lines.append(f"{obj} mp:valuation {v_iri} .\n{v_iri} a mp:Valuation ; mp:amount {amount} ; "
                     f"mp:currency \"EUR\" ; dcterms:date \"{date}\"^^xsd:date .\n")
    return "".join(lines)


PASSPORTS = (
    PassportSpec("GM0153", "brug-0001", "Bridge", "Brug Twentekanaal", "R3", 2045, (
        Part("deck", "R3", (Quantity("deck-concrete", "concrete", "120.5", "TON_Metric"),), (
            Part("deck-railing", "R5", (Quantity("railing-steel", "steel", "20000", "KiloGM"),)),)),),
        (("2025-01-01", "10000.00"), ("2026-01-01", "14460.00"))),
    PassportSpec("GM0153", "lamp-0001", "LampPost", "Lichtmast Markt", "R2", 2030, (
        Part("mast", "R2", (Quantity("mast-steel", "steel", "0.5", "TON_Metric"),
                            Quantity("mast-aluminium", "aluminium", "30", "KiloGM"))),),
        (("2026-01-01", "100.00"),)),
    PassportSpec("GM0141", "weg-0001", "RoadSection", "Wegvak Hoofdstraat", "R8", 2030, (
        Part("surface", "R8", (Quantity("surface-asphalt", "asphalt", "500", "TON_Metric"),)),
        Part("kerb", "R3", (Quantity("kerb-concrete", "concrete", "2000", "KiloGM"),))),
        (("2026-01-01", "5000.00"),)),
    PassportSpec("GM0141", "brug-0002", "Bridge", "Fietsbrug Zuid", "R3", 2045, (
        Part("deck", "R4", (Quantity("deck-concrete", "recycled-concrete", "10", "TON_Metric"),)),),
        (("2026-01-01", "3000.00"),)),
    PassportSpec("GM0164", "bank-0001", "Bench", "Bank Volkspark", "R1", 2028, (
        Part("seat", "R1", (Quantity("seat-hardwood", "hardwood", "0.5", "M3"),)),)),
)

RETIRED_IRI = f"{BASE}id/passport/GM0164/oud-0001"
EXTRA_TURTLE = PREFIXES + f"""
<{RETIRED_IRI}> a mp:RetiredPassport ;
    dcterms:identifier "oud-0001" ;
    mp:municipality gm:GM0164 ;
    mp:retiredAt "2026-02-01T10:00:00Z"^^xsd:dateTime ;
    mp:retirementReason "Gesloopt" .
"""
PROVENANCE_TURTLE = PREFIXES + "".join(
    f"<{p.iri}/v/1> a mp:PassportVersion, prov:Entity ; prov:specializationOf <{p.iri}> ; "
    f"mp:versionNumber 1 .\n" for p in PASSPORTS)


def write_nquads(path: Path, passports=PASSPORTS) -> int:
    """Write the passports (and a retired passport's tombstone and provenance) as N-Quads."""
    quads = []
    graphs = [(p.iri, passport_turtle(p)) for p in passports]
    graphs += [(RETIRED_IRI, EXTRA_TURTLE), (f"{BASE}graph/provenance", PROVENANCE_TURTLE)]
    for graph, text in graphs:
        g = ox.NamedNode(graph)
        triples = list(ox.parse(text, format=ox.RdfFormat.TURTLE))
        if "/id/passport/" in graph:  # the mass of each quantity, as the registry's writer adds it
            triples += mass_triples(triples)
        quads += (ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)
    ox.serialize(quads, str(path), format=ox.RdfFormat.N_QUADS)
    return len(quads)


# A query that runs far past any test's time limit with flat memory: 11.7 million combinations of
# three of the test store's 228 triples, a string built for each (13.6 s alone without the CONCAT
# on the 2-core machine, peak RSS 39 MB). The four-way product with no filter (``?j ?k ?l`` as a
# fourth pattern) builds its joins in memory and may meet the worker's memory cap (500,
# PASSPORTS_QUERY_MEMORY) before its time limit (503) on a fast machine: tests that expect the
# time limit use this one.
LONG_QUERY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
              "FILTER(STRLEN(CONCAT(STR(?c), STR(?f), STR(?i))) > 0) }")


def make_data_dir(data_dir: Path, passports=PASSPORTS) -> int:
    """A data directory whose live store ``main/`` holds the test passports; returns the quad count."""
    data_dir.mkdir(parents=True, exist_ok=True)
    nq = data_dir / "passports.nq"
    n = write_nquads(nq, passports)
    store = ox.Store(str(data_dir / "main"))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    return n


def concat_query(rows: int, fanouts: tuple[int, ...]) -> str:
    """``rows`` rows, each with a string of 10 * product(fanouts) characters built by nested CONCAT in
    the query (hostile input for the result caps; the numbers are the test's own)."""
    binds = ['BIND("0123456789" AS ?v0)']
    for level, fanout in enumerate(fanouts, start=1):
        binds.append(f"BIND(CONCAT({', '.join([f'?v{level - 1}'] * fanout)}) AS ?v{level})")
    values = " ".join(str(i) for i in range(rows))
    return f"SELECT ?i ?v{len(fanouts)} WHERE {{ VALUES ?i {{ {values} }} {' '.join(binds)} }}"
