"""What the search index keeps of one passport: read from the triples of its graph.

One function, :func:`passport_facts`, used both when a write adds a version (on the document's
triples, before they are stored) and when the index is rebuilt from the store (on each graph's
quads in store order), so the two cannot disagree.

Mass per material: ``mp:massKg`` of each ``mp:MaterialQuantity`` (registry-managed, see
``registry.model.vocab``), else the recorded quantity when its unit is a mass (kg, t, g); a
quantity whose mass is unknown counts for the material but adds no mass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.model.reference import local_name
from registry.model.terms import Terms
from registry.model.vocab import DCTERMS, GEO, MP, MPV, QUDT, RDF, RDFS, SKOS, UNIT

KG_PER_UNIT = {UNIT + "KiloGM": 1.0, UNIT + "TON_Metric": 1000.0, UNIT + "GM": 0.001}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_P = {name: iri for name, iri in (
    ("type", RDF + "type"), ("title", DCTERMS + "title"), ("identifier", DCTERMS + "identifier"),
    ("municipality", MP + "municipality"), ("phase", MP + "projectPhase"), ("describes", MP + "describes"),
    ("label", RDFS + "label"), ("source", MP + "sourceIdentifier"), ("material", MP + "material"),
    ("value", QUDT + "numericValue"), ("unit", QUDT + "unit"), ("mass", MP + "massKg"),
    ("rstrategy", MP + "plannedRStrategy"), ("release", MP + "releaseDate"), ("wkt", GEO + "asWKT"),
    ("lat", MP + "latitude"), ("lon", MP + "longitude"))}
_NAMES = {iri: name for name, iri in _P.items()}


@dataclass
class PassportFacts:
    """One current passport as the search index stores it (local names, not IRIs)."""

    iri: str
    municipality: str = ""  # CBS code, GM0153
    kind: str = ""  # local name of the object class
    phase: str = ""
    identifier: str = ""
    names: dict[str, str] = field(default_factory=dict)  # object name (else title) by language
    titles: list[str] = field(default_factory=list)
    other_names: list[str] = field(default_factory=list)  # object and component labels
    source_ids: list[str] = field(default_factory=list)
    materials: dict[str, float | None] = field(default_factory=dict)  # key -> kg (None: unknown)
    rstrategies: set[str] = field(default_factory=set)
    release_year: int | None = None
    lat: float | None = None
    from_wkt: bool = False  # the location read from a WGS84 WKT (a stored CRS84 centre comes first)
    lon: float | None = None

    @property
    def mass_kg(self) -> float | None:
        known = [kg for kg in self.materials.values() if kg is not None]
        return sum(known) if known else None

    def main_materials(self) -> list[tuple[str, float | None]]:
        """Materials by mass, heaviest first (unknown masses last, by name)."""
        return sorted(self.materials.items(), key=lambda kv: (kv[1] is None, -(kv[1] or 0.0), kv[0]))

    def text_columns(self, terms: Terms) -> tuple[str, str, str, str, str]:
        """The five full-text columns: place, identifiers, kind, materials, names."""
        muni = f"{MPV}municipality/{self.municipality}"
        place = [self.municipality, *_labels(terms, muni)]
        key = self.iri.rsplit("/", 1)[-1]
        ident = [self.identifier, key, *self.source_ids]
        kind = _labels(terms, MP + self.kind) if self.kind else []
        materials = [w for m in self.materials for w in _labels(terms, f"{MPV}material/{m}")]
        names = [*self.names.values(), *self.titles, *self.other_names]
        return tuple(" ".join(dict.fromkeys(filter(None, part)))  # type: ignore[return-value]
                     for part in (place, ident, kind, materials, names))


def _labels(terms: Terms, iri: str) -> list[str]:
    """Preferred and alternative labels of a concept or class in every language."""
    found = [v.value for p in (SKOS + "prefLabel", RDFS + "label", SKOS + "altLabel", SKOS + "hiddenLabel")
             for v in terms.values(iri, p) if isinstance(v, ox.Literal)]
    return found or [local_name(iri).replace("-", " ")]


def by_subject(triples: Iterable[ox.Triple | ox.Quad], names: dict[str, str]) -> dict[str, dict[str, list[ox.Term]]]:
    """The objects of the predicates in ``names`` (IRI -> short name), by subject and short name."""
    props: dict[str, dict[str, list[ox.Term]]] = {}
    for t in triples:
        name = names.get(t.predicate.value)
        if name is not None:
            props.setdefault(t.subject.value, {}).setdefault(name, []).append(t.object)
    return props


def object_kind(types: Iterable[str], kinds: Iterable[str]) -> str:
    """The one object kind a passport is filed under (search facets, the pages' counts per kind):
    of the object's ``rdf:type`` IRIs that are object kinds of the ontology (``kinds``), the first
    by IRI, whatever the order of the triples; "" for none."""
    return min(set(types).intersection(kinds), default="")


def passport_facts(iri: str, triples: Iterable[ox.Triple | ox.Quad], terms: Terms) -> PassportFacts | None:
    """The facts of the passport ``iri`` from the triples of its graph; None for a tombstone (a
    retired passport) or a graph that is not a passport."""
    props = by_subject(triples, _NAMES)
    own = props.get(iri, {})
    if not any(o.value == MP + "Passport" for o in own.get("type", ())):
        return None
    facts = PassportFacts(iri)
    facts.municipality = _first_local(own.get("municipality"))
    facts.phase = _first_local(own.get("phase"))
    facts.identifier = next((o.value for o in own.get("identifier", ())), "")
    facts.titles = [o.value for o in own.get("title", ())]
    obj = next((o.value for o in own.get("describes", ())), "")
    kinds = set(terms.object_kinds)
    for subject, p in props.items():
        if subject == iri:
            continue
        if subject == obj:
            facts.kind = local_name(object_kind((o.value for o in p.get("type", ())), kinds))
            for o in p.get("label", ()):
                facts.names.setdefault(getattr(o, "language", None) or "", o.value)
            facts.source_ids = [o.value for o in p.get("source", ())]
        else:
            facts.other_names += [o.value for o in p.get("label", ())]
        facts.rstrategies.update(local_name(o.value) for o in p.get("rstrategy", ()))
        for material in p.get("material", ()):
            key = local_name(material.value)
            kg = _mass(p)
            if kg is None:
                facts.materials.setdefault(key, None)
            else:
                facts.materials[key] = (facts.materials.get(key) or 0.0) + kg
        for release in p.get("release", ()):
            year = _year(release.value)
            if year is not None and (facts.release_year is None or year < facts.release_year):
                facts.release_year = year
        if p.get("lat") and p.get("lon") and (facts.lat is None or facts.from_wkt):
            # the registry's CRS84 centre of the geometry (registry.model.geometry): RD New too
            facts.lat, facts.lon, facts.from_wkt = float(p["lat"][0].value), float(p["lon"][0].value), False
        for wkt in p.get("wkt", ()):
            if facts.lat is None:
                facts.lon, facts.lat = _centre(wkt.value)
                facts.from_wkt = facts.lat is not None
    if not facts.names:
        for o in own.get("title", ()):
            facts.names.setdefault(getattr(o, "language", None) or "", o.value)
    return facts


def _first_local(values: list[ox.Term] | None) -> str:
    return local_name(values[0].value) if values else ""


def _number(term: ox.Term) -> float | None:
    try:
        return float(term.value)
    except ValueError:
        return None


def _mass(p: dict[str, list[ox.Term]]) -> float | None:
    """Kilograms of one quantity: ``mp:massKg``, else the recorded value in a mass unit."""
    for term in p.get("mass", ()):
        kg = _number(term)
        if kg is not None:
            return kg
    values, units = p.get("value", ()), p.get("unit", ())
    if values and units and units[0].value in KG_PER_UNIT:
        value = _number(values[0])
        return None if value is None else value * KG_PER_UNIT[units[0].value]
    return None


def _year(text: str) -> int | None:
    head = text[:5].lstrip("-")[:4]
    return int(head) if head.isdigit() else None


def _centre(wkt: str) -> tuple[float | None, float | None]:
    """The mean of the coordinates of a WKT geometry (longitude, latitude); a point is itself."""
    numbers = [float(n) for n in _NUMBER.findall(wkt.split(">")[-1])]
    if len(numbers) < 2:
        return None, None
    lons, lats = numbers[0::2], numbers[1::2]
    lon, lat = sum(lons) / len(lons), sum(lats) / len(lats)
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else (None, None)


__all__ = ["KG_PER_UNIT", "PassportFacts", "by_subject", "object_kind", "passport_facts"]
